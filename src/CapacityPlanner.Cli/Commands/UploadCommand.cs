namespace CapacityPlanner.Cli.Commands;

/// <summary>capplan upload (being built in this change).</summary>
internal static class UploadCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        _ = args;
        _ = stdout;
        _ = stdin;
        await stderr.WriteLineAsync("capplan upload: not available in this build.");
        return ExitCodes.Failure;
    }
}
