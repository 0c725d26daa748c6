using CapacityPlanner.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CapacityPlanner.Web.Tests.Persistence;

/// <summary>
/// The model and its migrations live in CapacityPlanner.Persistence: what <c>dotnet ef</c> creates at design time (the
/// factories, no app start and no server) finds every migration of its provider there, under the ids the databases
/// already record, and the snapshot matches the model (no migration is missing).
/// </summary>
public sealed class ModelAndMigrationsTests
{
    private static readonly string[] s_sqlite =
    [
        "20261122144930_InitialCreate", "20261122164231_CustomChips", "20261203211140_MeasuredRuns", "20261203211357_ScenarioOwners",
        "20261203212602_ChipOwners", "20261203214015_BenchmarkOwners", "20261204023359_RunOwners",
    ];

    private static readonly string[] s_postgres =
    [
        "20261122144939_InitialCreate", "20261122164310_CustomChips", "20261203211200_MeasuredRuns", "20261203211448_ScenarioOwners",
        "20261203212701_ChipOwners", "20261203214120_BenchmarkOwners", "20261204023403_RunOwners",
    ];

    [Fact]
    public void The_sqlite_design_time_context_finds_its_migrations_in_the_persistence_assembly()
    {
        using var db = new SqliteDesignTimeFactory().CreateDbContext([]);
        AssertMigrations(db, s_sqlite, "CapacityPlanner.Persistence.Migrations.Sqlite");
    }

    [Fact]
    public void The_postgres_design_time_context_finds_its_migrations_in_the_persistence_assembly()
    {
        using var db = new PostgresDesignTimeFactory().CreateDbContext([]);
        AssertMigrations(db, s_postgres, "CapacityPlanner.Persistence.Migrations.Postgres");
    }

    private static void AssertMigrations(CapacityPlannerDbContext db, string[] expected, string migrationsNamespace)
    {
        Assert.Equal(expected, db.Database.GetMigrations());
        var assembly = db.GetService<IMigrationsAssembly>();
        Assert.Equal(typeof(CapacityPlannerDbContext).Assembly, assembly.Assembly);
        Assert.Equal("CapacityPlanner.Persistence", assembly.Assembly.GetName().Name);
        Assert.All(assembly.Migrations.Values, m => Assert.Equal(migrationsNamespace, m.Namespace));
        Assert.Equal(migrationsNamespace, assembly.ModelSnapshot!.GetType().Namespace);
        Assert.False(db.Database.HasPendingModelChanges(), "the model differs from the migrations' snapshot: add a migration");
    }
}
