namespace CapacityPlanner.Measurements;

/// <summary>
/// nccl-tests' bandwidth conventions (NVIDIA/nccl-tests doc/PERFORMANCE.md and the <c>*GetBw</c> functions in src/*.cu):
/// algbw = S / t with S the total size in bytes (GB = 1e9 B), busbw = algbw × a per-collective factor that makes the
/// figure comparable to the hardware bottleneck's bandwidth.
/// </summary>
public static class BusBandwidth
{
    /// <summary>Canonical collective names (nccl-tests' test names without <c>_perf</c>).</summary>
    public static IReadOnlyList<string> Collectives { get; } =
        ["all_reduce", "all_gather", "reduce_scatter", "alltoall", "broadcast", "reduce", "sendrecv", "hypercube", "gather", "scatter"];

    /// <summary>
    /// The busbw/algbw factor: all_reduce 2(n−1)/n; all_gather, reduce_scatter, alltoall (n−1)/n;
    /// broadcast, reduce, sendrecv 1. Zero for one rank where the factor has an (n−1) term.
    /// </summary>
    public static double Factor(string collective, int ranks)
    {
        ArgumentNullException.ThrowIfNull(collective);
        if (ranks < 1) throw new ArgumentOutOfRangeException(nameof(ranks), "At least one rank.");
        var f = (ranks - 1) / (double)ranks;
        return Normalize(collective) switch
        {
            "all_reduce" => 2 * f,
            "all_gather" or "reduce_scatter" or "alltoall" or "gather" or "scatter" or "hypercube" => f,
            "broadcast" or "reduce" or "sendrecv" => 1,
            _ => throw new ArgumentException($"Unknown collective '{collective}'.", nameof(collective)),
        };
    }

    /// <summary>Algorithm bandwidth in GB/s of <paramref name="sizeBytes"/> in <paramref name="seconds"/>.</summary>
    public static double AlgbwGBps(double sizeBytes, double seconds) => seconds > 0 ? sizeBytes / seconds / 1e9 : 0;

    /// <summary>Bus bandwidth in GB/s.</summary>
    public static double BusbwGBps(string collective, int ranks, double sizeBytes, double seconds) =>
        AlgbwGBps(sizeBytes, seconds) * Factor(collective, ranks);

    /// <summary>
    /// Infers the rank count from a printed busbw/algbw ratio: n = 2/(2 − r) for all_reduce, n = 1/(1 − r) for the
    /// (n−1)/n collectives. Null when the ratio does not determine it (factor 1, or algbw too small to be precise).
    /// </summary>
    public static int? InferRanks(string collective, double algbw, double busbw)
    {
        if (algbw <= 0 || busbw <= 0) return null;
        var r = busbw / algbw;
        double n;
        switch (Normalize(collective))
        {
            case "all_reduce":
                if (r >= 2) return null;
                n = 2 / (2 - r);
                break;
            case "all_gather" or "reduce_scatter" or "alltoall" or "gather" or "scatter" or "hypercube":
                if (r >= 1) return null;
                n = 1 / (1 - r);
                break;
            default:
                return null;
        }
        var rounded = (int)Math.Round(n);
        return rounded >= 1 && Math.Abs(n - rounded) < 0.05 * rounded ? rounded : null;
    }

    /// <summary>Canonical name of a collective: "all_reduce_perf", "AllReduce", "allreduce" → "all_reduce".</summary>
    public static string Normalize(string collective)
    {
        ArgumentNullException.ThrowIfNull(collective);
        var s = collective.Trim().ToLowerInvariant();
        if (s.EndsWith("_perf_mpi", StringComparison.Ordinal)) s = s[..^9];
        else if (s.EndsWith("_perf", StringComparison.Ordinal)) s = s[..^5];
        var compact = s.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        return compact switch
        {
            "allreduce" => "all_reduce",
            "allgather" => "all_gather",
            "reducescatter" => "reduce_scatter",
            "alltoall" => "alltoall",
            "broadcast" or "bcast" => "broadcast",
            "reduce" => "reduce",
            "sendrecv" => "sendrecv",
            "hypercube" => "hypercube",
            "gather" => "gather",
            "scatter" => "scatter",
            _ => s,
        };
    }

    /// <summary>True for a name <see cref="Normalize"/> recognises.</summary>
    public static bool IsKnown(string collective) => Collectives.Contains(Normalize(collective));
}
