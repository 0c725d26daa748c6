using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CapacityPlanner.Persistence;

/// <summary>
/// Creates and migrates the database before anything else starts (<see cref="IHostedLifecycleService.StartingAsync"/>
/// runs ahead of every hosted service, including the one that loads the data-protection key ring from the database).
/// Several instances starting together on one database are safe. On SQLite EF Core holds its migration lock for the
/// whole run. On PostgreSQL EF Core's lock lasts one migration's transaction while the list of pending migrations is read
/// once, so with two or more pending migrations a second instance could apply a later one that the first then applies
/// again ("relation already exists"); a session-level advisory lock therefore serialises the whole run there.
/// </summary>
public sealed partial class DatabaseMigrator(
    CapacityPlannerDbContextFactory factory,
    IOptions<DatabaseOptions> options,
    ILogger<DatabaseMigrator> logger) : IHostedLifecycleService
{
    /// <inheritdoc />
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (!options.Value.MigrateOnStartup)
        {
            LogSkipped(logger, factory.Target);
            return;
        }
        if (factory.SqlitePath is { } path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        }
        await using var db = factory.CreateDbContext();
        NpgsqlConnection? migrationLock = null;
        try
        {
            if (factory.IsPostgres) migrationLock = await LockPostgresAsync(db.Database.GetConnectionString()!, cancellationToken);
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            await db.Database.MigrateAsync(cancellationToken);
            if (factory.SqlitePath is not null)
            {
                // Write-ahead logging: readers do not block the writer, and concurrent saves queue on the file lock.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }
            LogMigrated(logger, factory.Target, pending.Count, pending.Count == 0 ? "none" : string.Join(", ", pending));
        }
        catch (Exception ex) when (ex is SqliteException or NpgsqlException or InvalidOperationException or DbUpdateException)
        {
            throw new InvalidOperationException(
                $"Could not create or migrate the {factory.Target}: {ex.Message} Check the {DatabaseOptions.SectionName} settings " +
                $"(Provider, SqlitePath) or ConnectionStrings:{DatabaseOptions.ConnectionStringName}.", ex);
        }
        finally
        {
            if (migrationLock is not null) await UnlockPostgresAsync(migrationLock);
        }
    }

    /// <summary>Key of the PostgreSQL advisory lock held while migrating ("CapPlan" in ASCII).</summary>
    public const long PostgresMigrationLockKey = 0x43_61_70_50_6C_61_6E;

    // Its own unpooled connection: the lock belongs to the session, and a pooled connection would keep it after Close.
    private static async Task<NpgsqlConnection> LockPostgresAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", PostgresMigrationLockKey);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task UnlockPostgresAsync(NpgsqlConnection connection)
    {
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            command.Parameters.AddWithValue("key", PostgresMigrationLockKey);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // Closing the (unpooled) session below releases the lock anyway.
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        // Release pooled SQLite handles so the file can be moved or deleted once the app has stopped.
        if (factory.SqlitePath is not null) SqliteConnection.ClearAllPools();
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database: {Target}; migrations applied at start-up: {Applied}.")]
    private static partial void LogMigratedCore(ILogger logger, string target, string applied);

    private static void LogMigrated(ILogger logger, string target, int count, string names) =>
        LogMigratedCore(logger, target, count == 0 ? "none pending" : $"{count} ({names})");

    [LoggerMessage(Level = LogLevel.Information, Message = "Database: {Target}; migration at start-up is turned off (Database:MigrateOnStartup).")]
    private static partial void LogSkipped(ILogger logger, string target);
}
