using System.Globalization;
using CapacityPlanner.Runner;

namespace CapacityPlanner.Cli.Commands;

/// <summary>Reads <c>capplan bench</c>'s arguments into the runner's <see cref="BenchOptions"/>.</summary>
internal static class BenchArguments
{
    public static readonly string[] Flags = ["--quick", "--json", "--help", "-h"];
    public static readonly string[] ValueOptions =
    [
        "--backend", "--suite", "--suites", "--output", "-o", "--lib-path", "--device", "--dtypes", "--gemm-sizes", "--threads",
        "--rank", "--world-size", "--local-rank", "--master-addr", "--master-port", "--rendezvous-timeout",
    ];

    /// <summary>Parses arguments; errors are listed, not thrown.</summary>
    public static (BenchOptions Options, List<string> Errors) Parse(string[] args)
    {
        var a = CommandArgs.Parse(args.Select(x => x == "-o" ? "--output" : x == "-h" ? "--help" : x).ToArray(), Flags, ValueOptions);
        var errors = new List<string>(a.Errors);
        if (a.Positional.Count > 0) errors.Add($"unexpected argument '{a.Positional[0]}'.");
        var o = new BenchOptions { Quick = a.Flags.Contains("--quick"), Json = a.Flags.Contains("--json") };
        if (a.Options.TryGetValue("--backend", out var backend))
        {
            if (backend is not ("auto" or "cuda" or "cpu")) errors.Add($"--backend must be auto, cuda or cpu, not '{backend}'.");
            o = o with { Backend = backend };
        }
        if (a.Options.TryGetValue("--suite", out var suites) || a.Options.TryGetValue("--suites", out suites))
        {
            var list = suites.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            if (list.Contains("all")) list = [.. BenchOptions.AllSuites];
            foreach (var s in list.Where(s => !BenchOptions.AllSuites.Contains(s))) errors.Add($"unknown suite '{s}'; suites: {string.Join(", ", BenchOptions.AllSuites)}, all.");
            o = o with { Suites = BenchOptions.AllSuites.Where(list.Contains).ToList() };
        }
        if (a.Options.TryGetValue("--dtypes", out var dtypes))
        {
            var list = dtypes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            foreach (var d in list.Where(d => !BenchOptions.AllDtypes.Contains(d) && d != "fp32")) errors.Add($"unknown dtype '{d}'; dtypes: {string.Join(", ", BenchOptions.AllDtypes)}, fp32.");
            o = o with { Dtypes = list };
        }
        if (a.Options.TryGetValue("--gemm-sizes", out var sizes))
        {
            var list = new List<long>();
            foreach (var s in sizes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is > 0 and <= 65536) list.Add(v);
                else errors.Add($"--gemm-sizes: '{s}' is not a size between 1 and 65536.");
            }
            o = o with { GemmSizes = list };
        }
        if (a.Options.TryGetValue("--output", out var output)) o = o with { Output = output };
        if (a.Options.TryGetValue("--lib-path", out var lib)) o = o with { LibPaths = lib.Split(':', StringSplitOptions.RemoveEmptyEntries) };
        o = o with
        {
            Device = Int("--device", 0, 1024),
            Threads = Int("--threads", 1, 4096),
            Rank = Int("--rank", 0, 1 << 20),
            WorldSize = Int("--world-size", 1, 1 << 20),
            LocalRank = Int("--local-rank", 0, 1 << 20),
            MasterPort = Int("--master-port", 1, 65535),
        };
        if (a.Options.TryGetValue("--master-addr", out var addr)) o = o with { MasterAddr = addr };
        if (a.Options.TryGetValue("--rendezvous-timeout", out var rt))
        {
            if (double.TryParse(rt, NumberStyles.Float, CultureInfo.InvariantCulture, out var secs) && secs > 0) o = o with { RendezvousTimeoutSeconds = secs };
            else errors.Add("--rendezvous-timeout must be a positive number of seconds.");
        }
        return (o, errors);

        int? Int(string name, int min, int max)
        {
            if (!a.Options.TryGetValue(name, out var v)) return null;
            if (int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i >= min && i <= max) return i;
            errors.Add($"{name} must be an integer between {min} and {max}.");
            return null;
        }
    }
}
