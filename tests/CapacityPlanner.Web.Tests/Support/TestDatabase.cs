using CapacityPlanner.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace CapacityPlanner.Web.Tests.Support;

/// <summary>
/// The app's database for a test: a real SQLite file in the temp folder with every migration applied, made on first
/// use (a copy of one database migrated once per test run, so a test that never touches the stores pays nothing) and
/// deleted when the test's services are disposed.
/// </summary>
public sealed class TestDatabase : IDbContextFactory<CapacityPlannerDbContext>, IDisposable
{
    private static readonly Lazy<byte[]> s_migrated = new(Migrate);

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"capplan-test-{Guid.NewGuid():N}.db");
    private readonly Lock _lock = new();
    private DbContextOptions<SqliteCapacityPlannerDbContext>? _options;

    /// <inheritdoc />
    public CapacityPlannerDbContext CreateDbContext()
    {
        lock (_lock)
        {
            if (_options is null)
            {
                File.WriteAllBytes(_path, s_migrated.Value);
                _options = Options(_path);
            }
        }
        return new SqliteCapacityPlannerDbContext(_options);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_options is not null) Delete(_path);
    }

    private static DbContextOptions<SqliteCapacityPlannerDbContext> Options(string path) =>
        new DbContextOptionsBuilder<SqliteCapacityPlannerDbContext>().UseSqlite($"Data Source={path};Pooling=False").Options;

    private static byte[] Migrate()
    {
        var path = Path.Combine(Path.GetTempPath(), $"capplan-test-migrated-{Guid.NewGuid():N}.db");
        try
        {
            using (var db = new SqliteCapacityPlannerDbContext(Options(path))) db.Database.Migrate();
            return File.ReadAllBytes(path);
        }
        finally
        {
            Delete(path);
        }
    }

    private static void Delete(string path)
    {
        SqliteConnection.ClearAllPools();
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a file still open is left in the temp folder.
        }
    }
}
