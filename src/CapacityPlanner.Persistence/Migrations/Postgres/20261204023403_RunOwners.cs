using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CapacityPlanner.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class RunOwners : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "OwnerHash",
                table: "SavedMeasuredRuns",
                type: "character varying(64)",
                unicode: false,
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_SavedMeasuredRuns_OwnerHash",
                table: "SavedMeasuredRuns",
                column: "OwnerHash");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_SavedMeasuredRuns_OwnerHash",
                table: "SavedMeasuredRuns");

            migrationBuilder.DropColumn(
                name: "OwnerHash",
                table: "SavedMeasuredRuns");
        }
    }
}
