using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Core.Network;

/// <summary>Collective operations.</summary>
public enum CollectiveKind
{
    /// <summary>All-reduce; size is the per-rank buffer.</summary>
    AllReduce,
    /// <summary>Reduce-scatter; size is the full (unscattered) buffer.</summary>
    ReduceScatter,
    /// <summary>All-gather; size is the full (gathered) buffer.</summary>
    AllGather,
    /// <summary>All-to-all; size is the per-rank send buffer.</summary>
    AllToAll,
    /// <summary>Point-to-point send/receive.</summary>
    PointToPoint,
}

/// <summary>Where the members of one parallel group sit: how many share a scale-up domain, how many domains.</summary>
/// <param name="Size">Ranks in the group.</param>
/// <param name="LocalRanks">Members per scale-up domain.</param>
/// <param name="Domains">Scale-up domains the group spans.</param>
/// <param name="SpanGpus">GPUs between the first and last member (decides the highest network tier crossed).</param>
public readonly record struct GroupLayout(int Size, int LocalRanks, int Domains, long SpanGpus)
{
    /// <summary>True when every member shares one scale-up domain.</summary>
    public bool IsLocal => Domains <= 1;

    /// <summary>
    /// Lays out a group of <paramref name="size"/> ranks spaced <paramref name="stride"/> apart (the product of
    /// the degrees placed inside it) on scale-up domains of <paramref name="domainGpus"/> GPUs.
    /// </summary>
    public static GroupLayout Of(int size, long stride, int domainGpus)
    {
        if (size <= 1) return new GroupLayout(1, 1, 1, 1);
        var span = stride * size;
        if (span <= domainGpus) return new GroupLayout(size, size, 1, span);
        if (stride >= domainGpus) return new GroupLayout(size, 1, size, span);
        var local = (int)Math.Max(1, domainGpus / stride);
        var domains = (size + local - 1) / local;
        return new GroupLayout(size, local, domains, span);
    }
}

/// <summary>Link and latency figures of the two fabric levels a collective can use.</summary>
/// <param name="ScaleUpBytesPerSecond">Achievable per-GPU bus bandwidth inside a scale-up domain.</param>
/// <param name="ScaleUpLatencySeconds">Latency of one collective step on the scale-up fabric.</param>
/// <param name="MeshPeers">For a point-to-point mesh: peers per domain (bandwidth is split over links), else 0.</param>
/// <param name="ScaleOutBytesPerSecond">Achievable per-GPU scale-out bandwidth (before oversubscription).</param>
/// <param name="ScaleOutLatencySeconds">Latency of one network step (before tier hops).</param>
/// <param name="BaseLatencySeconds">Fixed latency of one collective call.</param>
/// <param name="Tiers">Scale-out tiers.</param>
public sealed record FabricModel(
    double ScaleUpBytesPerSecond,
    double ScaleUpLatencySeconds,
    int MeshPeers,
    double ScaleOutBytesPerSecond,
    double ScaleOutLatencySeconds,
    double BaseLatencySeconds,
    IReadOnlyList<NetworkTier> Tiers)
{
    /// <summary>
    /// True (default) when a collective spreads its buffer over every NIC of a node (NCCL channels, one per NIC);
    /// false for stacks whose collectives leave each GPU through its own NIC.
    /// </summary>
    public bool AggregateNics { get; init; } = true;

    /// <summary>Builds the fabric model of a cluster.</summary>
    public static FabricModel For(ClusterSystem system, double baseLatencySeconds)
    {
        var up = system.Chip.ScaleUp;
        var meshPeers = up.Topology == ScaleUpTopology.Mesh ? Math.Max(1, up.DomainSize - 1) : 0;
        return new FabricModel(
            up.BandwidthBytesPerSecondPerDirection * up.BusBandwidthEfficiency,
            up.LatencySecondsPerStep,
            meshPeers,
            system.ScaleOutBitsPerSecondPerGpu / 8 * system.Chip.ScaleOut.Efficiency,
            system.Chip.ScaleOut.LatencySecondsPerStep,
            baseLatencySeconds,
            system.Tiers);
    }

    /// <summary>Scale-up bandwidth a group with <paramref name="localRanks"/> members in a domain can use.</summary>
    public double ScaleUpBandwidthFor(int localRanks) =>
        MeshPeers > 0 ? ScaleUpBytesPerSecond * Math.Min(1.0, (localRanks - 1) / (double)MeshPeers) : ScaleUpBytesPerSecond;

    /// <summary>Per-GPU scale-out bandwidth and per-step latency for a group spanning <paramref name="spanGpus"/> GPUs.</summary>
    public (double BytesPerSecond, double LatencySeconds) ScaleOutFor(long spanGpus)
    {
        var oversub = 1.0;
        var latency = ScaleOutLatencySeconds;
        foreach (var tier in Tiers)
        {
            latency += tier.LatencySeconds;
            if (spanGpus <= tier.Gpus) break;
            // Traffic leaving this tier shares its uplinks.
            oversub *= Math.Max(1.0, tier.Oversubscription);
        }
        return (ScaleOutBytesPerSecond / oversub, latency);
    }
}

