using System.Net;
using CapacityPlanner.Web.Api;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CapacityPlanner.Web.ApiTests.Infrastructure;

/// <summary>
/// The real app (Program.cs, its configuration files, every middleware) on Kestrel at 127.0.0.1 on a free port, with
/// settings laid over appsettings.json. Requests go over real HTTP through <see cref="Client"/>.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    private readonly Factory _factory;

    private TestApp(Factory factory, Uri address)
    {
        _factory = factory;
        BaseAddress = address;
        Client = NewClient();
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseAddress { get; }

    /// <summary>Client that does not follow redirects (so tests see them).</summary>
    public HttpClient Client { get; }

    /// <summary>The app's services.</summary>
    public IServiceProvider Services => _factory.Services;

    /// <summary>
    /// Rate limits far above what the suite sends from its one loopback address (laid under each test's own settings,
    /// which may set tighter ones).
    /// </summary>
    public static IReadOnlyDictionary<string, string?> GenerousLimits { get; } = new Dictionary<string, string?>
    {
        ["RateLimits:WritesPerWindow"] = "1000000",
        ["RateLimits:ComputationsPerWindow"] = "1000000",
    };

    /// <summary>Settings of an app on a SQLite file.</summary>
    public static Dictionary<string, string?> Sqlite(string path) => new()
    {
        ["Database:Provider"] = "Sqlite",
        ["Database:SqlitePath"] = path,
    };

    /// <summary>Settings of an app on a PostgreSQL database.</summary>
    public static Dictionary<string, string?> Postgres(string connectionString) => new()
    {
        ["Database:Provider"] = "Postgres",
        ["ConnectionStrings:CapacityPlanner"] = connectionString,
    };

    /// <summary>Starts the app (migrating its database) and waits until it listens.</summary>
    public static Task<TestApp> StartAsync(IReadOnlyDictionary<string, string?> settings) => Task.Run(() =>
    {
        var factory = new Factory(settings);
        try
        {
            factory.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            factory.StartServer();
            var server = factory.Services.GetRequiredService<IServer>();
            var address = server.Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return new TestApp(factory, new Uri(address.EndsWith('/') ? address : address + "/"));
        }
        catch
        {
            factory.Dispose();
            throw;
        }
    });

    /// <summary>
    /// The owner secret every test client sends (<c>Authorization: Bearer …</c>), so that the suite acts as one owner
    /// across clients, instances and restarts; ownership tests clear it or send their own.
    /// </summary>
    public static string OwnerToken { get; } = System.Buffers.Text.Base64Url.EncodeToString(Enumerable.Repeat((byte)7, 32).ToArray());

    /// <summary>A fresh client (own connection pool and no cookies, the suite's owner token), not following redirects.</summary>
    public HttpClient NewClient(TimeSpan? timeout = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = BaseAddress,
            Timeout = timeout ?? TimeSpan.FromSeconds(60),
        };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", OwnerToken);
        return client;
    }

    /// <summary>Stops the app (as a restart would) and releases its SQLite file.</summary>
    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }

    private sealed class Factory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<ApiOptions>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(GenerousLimits).AddInMemoryCollection(settings));
            builder.ConfigureLogging(logging =>
            {
                logging.ClearProviders();
                logging.AddConsole();
                logging.SetMinimumLevel(LogLevel.Warning);
                logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
                logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error);
                logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Error);
            });
        }
    }
}

/// <summary>A temporary directory deleted at the end.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <summary>Creates it.</summary>
    public TempDirectory() => Directory.CreateDirectory(Path);

    /// <summary>Full path.</summary>
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "capplan-api-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>A path inside it.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <inheritdoc />
    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
