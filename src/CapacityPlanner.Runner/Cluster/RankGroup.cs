using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CapacityPlanner.Runner.Cluster;

/// <summary>A rendezvous that could not complete: timeout, mismatched world size, duplicate rank, refused connection.</summary>
internal sealed class RendezvousException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>One rank as the rendezvous saw it.</summary>
/// <param name="Rank">Global rank.</param>
/// <param name="LocalRank">Rank on its node.</param>
/// <param name="Host">Host name the rank reported.</param>
/// <param name="Address">IP address the other ranks reach it at.</param>
/// <param name="DataPort">Port of its data listener (collectives over TCP).</param>
/// <param name="Pid">Process id.</param>
internal sealed record PeerInfo(int Rank, int LocalRank, string Host, string Address, int DataPort, int Pid);

/// <summary>
/// TCP rendezvous and rank bookkeeping. Rank 0 listens on MASTER_ADDR:MASTER_PORT; every other rank connects (retrying
/// until the timeout), says who it is (rank, world size, local rank, host, pid, data port); rank 0 checks the set
/// (world sizes agree, every rank once) and sends everyone the table of ranks plus a payload (the NCCL unique id).
/// The ranks then build a full mesh of data connections (each connects to the lower ranks and accepts the higher) for
/// collectives over TCP. The control connections carry barriers, gathers and broadcasts through rank 0.
/// </summary>
internal sealed class RankGroup : IDisposable
{
    private const int MaxFrame = 256 * 1024 * 1024;
    private const int MagicHello = 0x43504c31;  // "CPL1"
    private readonly Socket? _toRoot;
    private readonly Socket?[] _control;
    private readonly NetworkStream?[] _mesh;
    private readonly Socket? _dataListener;

    private RankGroup(LaunchInfo launch, IReadOnlyList<PeerInfo> peers, byte[] payload, Socket? toRoot, Socket?[] control, NetworkStream?[] mesh, Socket? dataListener, string rendezvous)
    {
        Launch = launch;
        Peers = peers;
        RootPayload = payload;
        _toRoot = toRoot;
        _control = control;
        _mesh = mesh;
        _dataListener = dataListener;
        Rendezvous = rendezvous;
    }

    public LaunchInfo Launch { get; }
    public int Rank => Launch.Rank;
    public int WorldSize => Launch.WorldSize;
    public IReadOnlyList<PeerInfo> Peers { get; }
    public byte[] RootPayload { get; }
    public string Rendezvous { get; }

    /// <summary>Distinct hosts in the group.</summary>
    public int Nodes => Peers.Select(p => p.Host).Distinct(StringComparer.Ordinal).Count();

    /// <summary>The data stream to another rank.</summary>
    public NetworkStream Peer(int rank) => _mesh[rank] ?? throw new InvalidOperationException($"no data connection to rank {rank}.");

