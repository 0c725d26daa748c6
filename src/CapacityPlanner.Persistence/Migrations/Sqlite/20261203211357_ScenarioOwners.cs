using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CapacityPlanner.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ScenarioOwners : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "OwnerHash",
                table: "SavedScenarios",
                type: "TEXT",
                unicode: false,
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_SavedScenarios_OwnerHash",
                table: "SavedScenarios",
                column: "OwnerHash");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_SavedScenarios_OwnerHash",
                table: "SavedScenarios");

            migrationBuilder.DropColumn(
                name: "OwnerHash",
                table: "SavedScenarios");
        }
    }
}
