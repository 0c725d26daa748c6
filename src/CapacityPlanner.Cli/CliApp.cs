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
          capplan estimate <scenario.json> [--json] [--power-cap-mw X] [--max-site-mw X] [--sites N]
                                                      step time, memory, MFU and the compute/communication ratio; the site
                                                      options override the scenario's "sites" section
          capplan search <scenario.json> [--top N] [--objective time|cost|memory] [--exhaustive] [--json]
                                                      fastest valid plans; fields given in "parallelism" stay fixed
          capplan sweep <scenario.json> [--gpus 8..131072|8,64,512] [--mode strong|weak] [--json]
                                                      best plan per cluster size, scaling efficiency, break-even size
                                                      (weak: the scenario's batch per GPU at every size)
          capplan budget <scenario.json> [--json] [--power-cap-mw X] [--max-site-mw X] [--sites N]
                                                      what the "budget" section buys: GPUs, MW, energy, FLOP, cost per 1e24 FLOP,
                                                      compute-optimal model and loss (or --example 30b-half-year)
          capplan scaling --flop 5.76e23 [--law chinchilla|epoch] [--unique-tokens X] [--ladder] [--json]
                                                      compute-optimal parameters, tokens, epochs and predicted loss
          capplan bench [--backend auto|cuda|cpu] [--suite gemm,memory,host,collectives] [--quick] [--json|--output FILE]
                                                      GPU microbenchmarks (CPU fallback) into one JSON document
          capplan bench import nccl-tests|nvbandwidth|mamf-finder <file> [--json|--output FILE]
                                                      other tools' output as the same document
          capplan bench probe [--lib-path DIR] [--json]
                                                      which GPU libraries the runner finds, and why not
          capplan bench calibrate <result.json> [--chip ID] [--precision P] [--include-cpu] [--json]
                                                      a catalog chip calibrated with a benchmark result (an inline chip)
          capplan upload <result.json> --server URL [--owner-token T] [--calibrate CHIP] [--precision P] [--include-cpu]
                                                      post a benchmark result to the dashboard
          capplan validate [--family NAME] [--cases DIR] [--json]
                                                      the model against every shipped published run (or the case files
                                                      in DIR): per run, per family, overall
          capplan validate --fit|--lofo|--track-record [--json]
                                                      refit the calibrated constants; the leave-one-family-out table; the
                                                      track record checked with each run left out
          capplan chips [--json]                      the hardware catalog
          capplan presets [--json]                    model presets
          capplan <command> --help                    this text for one command
          capplan --help

        Scenario documents follow wwwroot/schemas/scenario-v1.schema.json (a published run's case file works too).
        '-' reads the scenario from standard input.
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
        if (rest.Length > 0 && rest.All(a => a is "-h" or "--help") && args[0] != "bench" && args[0] != "upload")
        {
            // capplan <command> --help: the usage lines of that command (bench and upload print their own).
            var help = CommandHelp(args[0]);
            if (help is null) return await UnknownAsync(args[0], stderr);
            await stdout.WriteLineAsync(help);
            return ExitCodes.Ok;
        }
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
                "chips" => CatalogCommands.Chips(rest, stdout, stderr),
                "presets" => CatalogCommands.Presets(rest, stdout, stderr),
                _ => await UnknownAsync(args[0], stderr),
            };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await stderr.WriteLineAsync(Environment.GetEnvironmentVariable("CAPPLAN_DEBUG") == "1" ? ex.ToString() : $"capplan: unexpected error: {ex.Message} (set CAPPLAN_DEBUG=1 for details)");
            return ExitCodes.Failure;
        }
    }

    /// <summary>The usage entries of one command (its lines and their continuation lines), or null for an unknown command.</summary>
    internal static string? CommandHelp(string command)
    {
        var lines = Usage.Split('\n');
        var picked = new List<string>();
        var inEntry = false;
        foreach (var line in lines)
        {
            var trimmed = line.TrimStart();
            if (trimmed.StartsWith("capplan ", StringComparison.Ordinal))
            {
                var name = trimmed["capplan ".Length..].Split(' ', 2)[0];
                inEntry = name == command;
                if (inEntry) picked.Add(line.TrimEnd());
            }
            else if (inEntry && line.StartsWith("                 ", StringComparison.Ordinal))
            {
                picked.Add(line.TrimEnd());
            }
            else
            {
                inEntry = false;
            }
        }
        if (picked.Count == 0) return null;
        picked.Add("");
        picked.Add("Scenario documents follow wwwroot/schemas/scenario-v1.schema.json; '-' reads standard input.");
        picked.Add("Exit codes: 0 computed (feasible or not), 2 invalid input (every error listed), 1 unexpected failure.");
        return string.Join('\n', picked);
    }

    private static async Task<int> UnknownAsync(string command, TextWriter stderr)
    {
        await stderr.WriteLineAsync($"capplan: unknown command '{command}'. Commands: estimate, search, sweep, budget, scaling, validate, bench, upload, chips, presets. See capplan --help.");
        return ExitCodes.InvalidInput;
    }
}
