using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CapacityPlanner.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "DataProtectionKeys",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FriendlyName = table.Column<string>(type: "TEXT", nullable: true),
                    Xml = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DataProtectionKeys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SavedBenchmarks",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", unicode: false, maxLength: 32, nullable: false),
                    UploadedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    MeasuredUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Source = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Backend = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Hostname = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    CpuModel = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    GpuName = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    GpuCount = table.Column<int>(type: "INTEGER", nullable: false),
                    DriverVersion = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    CudaDriverVersion = table.Column<int>(type: "INTEGER", nullable: true),
                    Fingerprint = table.Column<string>(type: "TEXT", unicode: false, maxLength: 64, nullable: false),
                    DocumentJson = table.Column<string>(type: "TEXT", nullable: false),
                    SizeBytes = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SavedBenchmarks", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SavedScenarios",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", unicode: false, maxLength: 32, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    ScenarioJson = table.Column<string>(type: "TEXT", nullable: false),
                    PageSettingsJson = table.Column<string>(type: "TEXT", nullable: true),
                    ModelLabel = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    ChipId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Gpus = table.Column<long>(type: "INTEGER", nullable: false),
                    Feasible = table.Column<bool>(type: "INTEGER", nullable: false),
                    StepTimeSeconds = table.Column<double>(type: "REAL", nullable: true),
                    TokensPerSecond = table.Column<double>(type: "REAL", nullable: true),
                    Mfu = table.Column<double>(type: "REAL", nullable: true),
                    DuplicatedFromId = table.Column<string>(type: "TEXT", unicode: false, maxLength: 32, nullable: true),
                    CreatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    DeletedUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ConcurrencyStamp = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SavedScenarios", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_SavedBenchmarks_Fingerprint",
                table: "SavedBenchmarks",
                column: "Fingerprint");

            migrationBuilder.CreateIndex(
                name: "IX_SavedBenchmarks_GpuName",
                table: "SavedBenchmarks",
                column: "GpuName");

            migrationBuilder.CreateIndex(
                name: "IX_SavedBenchmarks_UploadedUtc",
                table: "SavedBenchmarks",
                column: "UploadedUtc");

            migrationBuilder.CreateIndex(
                name: "IX_SavedScenarios_DeletedUtc_CreatedUtc",
                table: "SavedScenarios",
                columns: new[] { "DeletedUtc", "CreatedUtc" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DataProtectionKeys");

            migrationBuilder.DropTable(
                name: "SavedBenchmarks");

            migrationBuilder.DropTable(
                name: "SavedScenarios");
        }
    }
}
