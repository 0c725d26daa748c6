using System.Globalization;

namespace CapacityPlanner.Runner.Cluster;

/// <summary>Where this process sits in a multi-process launch.</summary>
/// <param name="Rank">Global rank.</param>
/// <param name="WorldSize">Number of processes.</param>
/// <param name="LocalRank">Rank on this node (picks the GPU).</param>
/// <param name="MasterAddr">Rendezvous host (rank 0's address); null for one process.</param>
/// <param name="MasterPort">Rendezvous TCP port.</param>
/// <param name="Launcher">single, flags, torchrun, mpirun, slurm.</param>
internal sealed record LaunchInfo(int Rank, int WorldSize, int LocalRank, string? MasterAddr, int MasterPort, string Launcher)
{
    public const int DefaultPort = 29500;

    public static LaunchInfo Single { get; } = new(0, 1, 0, null, DefaultPort, "single");
}

/// <summary>
/// Reads the rank bookkeeping that launchers put in the environment: torchrun (RANK, WORLD_SIZE, LOCAL_RANK,
/// MASTER_ADDR, MASTER_PORT), OpenMPI mpirun (OMPI_COMM_WORLD_*), MPICH/Intel MPI (PMI_RANK, PMI_SIZE,
/// MPI_LOCALRANKID) and Slurm srun (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, first host of the node list).
/// Command-line flags override all of them.
/// </summary>
internal static class LaunchEnvironment
{
    public static LaunchInfo Detect(Func<string, string?> env, BenchOptions options)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        int? I(string name) => int.TryParse(env(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
        var port = options.MasterPort ?? I("MASTER_PORT") ?? LaunchInfo.DefaultPort;
        var addr = options.MasterAddr ?? NonEmpty(env("MASTER_ADDR"));

        LaunchInfo info;
        if (options.Rank is not null || options.WorldSize is not null)
        {
            info = new LaunchInfo(options.Rank ?? 0, options.WorldSize ?? 1, options.LocalRank ?? I("LOCAL_RANK") ?? options.Rank ?? 0, addr, port, "flags");
        }
        else if (I("RANK") is { } rank && I("WORLD_SIZE") is { } world)
        {
            info = new LaunchInfo(rank, world, I("LOCAL_RANK") ?? 0, addr, port, "torchrun");
        }
        else if (I("OMPI_COMM_WORLD_RANK") is { } orank && I("OMPI_COMM_WORLD_SIZE") is { } osize)
        {
            info = new LaunchInfo(orank, osize, I("OMPI_COMM_WORLD_LOCAL_RANK") ?? 0, addr, port, "mpirun");
        }
        else if (I("PMI_RANK") is { } prank && I("PMI_SIZE") is { } psize)
        {
            info = new LaunchInfo(prank, psize, I("MPI_LOCALRANKID") ?? I("PMI_LOCAL_RANK") ?? 0, addr, port, "mpirun");
        }
        else if (I("SLURM_PROCID") is { } srank && I("SLURM_NTASKS") is { } ssize)
        {
            var nodes = NonEmpty(env("SLURM_STEP_NODELIST")) ?? NonEmpty(env("SLURM_JOB_NODELIST")) ?? NonEmpty(env("SLURM_NODELIST"));
            info = new LaunchInfo(srank, ssize, I("SLURM_LOCALID") ?? 0, addr ?? (nodes is null ? null : FirstHost(nodes)), port, "slurm");
        }
        else
        {
            info = LaunchInfo.Single with { MasterAddr = addr, MasterPort = port };
        }
        if (options.LocalRank is { } lr) info = info with { LocalRank = lr };
        return info;
    }

    /// <summary>Checks a launch for consistency; null when fine.</summary>
    public static string? Validate(LaunchInfo info)
    {
        if (info.WorldSize < 1) return "world size must be at least 1.";
        if (info.Rank < 0 || info.Rank >= info.WorldSize) return $"rank {info.Rank} is outside world size {info.WorldSize}.";
        if (info.LocalRank < 0) return "local rank must not be negative.";
        if (info.WorldSize > 1 && string.IsNullOrWhiteSpace(info.MasterAddr))
        {
            return $"{info.WorldSize} ranks ({info.Launcher}) need a rendezvous address: set MASTER_ADDR (and MASTER_PORT, default {LaunchInfo.DefaultPort}) or pass --master-addr.";
        }
        return null;
    }

    /// <summary>
    /// The first host of a Slurm node list: "gpu[003-010,12],login" → "gpu003"; "a-[1-2]-ib" → "a-1-ib".
    /// </summary>
    public static string FirstHost(string nodeList)
    {
        ArgumentNullException.ThrowIfNull(nodeList);
        var depth = 0;
        var end = nodeList.Length;
        for (var i = 0; i < nodeList.Length; i++)
        {
            if (nodeList[i] == '[') depth++;
            else if (nodeList[i] == ']') depth--;
            else if (nodeList[i] == ',' && depth == 0) { end = i; break; }
        }
        var first = nodeList[..end].Trim();
        var open = first.IndexOf('[', StringComparison.Ordinal);
        if (open < 0) return first;
        var close = first.IndexOf(']', open);
        if (close < 0) return first[..open];
        var inside = first[(open + 1)..close];
        var firstRange = inside.Split(',')[0];
        var start = firstRange.Split('-')[0];
        return first[..open] + start + first[(close + 1)..];
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
