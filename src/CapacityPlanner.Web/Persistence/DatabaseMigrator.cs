using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Persistence;

/// <summary>
/// Creates and migrates the database before anything else starts (<see cref="IHostedLifecycleService.StartingAsync"/>
/// runs ahead of every hosted service, including the one that loads the data-protection key ring from the database).
/// Several instances starting together on one PostgreSQL database are safe: EF Core serialises migrations with a lock.
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
        try
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            await db.Database.MigrateAsync(cancellationToken);
            if (factory.SqlitePath is not null)
            {
                // Write-ahead logging: readers do not block the writer, and concurrent saves queue on the file lock.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }
            LogMigrated(logger, factory.Target, pending.Count, pending.Count == 0 ? "none" : string.Join(", ", pending));
        }
        catch (Exception ex) when (ex is SqliteException or Npgsql.NpgsqlException or InvalidOperationException or DbUpdateException)
        {
            throw new InvalidOperationException(
                $"Could not create or migrate the {factory.Target}: {ex.Message} Check the {DatabaseOptions.SectionName} settings " +
                $"(Provider, SqlitePath) or ConnectionStrings:{DatabaseOptions.ConnectionStringName}.", ex);
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
