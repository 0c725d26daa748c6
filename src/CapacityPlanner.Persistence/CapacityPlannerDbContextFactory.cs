using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CapacityPlanner.Persistence;

/// <summary>
/// Creates <see cref="CapacityPlannerDbContext"/>s for the configured provider: the SQLite context on the configured
/// file, or the PostgreSQL context on the configured server. Thread-safe; one per app.
/// </summary>
public sealed class CapacityPlannerDbContextFactory : IDbContextFactory<CapacityPlannerDbContext>
{
    private readonly DbContextOptions<SqliteCapacityPlannerDbContext>? _sqlite;
    private readonly DbContextOptions<PostgresCapacityPlannerDbContext>? _postgres;

    /// <summary>Builds the context options once from <see cref="DatabaseOptions"/>.</summary>
    public CapacityPlannerDbContextFactory(IOptions<DatabaseOptions> options, IHostEnvironment environment, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        var o = options.Value;
        if (o.IsPostgres)
        {
            var cs = new NpgsqlConnectionStringBuilder(o.ConnectionString);
            Target = $"PostgreSQL database \"{cs.Database}\" on {cs.Host}:{cs.Port}";
            _postgres = Configure(new DbContextOptionsBuilder<PostgresCapacityPlannerDbContext>(), loggerFactory)
                .UseNpgsql(cs.ConnectionString, npgsql => npgsql.CommandTimeout(o.CommandTimeoutSeconds))
                .Options;
        }
        else
        {
            SqlitePath = Path.GetFullPath(o.SqlitePath, environment.ContentRootPath);
            Target = $"SQLite file {SqlitePath}";
            var cs = new SqliteConnectionStringBuilder
            {
                DataSource = SqlitePath,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = true,
                DefaultTimeout = o.CommandTimeoutSeconds, // also how long a writer waits for the file lock
            };
            _sqlite = Configure(new DbContextOptionsBuilder<SqliteCapacityPlannerDbContext>(), loggerFactory)
                .UseSqlite(cs.ConnectionString, sqlite => sqlite.CommandTimeout(o.CommandTimeoutSeconds))
                .Options;
        }
    }

    /// <summary>True on PostgreSQL.</summary>
    public bool IsPostgres => _postgres is not null;

    /// <summary>Full path of the SQLite file; null on PostgreSQL.</summary>
    public string? SqlitePath { get; }

    /// <summary>Where the data lives, for logs and errors (no credentials).</summary>
    public string Target { get; }

    /// <inheritdoc />
    public CapacityPlannerDbContext CreateDbContext() =>
        _postgres is not null ? new PostgresCapacityPlannerDbContext(_postgres) : new SqliteCapacityPlannerDbContext(_sqlite!);

    private static DbContextOptionsBuilder<T> Configure<T>(DbContextOptionsBuilder<T> builder, ILoggerFactory loggerFactory) where T : DbContext =>
        builder.UseLoggerFactory(loggerFactory)
            // Every app instance (and every test host in one process) has its own logger factory, hence its own EF
            // service provider: expected here, not a leak.
            .ConfigureWarnings(w => w.Ignore(CoreEventId.ManyServiceProvidersCreatedWarning))
            .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking);
}
