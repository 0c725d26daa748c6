using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CapacityPlanner.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CustomChips : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "SavedCustomChips",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    NormalizedId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    DefinitionJson = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ProfileBenchmarkId = table.Column<string>(type: "TEXT", unicode: false, maxLength: 32, nullable: true),
                    ProfilePrecision = table.Column<string>(type: "TEXT", unicode: false, maxLength: 16, nullable: true),
                    ProfileIncludeCpu = table.Column<bool>(type: "INTEGER", nullable: true),
                    ProfileRegisteredUtc = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SavedCustomChips", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_SavedCustomChips_NormalizedId",
                table: "SavedCustomChips",
                column: "NormalizedId",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "SavedCustomChips");
        }
    }
}
