using System.Diagnostics;
using System.Net;

namespace CapacityPlanner.TestSupport;

/// <summary>Waits for the web app, started as its own process by a test, to answer its health check.</summary>
public static class AppHealth
{
    /// <summary>
    /// Polls <c>/healthz</c> at <paramref name="baseAddress"/> until it answers 200; throws with the app's log when the
    /// process exits first or <paramref name="timeout"/> passes.
    /// </summary>
    public static async Task WaitUntilHealthyAsync(Uri baseAddress, Process process, Func<string> log, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(log);
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (process.HasExited) throw new InvalidOperationException($"The web app exited with {process.ExitCode}:\n{log()}");
            try
            {
                using var response = await http.GetAsync(new Uri("healthz", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"The web app did not become healthy at {baseAddress}:\n{log()}");
    }
}
