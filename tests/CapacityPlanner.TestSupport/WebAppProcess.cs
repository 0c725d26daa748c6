using System.Diagnostics;

namespace CapacityPlanner.TestSupport;

/// <summary>Starts the built web app as its own process on loopback (the real app, not an in-process host).</summary>
public static class WebAppProcess
{
    /// <summary>
    /// How to run the web app of <paramref name="configuration"/> on <paramref name="port"/>: Development (static web
    /// assets served from the build output), quiet logs, output redirected; callers add their own settings.
    /// </summary>
    public static ProcessStartInfo StartInfo(string configuration, int port)
    {
        var dll = WebAppDll(configuration);
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        return info;
    }

    private static string WebAppDll(string configuration)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CapacityPlanner.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException($"No CapacityPlanner.sln above {AppContext.BaseDirectory}.");
        var dll = Path.Combine(dir.FullName, "src", "CapacityPlanner.Web", "bin", configuration, "net10.0", "CapacityPlanner.Web.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the web app first ({configuration}).", dll);
    }
}
