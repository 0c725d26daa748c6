namespace CapacityPlanner.Web.ApiTests.Infrastructure;

/// <summary>One app on a fresh SQLite file for a test class.</summary>
public sealed class SqliteAppFixture : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TestApp? _app;

    /// <summary>The SQLite file.</summary>
    public string DatabasePath => _dir.File("data/capacityplanner.db");

    /// <summary>The running app.</summary>
    public TestApp App => _app ?? throw new InvalidOperationException("not started");

    /// <inheritdoc />
    public async Task InitializeAsync() => _app = await TestApp.StartAsync(TestApp.Sqlite(DatabasePath));

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        _dir.Dispose();
    }
}

/// <summary>Apps on PostgreSQL databases of the shared test server, started once per key and stopped at the end of the run.</summary>
public static class PostgresApps
{
    private static readonly Dictionary<string, Task<TestApp>> Apps = [];
    private static readonly Lock Gate = new();

    /// <summary>The app for <paramref name="key"/> on its own fresh database (started on first use).</summary>
    public static Task<TestApp> SharedAsync(this PostgresServer server, string key)
    {
        lock (Gate)
        {
            if (!Apps.TryGetValue(key, out var app))
            {
                app = StartAsync(server, key);
                Apps[key] = app;
                server.OnDispose(async () =>
                {
                    if (app.IsCompletedSuccessfully) await app.Result.DisposeAsync();
                });
            }
            return app;
        }
    }

    private static async Task<TestApp> StartAsync(PostgresServer server, string key) =>
        await TestApp.StartAsync(TestApp.Postgres(await server.CreateDatabaseAsync(key)));
}
