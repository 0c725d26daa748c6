using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Numerics;
using System.Runtime.InteropServices;
using CapacityPlanner.Measurements;

namespace CapacityPlanner.Runner.Cluster;

/// <summary>
/// NCCL's collectives re-done over the rank mesh's TCP connections for the CPU backend: ring all-reduce (reduce-scatter
/// then all-gather), ring all-gather, ring reduce-scatter and pairwise all-to-all, on float32. Timed like nccl-tests
/// (warm-up, then wall clock over back-to-back iterations, the slowest rank counting) and reported with nccl-tests'
/// algbw/busbw conventions, so the multi-process path yields real figures on any machine.
/// </summary>
internal sealed class TcpCollectives(RankGroup group)
{
    private readonly int _n = group.WorldSize;
    private readonly int _rank = group.Rank;
    private byte[] _work = [];
    private byte[] _tmp = [];

    /// <summary>A scratch buffer kept between calls, so that timed iterations do not allocate.</summary>
    private static byte[] Scratch(ref byte[] buffer, int bytes)
    {
        if (buffer.Length < bytes) buffer = GC.AllocateUninitializedArray<byte>(bytes);
        return buffer;
    }

    public static readonly string[] Names = ["all_reduce", "all_gather", "reduce_scatter", "alltoall"];

    /// <summary>Message sizes (bytes, nccl-tests' total "size") of the suite.</summary>
    public static IReadOnlyList<long> Sizes(bool quick) =>
        quick ? [64L << 10, 1L << 20, 8L << 20] : [4L << 10, 32L << 10, 256L << 10, 1L << 20, 4L << 20, 16L << 20, 64L << 20];

    /// <summary>Runs every collective at every size; rank 0 records the measurements.</summary>
    public static void RunSuite(RankGroup group, SuiteContext context, BenchRecorder recorder)
    {
        var c = new TcpCollectives(group);
        var (warmup, iters) = context.Options.Quick ? (2, 5) : (5, 20);
        foreach (var name in Names)
        {
            foreach (var size in Sizes(context.Options.Quick))
            {
                var m = c.Measure(name, size, warmup, iters);
                if (group.Rank == 0)
                {
                    recorder.Collectives.Add(m);
                    recorder.Progress(string.Create(CultureInfo.InvariantCulture, $"  {name} {m.SizeBytes / 1024.0:0} KiB over {m.Ranks} ranks (tcp): {m.TimeUs:0} µs, algbw {m.AlgbwGBps:0.00} GB/s, busbw {m.BusbwGBps:0.00} GB/s"));
                    if (m.Wrong is > 0) recorder.Warn($"{name} {m.SizeBytes} B over TCP: {m.Wrong} wrong elements.");
                }
            }
        }
    }

