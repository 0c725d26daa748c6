namespace CapacityPlanner.Cli.Commands;

/// <summary>capplan budget (being built in this change).</summary>
internal static class BudgetCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        _ = args;
        _ = stdout;
        _ = stdin;
        await stderr.WriteLineAsync("capplan budget: not available in this build.");
        return ExitCodes.Failure;
    }
}
