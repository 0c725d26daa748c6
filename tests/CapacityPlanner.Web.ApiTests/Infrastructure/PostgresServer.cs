using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace CapacityPlanner.Web.ApiTests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster for the test run: <c>initdb</c> into a temporary directory and <c>pg_ctl start</c> on a
/// free loopback port, from Debian's <c>postgresql</c> package (<c>/usr/lib/postgresql/*/bin</c>). As root (initdb refuses
/// root) the server runs as the <c>postgres</c> OS user via <c>runuser</c>. Stopped and deleted at the end of the run.
/// If PostgreSQL cannot be started, every test that uses it fails with the reason: these tests are never skipped.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string? _root;
    private string? _bin;
    private bool _asPostgresUser;
    private int _databases;
    private readonly List<Func<Task>> _onDispose = [];

    /// <summary>Port the server listens on (127.0.0.1).</summary>
    public int Port { get; private set; }

    /// <summary>Server version as reported by <c>SHOW server_version</c>.</summary>
    public string Version { get; private set; } = "";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _bin = FindBinaries();
        _asPostgresUser = Environment.UserName == "root" || IsRoot();
        _root = Path.Combine(Path.GetTempPath(), "capplan-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_root);
        if (_asPostgresUser) await RunAsync("chown", ["postgres:postgres", _root], asPostgres: false);
        var data = Path.Combine(_root, "data");
        await RunAsync(Path.Combine(_bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"], _asPostgresUser);

        // A free port can be taken between our probe and the server's bind: retry with another one.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            var options = $"-p {Port} -c listen_addresses=127.0.0.1 -k {_root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
            try
            {
                await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", data, "-o", options, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "start"], _asPostgresUser);
                break;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", data, "-m", "immediate", "stop"], _asPostgresUser, throwOnError: false);
            }
        }
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SHOW server_version", connection);
        Version = (string)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Connection string of a database on this server.</summary>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=30;Command Timeout=60";

    /// <summary>Creates an empty database with a unique name and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..8]}".ToLowerInvariant();
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await cmd.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    /// <summary>Runs <paramref name="cleanup"/> before the server stops (apps using it are stopped first).</summary>
    public void OnDispose(Func<Task> cleanup)
    {
        lock (_onDispose) _onDispose.Add(cleanup);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        List<Func<Task>> cleanups;
        lock (_onDispose) cleanups = [.. _onDispose];
        foreach (var cleanup in cleanups) await cleanup();
        NpgsqlConnection.ClearAllPools();
        if (_root is null || _bin is null) return;
        await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"], _asPostgresUser, throwOnError: false);
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind does no harm.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string FindBinaries()
    {
        const string Root = "/usr/lib/postgresql";
        var bin = Directory.Exists(Root)
            ? Directory.GetDirectories(Root)
                .Select(d => (Dir: d, Version: double.TryParse(Path.GetFileName(d), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0))
                .OrderByDescending(x => x.Version)
                .Select(x => Path.Combine(x.Dir, "bin"))
                .FirstOrDefault(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
            : null;
        return bin ?? throw new InvalidOperationException(
            "PostgreSQL is not installed (no initdb/pg_ctl under /usr/lib/postgresql/*/bin). Install Debian's package: " +
            "apt-get install -y postgresql (tests/run-all-tests.sh does this).");
    }

    private static bool IsRoot()
    {
        try
        {
            return File.ReadAllLines("/proc/self/status").Any(l => l.StartsWith("Uid:", StringComparison.Ordinal) && l.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) == "0");
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> args, bool asPostgres, bool throwOnError = true)
    {
        var psi = new ProcessStartInfo
        {
            FileName = asPostgres ? "runuser" : file,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asPostgres)
        {
            psi.ArgumentList.Add("-u");
            psi.ArgumentList.Add("postgres");
            psi.ArgumentList.Add("--");
            psi.ArgumentList.Add(file);
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0 && throwOnError)
        {
            throw new InvalidOperationException(
                $"PostgreSQL test server: `{file} {string.Join(' ', args)}` failed with exit code {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }
    }
}

/// <summary>Tests in this collection share one PostgreSQL server (each test class uses its own databases).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    /// <summary>Collection name.</summary>
    public const string Name = "PostgreSQL";
}
