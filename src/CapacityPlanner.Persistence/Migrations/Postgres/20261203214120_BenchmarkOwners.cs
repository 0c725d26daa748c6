using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CapacityPlanner.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class BenchmarkOwners : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "OwnerHash",
                table: "SavedBenchmarks",
                type: "character varying(64)",
                unicode: false,
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_SavedBenchmarks_OwnerHash",
                table: "SavedBenchmarks",
                column: "OwnerHash");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_SavedBenchmarks_OwnerHash",
                table: "SavedBenchmarks");

            migrationBuilder.DropColumn(
                name: "OwnerHash",
                table: "SavedBenchmarks");
        }
    }
}
