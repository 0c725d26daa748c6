using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CapacityPlanner.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ChipOwners : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "OwnerHash",
                table: "SavedCustomChips",
                type: "character varying(64)",
                unicode: false,
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "OwnerHash",
                table: "SavedCustomChips");
        }
    }
}