    /// <summary>Times one collective at one size (all ranks call it together).</summary>
    public CollectiveMeasurement Measure(string collective, long sizeBytes, int warmup, int iterations)
    {
        var perRank = collective == "all_reduce" ? Math.Max(1, sizeBytes / 4) : Math.Max(1, sizeBytes / 4 / _n);
        var (sendCount, recvCount) = collective switch
        {
            "all_reduce" => (perRank, perRank),
            "all_gather" => (perRank, perRank * _n),
            "reduce_scatter" => (perRank * _n, perRank),
            "alltoall" => (perRank * _n, perRank * _n),
            _ => throw new ArgumentException($"unknown collective {collective}", nameof(collective)),
        };
        if (sendCount > int.MaxValue / 4 || recvCount > int.MaxValue / 4) throw new ArgumentOutOfRangeException(nameof(sizeBytes));
        var size = collective == "all_reduce" ? perRank * 4 : perRank * 4 * _n;
        var send = new byte[sendCount * 4];
        var recv = new byte[recvCount * 4];
        Fill(collective, MemoryMarshal.Cast<byte, float>(send.AsSpan()), (int)perRank);
        Action op = collective switch
        {
            "all_reduce" => () => AllReduce(send, recv),
            "all_gather" => () => AllGather(send, recv),
            "reduce_scatter" => () => ReduceScatter(send, recv),
            _ => () => AllToAll(send, recv),
        };
        group.Barrier();
        for (var i = 0; i < warmup; i++) op();
        group.Barrier();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++) op();
        var elapsed = group.AllReduceMax(clock.Elapsed.TotalSeconds);
        var wrong = Check(collective, MemoryMarshal.Cast<byte, float>(recv.AsSpan()), (int)perRank);
        var maxWrong = (long)group.AllReduceMax(wrong);
        var seconds = elapsed / iterations;
        return new CollectiveMeasurement
        {
            Collective = collective,
            Dtype = "float",
            RedOp = collective is "all_reduce" or "reduce_scatter" ? "sum" : null,
            Ranks = _n,
            Nodes = group.Nodes,
            SizeBytes = size,
            Count = perRank,
            InPlace = false,
            TimeUs = seconds * 1e6,
            AlgbwGBps = BusBandwidth.AlgbwGBps(size, seconds),
            BusbwGBps = BusBandwidth.BusbwGBps(collective, _n, size, seconds),
            Wrong = maxWrong,
            Transport = "tcp",
        };
    }

    /// <summary>Ring all-reduce (sum): a reduce-scatter pass then an all-gather pass over n chunks.</summary>
    public void AllReduce(byte[] send, byte[] recv)
    {
        Buffer.BlockCopy(send, 0, recv, 0, send.Length);
        if (_n == 1) return;
        var count = send.Length / 4;
        var tmp = Scratch(ref _tmp, (count / _n + 1) * 4);
        for (var s = 0; s < _n - 1; s++)
        {
            var sc = Mod(_rank - s);
            var rc = Mod(_rank - s - 1);
            var (so, sl) = Chunk(count, sc);
            var (ro, rl) = Chunk(count, rc);
            Exchange(recv, so * 4, sl * 4, tmp, 0, rl * 4);
            Add(recv.AsSpan(ro * 4, rl * 4), tmp.AsSpan(0, rl * 4));
        }
        for (var s = 0; s < _n - 1; s++)
        {
            var (so, sl) = Chunk(count, Mod(_rank - s + 1));
            var (ro, rl) = Chunk(count, Mod(_rank - s));
            Exchange(recv, so * 4, sl * 4, recv, ro * 4, rl * 4);
        }
    }

    /// <summary>Ring all-gather: block r of the output is rank r's input.</summary>
    public void AllGather(byte[] send, byte[] recv)
    {
        var block = send.Length;
        Buffer.BlockCopy(send, 0, recv, _rank * block, block);
        for (var s = 0; s < _n - 1; s++)
        {
            Exchange(recv, Mod(_rank - s) * block, block, recv, Mod(_rank - s - 1) * block, block);
        }
    }

    /// <summary>Ring reduce-scatter (sum): rank r ends with block r of the element-wise sum.</summary>
    public void ReduceScatter(byte[] send, byte[] recv)
    {
        var block = recv.Length;
        var work = Scratch(ref _work, send.Length);
        Buffer.BlockCopy(send, 0, work, 0, send.Length);
        var tmp = Scratch(ref _tmp, block);
        for (var s = 0; s < _n - 1; s++)
        {
            var sb = Mod(_rank - s - 1);
            var rb = Mod(_rank - s - 2);
            Exchange(work, sb * block, block, tmp, 0, block);
            Add(work.AsSpan(rb * block, block), tmp.AsSpan(0, block));
        }
        Buffer.BlockCopy(work, _rank * block, recv, 0, block);
    }

    /// <summary>Pairwise all-to-all: in step s send block (r+s) to rank r+s and receive block from rank r−s.</summary>
    public void AllToAll(byte[] send, byte[] recv)
    {
        var block = send.Length / _n;
        Buffer.BlockCopy(send, _rank * block, recv, _rank * block, block);
        for (var s = 1; s < _n; s++)
        {
            var dst = Mod(_rank + s);
            var src = Mod(_rank - s);
            var write = group.Peer(dst).WriteAsync(send, dst * block, block);
            group.Peer(src).ReadExactly(recv, src * block, block);
            write.GetAwaiter().GetResult();
        }
    }

    /// <summary>Sends to the next rank while receiving from the previous one.</summary>
    private void Exchange(byte[] sendBuf, int sendOffset, int sendLength, byte[] recvBuf, int recvOffset, int recvLength)
    {
        var next = group.Peer(Mod(_rank + 1));
        var prev = group.Peer(Mod(_rank - 1));
        var write = next.WriteAsync(sendBuf, sendOffset, sendLength);
        prev.ReadExactly(recvBuf, recvOffset, recvLength);
        try
        {
            write.GetAwaiter().GetResult();
        }
        catch (IOException ex) when (ex.InnerException is SocketException)
        {
            throw new RendezvousException($"rank {_rank}: data connection to rank {Mod(_rank + 1)} failed: {ex.Message}", ex);
        }
    }

    private (int Offset, int Length) Chunk(int count, int c)
    {
        var start = (int)((long)c * count / _n);
        var end = (int)((long)(c + 1) * count / _n);
        return (start, end - start);
    }

    private int Mod(int x) => ((x % _n) + _n) % _n;

    private static void Add(Span<byte> target, ReadOnlySpan<byte> source)
    {
        var t = MemoryMarshal.Cast<byte, float>(target);
        var s = MemoryMarshal.Cast<byte, float>(source);
        var w = Vector<float>.Count;
        var i = 0;
        for (; i + w <= t.Length; i += w)
        {
            (new Vector<float>(t.Slice(i)) + new Vector<float>(s.Slice(i))).CopyTo(t.Slice(i));
        }
        for (; i < t.Length; i++) t[i] += s[i];
    }

    // Inputs are small integers, so every reduction is exact in float32 and the check can be exact too.
    private void Fill(string collective, Span<float> send, int perRank)
    {
        for (var i = 0; i < send.Length; i++)
        {
            send[i] = collective switch
            {
                "all_reduce" or "reduce_scatter" => _rank + 1 + i % 7,
                "all_gather" => _rank * 1000 + i % 7,
                _ => _rank * 1000 + i / perRank * 10 + i % perRank % 7,
            };
        }
    }

    private int Check(string collective, ReadOnlySpan<float> recv, int perRank)
    {
        var wrong = 0;
        var total = _n * (_n + 1) / 2;
        for (var i = 0; i < recv.Length; i++)
        {
            float expected = collective switch
            {
                "all_reduce" => total + _n * (i % 7),
                "reduce_scatter" => total + _n * ((_rank * perRank + i) % 7),
                "all_gather" => i / perRank * 1000 + i % perRank % 7,
                _ => i / perRank * 1000 + _rank * 10 + i % perRank % 7,
            };
            if (recv[i] != expected) wrong++;
        }
        return wrong;
    }
}
