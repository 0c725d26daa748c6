using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace CapacityPlanner.Persistence;

/// <summary>
/// The app's database: saved scenarios, uploaded benchmark results, custom chips, user-measured training runs and the data-protection key ring (so
/// that several instances behind one database decrypt each other's cookies and antiforgery tokens). One model for every
/// provider; each provider has its own derived context type so that its migrations live apart
/// (<c>Migrations/Sqlite</c>, <c>Migrations/Postgres</c> in this project).
/// </summary>
public abstract class CapacityPlannerDbContext(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    /// <summary>Longest scenario or benchmark name.</summary>
    public const int MaxNameLength = 200;

    /// <summary>Longest chip id stored with a saved scenario.</summary>
    public const int MaxScenarioChipIdLength = 100;

    /// <summary>Longest custom chip id stored (the hardware page allows 40 characters).</summary>
    public const int MaxChipIdLength = 64;

    /// <summary>Longest family name of a measured run.</summary>
    public const int MaxFamilyLength = 64;

    /// <summary>Longest notes of a measured run.</summary>
    public const int MaxNotesLength = 4000;

    /// <summary>Length of generated ids.</summary>
    public const int IdLength = ShortId.Length;

    /// <summary>Saved scenarios.</summary>
    public DbSet<SavedScenario> Scenarios => Set<SavedScenario>();

    /// <summary>Uploaded benchmark results.</summary>
    public DbSet<SavedBenchmark> Benchmarks => Set<SavedBenchmark>();

    /// <summary>Custom chips and registered calibration profiles.</summary>
    public DbSet<SavedCustomChip> CustomChips => Set<SavedCustomChip>();

    /// <summary>Training runs measured by users (Validation page, <c>/api/runs</c>).</summary>
    public DbSet<SavedMeasuredRun> MeasuredRuns => Set<SavedMeasuredRun>();

    /// <summary>Data-protection keys (<see cref="IDataProtectionKeyContext"/>).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<SavedScenario>(e =>
        {
            e.ToTable("SavedScenarios");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(32).IsUnicode(false);
            e.Property(x => x.Name).HasMaxLength(MaxNameLength);
            e.Property(x => x.ChipId).HasMaxLength(MaxScenarioChipIdLength);
            e.Property(x => x.ModelLabel).HasMaxLength(MaxNameLength);
            e.Property(x => x.DuplicatedFromId).HasMaxLength(32).IsUnicode(false);
            e.Property(x => x.ConcurrencyStamp).IsConcurrencyToken();
            e.Property(x => x.OwnerHash).HasMaxLength(64).IsUnicode(false);
            e.HasIndex(x => new { x.DeletedUtc, x.CreatedUtc });
            e.HasIndex(x => x.OwnerHash);
        });
        modelBuilder.Entity<SavedBenchmark>(e =>
        {
            e.ToTable("SavedBenchmarks");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(32).IsUnicode(false);
            e.Property(x => x.Source).HasMaxLength(64);
            e.Property(x => x.Backend).HasMaxLength(32);
            e.Property(x => x.Hostname).HasMaxLength(255);
            e.Property(x => x.CpuModel).HasMaxLength(255);
            e.Property(x => x.GpuName).HasMaxLength(255);
            e.Property(x => x.DriverVersion).HasMaxLength(64);
            e.Property(x => x.Fingerprint).HasMaxLength(64).IsUnicode(false);
            e.Property(x => x.OwnerHash).HasMaxLength(64).IsUnicode(false);
            e.HasIndex(x => x.OwnerHash);
            e.HasIndex(x => x.UploadedUtc);
            e.HasIndex(x => x.Fingerprint);
            e.HasIndex(x => x.GpuName);
        });
        modelBuilder.Entity<SavedCustomChip>(e =>
        {
            e.ToTable("SavedCustomChips");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(MaxChipIdLength);
            e.Property(x => x.NormalizedId).HasMaxLength(MaxChipIdLength);
            e.HasIndex(x => x.NormalizedId).IsUnique();
            e.Property(x => x.ProfileBenchmarkId).HasMaxLength(32).IsUnicode(false);
            e.Property(x => x.ProfilePrecision).HasMaxLength(16).IsUnicode(false);
            e.Property(x => x.OwnerHash).HasMaxLength(64).IsUnicode(false);
        });
        modelBuilder.Entity<SavedMeasuredRun>(e =>
        {
            e.ToTable("SavedMeasuredRuns");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(32).IsUnicode(false);
            e.Property(x => x.Name).HasMaxLength(MaxNameLength);
            e.Property(x => x.Metric).HasMaxLength(32).IsUnicode(false);
            e.Property(x => x.Family).HasMaxLength(MaxFamilyLength);
            e.Property(x => x.Notes).HasMaxLength(MaxNotesLength);
            e.Property(x => x.OwnerHash).HasMaxLength(64).IsUnicode(false);
            e.HasIndex(x => x.CreatedUtc);
            e.HasIndex(x => x.OwnerHash);
        });
        modelBuilder.Entity<DataProtectionKey>().ToTable("DataProtectionKeys");
    }

    /// <inheritdoc />
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        // Every DateTime is UTC: SQLite hands back unspecified kinds, PostgreSQL's timestamptz needs UTC on the way in.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}

/// <summary>The model on SQLite (migrations in <c>Migrations/Sqlite</c>).</summary>
public sealed class SqliteCapacityPlannerDbContext(DbContextOptions<SqliteCapacityPlannerDbContext> options) : CapacityPlannerDbContext(options);

/// <summary>The model on PostgreSQL (migrations in <c>Migrations/Postgres</c>).</summary>
public sealed class PostgresCapacityPlannerDbContext(DbContextOptions<PostgresCapacityPlannerDbContext> options) : CapacityPlannerDbContext(options);

/// <summary>Design-time factory for <c>dotnet ef migrations add … --context SqliteCapacityPlannerDbContext</c> (no app start, no database).</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteCapacityPlannerDbContext>
{
    /// <inheritdoc />
    public SqliteCapacityPlannerDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteCapacityPlannerDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

/// <summary>Design-time factory for <c>dotnet ef migrations add … --context PostgresCapacityPlannerDbContext</c> (no server needed).</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresCapacityPlannerDbContext>
{
    /// <inheritdoc />
    public PostgresCapacityPlannerDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresCapacityPlannerDbContext>().UseNpgsql("Host=localhost;Database=capacityplanner_design").Options);
}
