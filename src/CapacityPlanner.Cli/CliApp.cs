using CapacityPlanner.Cli.Commands;

namespace CapacityPlanner.Cli;

/// <summary>Exit codes of capplan.</summary>
public static class ExitCodes
{
    /// <summary>The command ran (an estimate was computed, feasible or not).</summary>
    public const int Ok = 0;
    /// <summary>Unexpected failure.</summary>
    public const int Failure = 1;
    /// <summary>Invalid input: bad arguments, unreadable file, malformed or invalid scenario.</summary>
    public const int InvalidInput = 2;
}

/// <summary>capplan entry point, testable with writers instead of the console.</summary>
public static class CliApp
{
    private const string Usage = """
        capplan — capacity planning for AI training clusters

        Usage:
          capplan estimate <scenario.json> [--json]   step time, memory, MFU and the compute/communication ratio
          capplan search <scenario.json> [--top N] [--objective time|cost|memory] [--json]
                                                      fastest valid plans; fields given in "parallelism" stay fixed
          capplan sweep <scenario.json> [--gpus 8..131072|8,64,512] [--mode strong|weak] [--json]
                                                      best plan per cluster size, scaling efficiency, break-even size
          capplan budget <scenario.json> [--json]     what the "budget" section buys: GPUs, MW, energy, FLOP, cost per 1e24 FLOP,
                                                      compute-optimal model and loss (or --example 30b-half-year)
          capplan scaling --flop 5.76e23 [--law chinchilla|epoch] [--unique-tokens X] [--ladder] [--json]
                                                      compute-optimal parameters, tokens, epochs and predicted loss
          capplan bench [--backend auto|cuda|cpu] [--suite gemm,memory,host,collectives] [--quick] [--json|--output FILE]
                                                      GPU microbenchmarks (CPU fallback) into one JSON document
          capplan bench import nccl-tests|nvbandwidth|mamf-finder <file> [--json|--output FILE]
                                                      other tools' output as the same document
          capplan upload <result.json> --server URL   post a benchmark result to the dashboard
          capplan validate [--family NAME] [--json] [--cases DIR]
                                                      the model against every shipped published run (or the case files
                                                      in DIR): per run, per family, overall
          capplan chips [--json]                      the hardware catalog
          capplan presets [--json]                    model presets
          capplan --help

        Scenario documents follow wwwroot/schemas/scenario-v1.schema.json. '-' reads the scenario from standard input.
        Exit codes: 0 computed (feasible or not), 2 invalid input (every error listed), 1 unexpected failure.
        """;

    /// <summary>Runs one command.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader? stdin = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            await stdout.WriteLineAsync(Usage);
            return args.Length == 0 ? ExitCodes.InvalidInput : ExitCodes.Ok;
        }
        var rest = args[1..];
        try
        {
            return args[0] switch
            {
                "estimate" => await EstimateCommand.RunAsync(rest, stdout, stderr, stdin ?? Console.In),
                "search" => await SearchCommand.RunAsync(rest, stdout, stderr, stdin ?? Console.In),
                "sweep" => await SweepCommand.RunAsync(rest, stdout, stderr, stdin ?? Console.In),
                "budget" => await BudgetCommand.RunAsync(rest, stdout, stderr, stdin ?? Console.In),
                "scaling" => await ScalingCommand.RunAsync(rest, stdout, stderr, stdin ?? Console.In),
                "bench" => await BenchCommand.RunAsync(rest, stdout, stderr, stdin ?? Console.In),
                "upload" => await UploadCommand.RunAsync(rest, stdout, stderr, stdin ?? Console.In),
                "validate" => await ValidateCommand.RunAsync(rest, stdout, stderr),
                "chips" => CatalogCommands.Chips(rest, stdout),
                "presets" => CatalogCommands.Presets(rest, stdout),
                _ => await UnknownAsync(args[0], stderr),
            };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await stderr.WriteLineAsync(Environment.GetEnvironmentVariable("CAPPLAN_DEBUG") == "1" ? ex.ToString() : $"capplan: unexpected error: {ex.Message} (set CAPPLAN_DEBUG=1 for details)");
            return ExitCodes.Failure;
        }
    }

    private static async Task<int> UnknownAsync(string command, TextWriter stderr)
    {
        await stderr.WriteLineAsync($"capplan: unknown command '{command}'. Commands: estimate, search, sweep, budget, scaling, validate, bench, upload, chips, presets. See capplan --help.");
        return ExitCodes.InvalidInput;
    }
}