    /// <summary>Joins the rendezvous of <paramref name="launch"/>; rank 0 hands <paramref name="rootPayload"/> to all.</summary>
    public static RankGroup Join(LaunchInfo launch, byte[] rootPayload, TimeSpan timeout, string hostName)
    {
        ArgumentNullException.ThrowIfNull(launch);
        ArgumentNullException.ThrowIfNull(rootPayload);
        var deadline = Stopwatch.StartNew();
        TimeSpan Remaining() => timeout - deadline.Elapsed;
        var master = ResolveMaster(launch.MasterAddr ?? throw new RendezvousException("no rendezvous address (MASTER_ADDR)."));
        var endpoint = new IPEndPoint(master, launch.MasterPort);
        var rendezvous = $"{launch.MasterAddr}:{launch.MasterPort}";
        var n = launch.WorldSize;
        var control = new Socket?[n];
        Socket? toRoot = null;
        Socket? listener = null;
        Socket? dataListener = null;
        var mesh = new NetworkStream?[n];
        try
        {
            List<PeerInfo> peers;
            byte[] payload;
            if (launch.Rank == 0)
            {
                listener = new Socket(master.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                var bindAddress = IPAddress.IsLoopback(master) ? master : master.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
                try
                {
                    listener.Bind(new IPEndPoint(bindAddress, launch.MasterPort));
                }
                catch (SocketException ex)
                {
                    throw new RendezvousException($"rank 0 cannot listen on {bindAddress}:{launch.MasterPort}: {ex.Message} (is MASTER_PORT in use?)", ex);
                }
                listener.Listen(Math.Max(16, n));
                dataListener = DataListener(master, bindAddress);
                var hellos = new Dictionary<int, (PeerInfo Peer, int World)>();
                var errors = new List<string>();
                var accepted = new List<Socket>();
                while (accepted.Count < n - 1)
                {
                    var left = Remaining();
                    if (left <= TimeSpan.Zero || !listener.Poll((int)Math.Min(int.MaxValue, left.TotalMicroseconds), SelectMode.SelectRead))
                    {
                        var missing = Enumerable.Range(1, n - 1).Where(r => !hellos.ContainsKey(r));
                        var message = $"rendezvous at {rendezvous} timed out after {timeout.TotalSeconds:0} s with {hellos.Count + 1} of {n} ranks; missing ranks {string.Join(",", missing.Take(16))}.";
                        SendError(accepted, message);
                        throw new RendezvousException(message);
                    }
                    var s = listener.Accept();
                    Tune(s);
                    accepted.Add(s);
                    s.ReceiveTimeout = (int)Math.Clamp(Remaining().TotalMilliseconds, 1000, int.MaxValue);
                    var hello = ReadFrame(s);
                    if (!TryParseHello(hello, ((IPEndPoint)s.RemoteEndPoint!).Address, out var peer, out var world))
                    {
                        errors.Add("a connection did not send a capplan hello.");
                        continue;
                    }
                    if (world != n) errors.Add($"rank {peer.Rank} reports world size {world}, rank 0 has {n}.");
                    else if (peer.Rank <= 0 || peer.Rank >= n) errors.Add($"rank {peer.Rank} is outside 1..{n - 1}.");
                    else if (hellos.ContainsKey(peer.Rank)) errors.Add($"rank {peer.Rank} joined twice (from {hellos[peer.Rank].Peer.Host} and {peer.Host}).");
                    else
                    {
                        hellos[peer.Rank] = (peer, world);
                        control[peer.Rank] = s;
                    }
                    if (errors.Count > 0)
                    {
                        var message = "rendezvous failed: " + string.Join(" ", errors);
                        SendError(accepted, message);
                        throw new RendezvousException(message);
                    }
                }
                var selfAddress = accepted.Count > 0 ? ((IPEndPoint)accepted[0].LocalEndPoint!).Address : master;
                var self = new PeerInfo(0, launch.LocalRank, hostName, selfAddress.ToString(), ((IPEndPoint)dataListener.LocalEndPoint!).Port, Environment.ProcessId);
                peers = [self, .. hellos.Values.Select(h => h.Peer).OrderBy(p => p.Rank)];
                payload = rootPayload;
                var table = WriteTable(peers, payload);
                foreach (var s in accepted) WriteFrame(s, table);
            }
            else
            {
                toRoot = Connect(endpoint, Remaining, $"rank {launch.Rank} could not reach rank 0 at {rendezvous}");
                var localAddress = ((IPEndPoint)toRoot.LocalEndPoint!).Address;
                dataListener = DataListener(master, IPAddress.IsLoopback(master) ? master : localAddress);
                var me = new PeerInfo(launch.Rank, launch.LocalRank, hostName, localAddress.ToString(), ((IPEndPoint)dataListener.LocalEndPoint!).Port, Environment.ProcessId);
                WriteFrame(toRoot, WriteHello(me, n));
                toRoot.ReceiveTimeout = (int)Math.Clamp(Remaining().TotalMilliseconds, 1000, int.MaxValue);
                var reply = ReadFrame(toRoot);
                (peers, payload) = ReadTable(reply, rendezvous);
            }

            // Full mesh: connect to every lower rank (their listeners queue the connection), then accept the higher.
            for (var j = 0; j < launch.Rank; j++)
            {
                var p = peers[j];
                var s = Connect(new IPEndPoint(IPAddress.Parse(p.Address), p.DataPort), Remaining, $"rank {launch.Rank} could not open a data connection to rank {j} at {p.Address}:{p.DataPort}");
                var id = new byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(id, launch.Rank);
                s.Send(id);
                mesh[j] = new NetworkStream(s, ownsSocket: true);
            }
            for (var accepted = 0; accepted < n - 1 - launch.Rank; accepted++)
            {
                var left = Remaining();
                if (left <= TimeSpan.Zero || !dataListener!.Poll((int)Math.Min(int.MaxValue, left.TotalMicroseconds), SelectMode.SelectRead))
                {
                    throw new RendezvousException($"rank {launch.Rank}: timed out waiting for data connections from higher ranks.");
                }
                var s = dataListener.Accept();
                Tune(s);
                s.ReceiveTimeout = (int)Math.Clamp(Remaining().TotalMilliseconds, 1000, int.MaxValue);
                var id = new byte[4];
                ReceiveExactly(s, id);
                s.ReceiveTimeout = 0;
                var from = BinaryPrimitives.ReadInt32LittleEndian(id);
                if (from <= launch.Rank || from >= n || mesh[from] is not null) throw new RendezvousException($"rank {launch.Rank}: unexpected data connection from rank {from}.");
                mesh[from] = new NetworkStream(s, ownsSocket: true);
            }
            foreach (var s in control) if (s is not null) s.ReceiveTimeout = 0;
            if (toRoot is not null) toRoot.ReceiveTimeout = 0;
            var group = new RankGroup(launch, peers, payload, toRoot, control, mesh, dataListener, rendezvous);
            group.Barrier();
            return group;
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            Cleanup();
            throw new RendezvousException($"rendezvous at {rendezvous} failed for rank {launch.Rank}: {ex.Message}", ex);
        }
        catch
        {
            Cleanup();
            throw;
        }
        finally
        {
            listener?.Dispose();
        }

        void Cleanup()
        {
            toRoot?.Dispose();
            foreach (var s in control) s?.Dispose();
            foreach (var m in mesh) m?.Dispose();
            dataListener?.Dispose();
        }
    }

    /// <summary>Waits until every rank has arrived.</summary>
    public void Barrier()
    {
        if (WorldSize == 1) return;
        Gather([]);
        Broadcast([]);
    }

    /// <summary>Rank 0 receives every rank's bytes (index = rank); the others get null.</summary>
    public byte[][]? Gather(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (Rank != 0)
        {
            WriteFrame(_toRoot!, data);
            return null;
        }
        var all = new byte[WorldSize][];
        all[0] = data;
        for (var r = 1; r < WorldSize; r++) all[r] = ReadFrame(_control[r]!);
        return all;
    }

    /// <summary>Rank 0's bytes on every rank.</summary>
    public byte[] Broadcast(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (Rank != 0) return ReadFrame(_toRoot!);
        for (var r = 1; r < WorldSize; r++) WriteFrame(_control[r]!, data);
        return data;
    }

    /// <summary>The maximum of a value over all ranks, on every rank.</summary>
    public double AllReduceMax(double value)
    {
        var bytes = BitConverter.GetBytes(value);
        var all = Gather(bytes);
        var max = all is null ? 0 : all.Max(b => BitConverter.ToDouble(b));
        return BitConverter.ToDouble(Broadcast(BitConverter.GetBytes(max)));
    }

    public void Dispose()
    {
        _toRoot?.Dispose();
        foreach (var s in _control) s?.Dispose();
        foreach (var m in _mesh) m?.Dispose();
        _dataListener?.Dispose();
    }

    private static IPAddress ResolveMaster(string addr)
    {
        if (IPAddress.TryParse(addr, out var ip)) return ip;
        try
        {
            var all = Dns.GetHostAddresses(addr);
            return all.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? all.First();
        }
        catch (Exception ex) when (ex is SocketException or InvalidOperationException)
        {
            throw new RendezvousException($"cannot resolve rendezvous host '{addr}': {ex.Message}", ex);
        }
    }

    private static Socket DataListener(IPAddress master, IPAddress bind)
    {
        var l = new Socket(master.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        l.Bind(new IPEndPoint(bind, 0));
        l.Listen(1024);
        return l;
    }

    private static Socket Connect(IPEndPoint endpoint, Func<TimeSpan> remaining, string what)
    {
        Exception? last = null;
        while (remaining() > TimeSpan.Zero)
        {
            var s = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                var connect = s.ConnectAsync(endpoint);
                if (connect.Wait(TimeSpan.FromMilliseconds(Math.Max(1, Math.Min(5000, remaining().TotalMilliseconds)))))
                {
                    Tune(s);
                    return s;
                }
                s.Dispose();
            }
            catch (AggregateException ex) when (ex.InnerException is SocketException se)
            {
                last = se;
                s.Dispose();
                Thread.Sleep(100);
            }
            catch (SocketException ex)
            {
                last = ex;
                s.Dispose();
                Thread.Sleep(100);
            }
        }
        throw new RendezvousException($"{what}: timed out{(last is null ? "" : $" ({last.Message})")}.", last);
    }

    private static void Tune(Socket s)
    {
        s.NoDelay = true;
        s.SendBufferSize = 4 << 20;
        s.ReceiveBufferSize = 4 << 20;
    }

    private static void SendError(IEnumerable<Socket> sockets, string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var frame = new byte[4 + bytes.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, -1);
        bytes.CopyTo(frame, 4);
        foreach (var s in sockets)
        {
            try
            {
                WriteFrame(s, frame);
            }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
        }
    }

    private static byte[] WriteHello(PeerInfo me, int world)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(MagicHello);
            w.Write(me.Rank);
            w.Write(world);
            w.Write(me.LocalRank);
            w.Write(me.Pid);
            w.Write(me.DataPort);
            w.Write(me.Host);
        }
        return ms.ToArray();
    }

    private static bool TryParseHello(byte[] bytes, IPAddress from, out PeerInfo peer, out int world)
    {
        peer = null!;
        world = 0;
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
            if (r.ReadInt32() != MagicHello) return false;
            var rank = r.ReadInt32();
            world = r.ReadInt32();
            var local = r.ReadInt32();
            var pid = r.ReadInt32();
            var port = r.ReadInt32();
            var host = r.ReadString();
            var address = from.IsIPv4MappedToIPv6 ? from.MapToIPv4() : from;
            peer = new PeerInfo(rank, local, host, address.ToString(), port, pid);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }

    private static byte[] WriteTable(IReadOnlyList<PeerInfo> peers, byte[] payload)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(0);
            w.Write(peers.Count);
            foreach (var p in peers)
            {
                w.Write(p.Rank);
                w.Write(p.LocalRank);
                w.Write(p.Pid);
                w.Write(p.DataPort);
                w.Write(p.Address);
                w.Write(p.Host);
            }
            w.Write(payload.Length);
            w.Write(payload);
        }
        return ms.ToArray();
    }

    private static (List<PeerInfo>, byte[]) ReadTable(byte[] bytes, string rendezvous)
    {
        if (bytes.Length >= 4 && BinaryPrimitives.ReadInt32LittleEndian(bytes) == -1)
        {
            throw new RendezvousException("rank 0 refused this rank: " + Encoding.UTF8.GetString(bytes, 4, bytes.Length - 4));
        }
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
            r.ReadInt32();
            var count = r.ReadInt32();
            var peers = new List<PeerInfo>(count);
            for (var i = 0; i < count; i++)
            {
                var rank = r.ReadInt32();
                var local = r.ReadInt32();
                var pid = r.ReadInt32();
                var port = r.ReadInt32();
                var address = r.ReadString();
                var host = r.ReadString();
                peers.Add(new PeerInfo(rank, local, host, address, port, pid));
            }
            var payload = r.ReadBytes(r.ReadInt32());
            return (peers, payload);
        }
        catch (EndOfStreamException ex)
        {
            throw new RendezvousException($"malformed rank table from {rendezvous}.", ex);
        }
    }

    internal static void WriteFrame(Socket s, byte[] data)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(header, data.Length);
        SendAll(s, header);
        SendAll(s, data);
    }

    internal static byte[] ReadFrame(Socket s)
    {
        var header = new byte[4];
        ReceiveExactly(s, header);
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 0 || length > MaxFrame) throw new RendezvousException($"invalid frame length {length} from {s.RemoteEndPoint}.");
        var data = new byte[length];
        ReceiveExactly(s, data);
        return data;
    }

    private static void SendAll(Socket s, byte[] data)
    {
        var sent = 0;
        while (sent < data.Length) sent += s.Send(data, sent, data.Length - sent, SocketFlags.None);
    }

    private static void ReceiveExactly(Socket s, byte[] buffer)
    {
        var got = 0;
        while (got < buffer.Length)
        {
            var n = s.Receive(buffer, got, buffer.Length - got, SocketFlags.None);
            if (n == 0) throw new RendezvousException($"connection from {s.RemoteEndPoint} closed early.");
            got += n;
        }
    }
}
