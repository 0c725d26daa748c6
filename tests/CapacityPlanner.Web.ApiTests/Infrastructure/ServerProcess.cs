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
        var listenPort = port ?? Loopback.FreePort();
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var info = WebAppProcess.StartInfo(configuration, listenPort);
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
}
