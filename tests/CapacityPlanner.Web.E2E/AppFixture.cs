using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using CapacityPlanner.TestSupport;
using Microsoft.Playwright;

namespace CapacityPlanner.Web.E2E;

/// <summary>
/// Starts the real web app (its own process, from the web project's build output) on a free loopback port and one
/// headless Debian Chromium driven by Playwright; both are shared by every end-to-end test and stopped afterwards.
/// Chromium is never downloaded: a missing <c>/usr/bin/chromium</c> fails the tests (tests/run-all-tests.sh
/// installs it with apt-get).
/// </summary>
public sealed class AppFixture : IAsyncLifetime
{
    /// <summary>Debian's Chromium.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] s_chromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
    ];

    private readonly StringBuilder _serverLog = new();
    // A database of its own for each run: custom chips and saved scenarios persist, and a chip saved by an earlier run
    // would make "add a custom chip" fail with "exists already".
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "capplan-e2e-" + Guid.NewGuid().ToString("N")[..12]);
    private Process? _server;
    private IPlaywright? _playwright;

    /// <summary>Base address of the app, e.g. http://127.0.0.1:43121/.</summary>
    public Uri BaseAddress { get; private set; } = default!;

    /// <summary>The shared browser.</summary>
    public IBrowser Browser { get; private set; } = default!;

    /// <summary>Where screenshots and timings go (under the test's output folder).</summary>
    public string ResultsDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults");

    /// <summary>Screenshots folder.</summary>
    public string ScreenshotDirectory => Path.Combine(ResultsDirectory, "screenshots");

    /// <summary>What the server wrote so far (for failure messages).</summary>
    public string ServerLog
    {
        get
        {
            lock (_serverLog) return _serverLog.ToString();
        }
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"{ChromiumPath} is missing. Install Debian's Chromium (apt-get install -y chromium); tests/run-all-tests.sh does this.");
        }
        Directory.CreateDirectory(ScreenshotDirectory);
        var port = Loopback.FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        StartServer(port);
        await WaitUntilHealthyAsync();
        await WarmUpAsync();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = s_chromiumArgs,
        });
        await WarmUpCircuitAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }
        _server?.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temporary directory left behind does no harm.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A fresh browser context (own cookies and storage) with a viewport.</summary>
    public Task<IBrowserContext> NewContextAsync(int width = 1280, int height = 800) =>
        Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = ColorScheme.Light,
        });

    private void StartServer(int port)
    {
        var configuration = typeof(AppFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "Configuration")?.Value ?? "Debug";
        // Development serves the static web assets (MudBlazor, Plotly, Blazor's scripts) straight from the build output.
        var info = WebAppProcess.StartInfo(configuration, port);
        info.Environment["RateLimits__WritesPerWindow"] = "1000000";
        info.Environment["RateLimits__ComputationsPerWindow"] = "1000000";
        info.Environment["Database__SqlitePath"] = Path.Combine(_dataDirectory, "capacityplanner.db");
        _server = Process.Start(info) ?? throw new InvalidOperationException("Could not start the web app.");
        _server.OutputDataReceived += (_, e) => Append(e.Data);
        _server.ErrorDataReceived += (_, e) => Append(e.Data);
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_serverLog) _serverLog.AppendLine(line);
    }

    private Task WaitUntilHealthyAsync() => AppHealth.WaitUntilHealthyAsync(BaseAddress, _server!, () => ServerLog, TimeSpan.FromSeconds(90));

    // One request for the home page, as a deployed server has served before its first user: JIT-compiles the
    // rendering path so that the measured first load is the browser's, not the server's start-up.
    private async Task WarmUpAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var response = await http.GetAsync(new Uri("/", UriKind.Relative));
        response.EnsureSuccessStatusCode();
    }

    // One interactive visit in a throw-away browser context, as a running server has had users before: the
    // circuit, render and chart paths are compiled, and the measured first load starts from an empty browser cache.
    private async Task WarmUpCircuitAsync()
    {
        await using var page = await BrowserPage.OpenAsync(this);
        await page.GotoAsync("/", "[data-testid=step-time]");
        await page.WaitForChartAsync("step-chart");
    }

    // The web project's own build output, in the configuration this test assembly was built in.
}

/// <summary>The end-to-end tests share one app and one browser.</summary>
[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<AppFixture>
{
    /// <summary>Collection name.</summary>
    public const string Name = "app";
}
