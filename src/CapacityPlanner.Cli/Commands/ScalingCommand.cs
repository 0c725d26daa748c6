namespace CapacityPlanner.Cli.Commands;

/// <summary>capplan scaling (being built in this change).</summary>
internal static class ScalingCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        _ = args;
        _ = stdout;
        _ = stdin;
        await stderr.WriteLineAsync("capplan scaling: not available in this build.");
        return ExitCodes.Failure;
    }
}