/// <summary>
/// Latency–bandwidth (α–β) costs of ring collectives (formula sheet §7.1; nccl-tests PERFORMANCE.md bus-bandwidth
/// factors), costed hierarchically when a group spans scale-up domains: reduce-scatter inside the domain,
/// the collective across domains on 1/local of the data per GPU, all-gather inside the domain (§7.1 "Hierarchical").
/// </summary>
public static class Collectives
{
    /// <summary>Ring time of one collective among <paramref name="n"/> ranks on one link level.</summary>
    public static double Ring(CollectiveKind kind, int n, double bytes, double bytesPerSecond, double stepLatency)
    {
        if (n <= 1 || bytes <= 0) return 0;
        var f = (n - 1) / (double)n;
        return kind switch
        {
            CollectiveKind.AllReduce => 2 * f * bytes / bytesPerSecond + 2 * (n - 1) * stepLatency,
            CollectiveKind.ReduceScatter or CollectiveKind.AllGather => f * bytes / bytesPerSecond + (n - 1) * stepLatency,
            CollectiveKind.AllToAll => f * bytes / bytesPerSecond + (n - 1) * stepLatency,
            CollectiveKind.PointToPoint => bytes / bytesPerSecond + stepLatency,
            _ => 0,
        };
    }

    /// <summary>Time of one collective of <paramref name="bytes"/> (see <see cref="CollectiveKind"/> for which buffer) over a laid-out group.</summary>
    public static double Time(CollectiveKind kind, in GroupLayout group, double bytes, FabricModel fabric)
    {
        if (group.Size <= 1 || bytes <= 0) return 0;
        var upBw = fabric.ScaleUpBandwidthFor(group.LocalRanks);
        if (group.IsLocal)
        {
            return fabric.BaseLatencySeconds + Ring(kind, group.Size, bytes, upBw, fabric.ScaleUpLatencySeconds);
        }
        var (outBw, outLat) = fabric.ScaleOutFor(group.SpanGpus);
        var local = group.LocalRanks;
        var domains = group.Domains;
        var n = group.Size;
        switch (kind)
        {
            case CollectiveKind.AllReduce:
            case CollectiveKind.ReduceScatter:
            case CollectiveKind.AllGather:
            {
                // Latency: NCCL's ring pays every step; the steps that leave a domain pay the network latency
                // (formula sheet §7.2, ncclTopoGetAlgoTime ring latency).
                var passes = kind == CollectiveKind.AllReduce ? 2 : 1;
                var steps = passes * (n - 1);
                var inter = passes * (domains - 1);
                var latency = (steps - inter) * fabric.ScaleUpLatencySeconds + inter * outLat;
                // Bandwidth: NCCL runs one ring channel per NIC; with `local` members of the group in a domain, each
                // channel carries 1/local of the buffer across the domain boundary, so each GPU's NIC moves
                // passes·(n−1)/n·bytes/local (hierarchical form, formula sheet §7.1). The members' NVLink/ICI hops
                // run at the same time and bound the time when the scale-up share is the larger one.
                var share = passes * (n - 1) / (double)n * bytes / (fabric.AggregateNics ? local : 1);
                var inside = local > 1 ? passes * (local - 1) / (double)local * bytes / upBw : 0;
                return fabric.BaseLatencySeconds + latency + Math.Max(share / outBw, inside);
            }
            case CollectiveKind.AllToAll:
                // Pairwise exchange: the share for peers in the same domain rides the scale-up fabric,
                // the rest leaves through this GPU's NIC; both proceed at once.
                return Exchange(group, (local - 1) / (double)n * bytes, (n - local) / (double)n * bytes, fabric);
            case CollectiveKind.PointToPoint:
                return fabric.BaseLatencySeconds + bytes / outBw + outLat;
            default:
                return 0;
        }
    }

    /// <summary>
    /// An exchange over a laid-out group in which each GPU moves <paramref name="insideBytes"/> over the scale-up fabric and
    /// <paramref name="outsideBytes"/> through its NIC, both at once (the all-to-all above; MoE dispatchers that send one copy
    /// per destination domain and fan it out inside, formula sheet §6.5).
    /// </summary>
    public static double Exchange(in GroupLayout group, double insideBytes, double outsideBytes, FabricModel fabric)
    {
        if (group.Size <= 1 || insideBytes + outsideBytes <= 0) return 0;
        var local = group.LocalRanks;
        var upBw = fabric.ScaleUpBandwidthFor(local);
        var inside = local > 1 ? insideBytes / upBw + (local - 1) * fabric.ScaleUpLatencySeconds : 0;
        if (group.IsLocal) return fabric.BaseLatencySeconds + inside;
        var (outBw, outLat) = fabric.ScaleOutFor(group.SpanGpus);
        var outside = outsideBytes / outBw + (group.Domains - 1) * outLat;
        return fabric.BaseLatencySeconds + Math.Max(inside, outside);
    }
}
