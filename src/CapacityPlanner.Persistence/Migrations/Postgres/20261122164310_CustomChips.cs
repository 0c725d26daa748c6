using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CapacityPlanner.Persistence.Migrations.Postgres
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
                    Id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    NormalizedId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    DefinitionJson = table.Column<string>(type: "text", nullable: false),
                    CreatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ProfileBenchmarkId = table.Column<string>(type: "character varying(32)", unicode: false, maxLength: 32, nullable: true),
                    ProfilePrecision = table.Column<string>(type: "character varying(16)", unicode: false, maxLength: 16, nullable: true),
                    ProfileIncludeCpu = table.Column<bool>(type: "boolean", nullable: true),
                    ProfileRegisteredUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
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
