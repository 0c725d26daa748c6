using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CapacityPlanner.TestSupport;

namespace CapacityPlanner.Web.ApiTests.Infrastructure;

/// <summary>
/// The web app as its own process (<c>dotnet CapacityPlanner.Web.dll</c> from the build output) on 127.0.0.1, so that a
/// test can kill it with SIGKILL (<see cref="Kill"/>) as a crash or an OOM killer would, and start it again on the
/// same database.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ServerProcess(Process process, Uri address)
    {
        _process = process;
        BaseAddress = address;
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseAddress { get; }

    /// <summary>What the server wrote to stdout and stderr.</summary>
    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    /// <summary>Starts the server with these settings (environment variables, <c>Section__Key</c>) and waits until /healthz answers.</summary>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> settings, int? port = null)
    {
        var dll = WebAppDll();
        var listenPort = port ?? FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{listenPort}");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["RateLimits__Enabled"] = "false";
        foreach (var (key, value) in settings) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the web app.");
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{listenPort}/"));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await server.WaitUntilHealthyAsync();
        return server;
    }

    /// <summary>SIGKILL: no shutdown, no flush, no disposal.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    private Task WaitUntilHealthyAsync() => AppHealth.WaitUntilHealthyAsync(BaseAddress, _process, () => Log, TimeSpan.FromSeconds(120));

    private static string WebAppDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CapacityPlanner.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException($"No CapacityPlanner.sln above {AppContext.BaseDirectory}.");
        var dll = Path.Combine(dir.FullName, "src", "CapacityPlanner.Web", "bin", configuration, "net10.0", "CapacityPlanner.Web.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the web app first ({configuration}).", dll);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
