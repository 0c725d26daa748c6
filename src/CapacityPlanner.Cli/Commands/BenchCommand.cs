namespace CapacityPlanner.Cli.Commands;

/// <summary>capplan bench (being built in this change).</summary>
internal static class BenchCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        _ = args;
        _ = stdout;
        _ = stdin;
        await stderr.WriteLineAsync("capplan bench: not available in this build.");
        return ExitCodes.Failure;
    }
}
