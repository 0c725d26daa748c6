namespace CapacityPlanner.Cli.Tests.Support;

/// <summary>Runs capplan in this process with its output captured and an empty standard input.</summary>
internal static class InProcessCli
{
    /// <summary>The exit code, standard output and standard error of <c>capplan args</c>.</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr, new StringReader(""));
        return (code, stdout.ToString(), stderr.ToString());
    }
}
