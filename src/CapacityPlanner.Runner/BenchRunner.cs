using CapacityPlanner.Runner.Cluster;
using CapacityPlanner.Runner.Cpu;
using CapacityPlanner.Runner.Native;
using CapacityPlanner.Measurements;

namespace CapacityPlanner.Runner;

/// <summary>How a bench run ended.</summary>
/// <param name="Result">The document (rank 0, or a single process); null on failure and on ranks other than 0.</param>
/// <param name="Status">How the run ended.</param>
/// <param name="Error">What went wrong, when something did.</param>
internal sealed record BenchOutcome(BenchResult? Result, BenchStatus Status, string? Error);

/// <summary>How a benchmark run ended.</summary>
internal enum BenchStatus
{
    /// <summary>Measured (rank 0 holds the merged result; other ranks have handed theirs over).</summary>
    Ok,
    /// <summary>The launch environment (rank, world size, rendezvous address) is inconsistent.</summary>
    InvalidLaunch,
    /// <summary>A backend, a device or the rendezvous failed.</summary>
    Failed,
}

/// <summary>
/// Runs <c>capplan bench</c>: picks the backend (auto: CUDA when the driver loads and finds a device, else the CPU,
/// with the reason recorded), joins the rendezvous when launched as several ranks, runs the suites and has rank 0 merge
/// every rank's measurements into one document.
/// </summary>
internal static class BenchRunner
{
    public static BenchOutcome Run(BenchOptions options, TextWriter progress, Func<string, string?>? environment = null, IProbeSystem? probeSystem = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        environment ??= Environment.GetEnvironmentVariable;
        var launch = LaunchEnvironment.Detect(environment, options);
        if (LaunchEnvironment.Validate(launch) is { } launchError) return new BenchOutcome(null, BenchStatus.InvalidLaunch, launchError);
        var threads = options.Threads ?? Environment.ProcessorCount;
        var settings = options.Quick ? HarnessSettings.Quick : HarnessSettings.Full;

        IBenchBackend backend;
        string reason;
        if (options.Backend == "cpu")
        {
            backend = new CpuBackend(threads, launch.Rank);
            reason = "the CPU backend was requested (--backend cpu)";
        }
        else
        {
            var probe = new LibraryProbe(probeSystem ?? RealProbeSystem.Instance, options.LibPaths);
            CudaBackend? cuda;
            string why;
            List<LibraryInfo> libraries;
            bool ok;
            try
            {
                ok = CudaBackend.TryCreate(probe, options.Device ?? launch.LocalRank, options.Device is not null, launch.Rank, out cuda, out why, out libraries);
            }
            catch (NativeCallException ex)
            {
                (ok, cuda, why, libraries) = (false, null, ex.Message, []);
            }
            if (ok)
            {
                backend = cuda!;
                reason = why;
            }
            else if (options.Backend == "cuda")
            {
                return new BenchOutcome(null, BenchStatus.Failed, $"the CUDA backend is not available: {why}");
            }
            else
            {
                backend = new CpuBackend(threads, launch.Rank, libraries);
                reason = $"CUDA not usable, measured the CPU instead: {why}";
            }
        }

        using (backend)
        {
            RankGroup? group = null;
            try
            {
                if (launch.WorldSize > 1)
                {
                    var payload = launch.Rank == 0 && options.Suites.Contains("collectives") ? backend.CreateRootPayload() : [];
                    if (launch.Rank == 0) progress.WriteLine($"capplan bench: waiting for {launch.WorldSize} ranks at {launch.MasterAddr}:{launch.MasterPort} ({launch.Launcher})");
                    group = RankGroup.Join(launch, payload, TimeSpan.FromSeconds(options.RendezvousTimeoutSeconds), HostProbe.HostName());
                    // Collectives only work when every rank measures the same way (NCCL or TCP): refuse a mixed run.
                    var names = group.Gather(System.Text.Encoding.UTF8.GetBytes(backend.Name));
                    var verdict = names is null ? [] : names.Select(System.Text.Encoding.UTF8.GetString).Distinct(StringComparer.Ordinal).Count() == 1
                        ? System.Text.Encoding.UTF8.GetBytes("ok")
                        : System.Text.Encoding.UTF8.GetBytes("ranks disagree on the backend (" + string.Join(", ", names.Select((n, r) => $"rank {r}: {System.Text.Encoding.UTF8.GetString(n)}")) + "); use --backend cuda or --backend cpu on every rank.");
                    var agreed = System.Text.Encoding.UTF8.GetString(group.Broadcast(verdict));
                    if (agreed != "ok")
                    {
                        group.Dispose();
                        return new BenchOutcome(null, BenchStatus.Failed, agreed);
                    }
                }
            }
            catch (RendezvousException ex)
            {
                return new BenchOutcome(null, BenchStatus.Failed, ex.Message);
            }
            catch (NativeCallException ex)
            {
                return new BenchOutcome(null, BenchStatus.Failed, ex.Message);
            }

            using (group)
            {
                var recorder = new BenchRecorder(progress, launch.Rank);
                recorder.Progress($"capplan bench: {backend.Name} backend — {reason}");
                recorder.Progress($"  device: {string.Join("; ", backend.Devices.Select(d => d.Name))}{(options.Quick ? " (quick)" : "")}");
                var context = new SuiteContext(options, settings, group);
                foreach (var suite in options.Suites)
                {
                    try
                    {
                        switch (suite)
                        {
                            case "gemm": backend.RunGemm(context, recorder); break;
                            case "memory": backend.RunMemory(context, recorder); break;
                            case "host": backend.RunHost(context, recorder); break;
                            case "collectives": backend.RunCollectives(context, recorder); break;
                        }
                    }
                    catch (NativeCallException ex)
                    {
                        recorder.Skip(suite, ex.Message);
                    }
                    catch (RendezvousException ex)
                    {
                        return new BenchOutcome(null, BenchStatus.Failed, $"rank {launch.Rank}: {ex.Message}");
                    }
                }

                var local = Build(options, launch, backend, reason, recorder, group);
                if (group is null) return new BenchOutcome(local, BenchStatus.Ok, null);
                byte[][]? all;
                try
                {
                    all = group.Gather(BenchResultJson.SerializeToUtf8(local, indented: false));
                }
                catch (Exception ex) when (ex is RendezvousException or IOException or System.Net.Sockets.SocketException)
                {
                    return new BenchOutcome(null, BenchStatus.Failed, $"rank {launch.Rank}: sending results to rank 0 failed: {ex.Message}");
                }
                if (all is null)
                {
                    progress.WriteLine($"capplan bench: rank {launch.Rank} of {launch.WorldSize} sent its results to rank 0.");
                    return new BenchOutcome(null, BenchStatus.Ok, null);
                }
                return new BenchOutcome(Merge(local, all.Skip(1).Select(b => BenchResultJson.Deserialize(System.Text.Encoding.UTF8.GetString(b))).ToList()), BenchStatus.Ok, null);
            }
        }
    }

    private static BenchResult Build(BenchOptions options, LaunchInfo launch, IBenchBackend backend, string reason, BenchRecorder r, RankGroup? group)
    {
        var ranks = group?.Peers.Select(p => new RankInfo { Rank = p.Rank, LocalRank = p.LocalRank, Host = p.Host, Pid = p.Pid }).ToList()
            ?? [new RankInfo { Rank = 0, LocalRank = launch.LocalRank, Host = HostProbe.HostName(), Pid = Environment.ProcessId, Device = backend.Devices.FirstOrDefault()?.Index }];
        return new BenchResult
        {
            Source = BenchSources.CapplanBench,
            SourceVersion = typeof(BenchRunner).Assembly.GetName().Version?.ToString(),
            CreatedUtc = DateTimeOffset.UtcNow,
            Backend = backend.Name,
            RequestedBackend = options.Backend,
            BackendReason = reason,
            Quick = options.Quick,
            Suites = options.Suites,
            Host = HostProbe.Host(),
            Devices = backend.Devices,
            Software = backend.Software,
            Libraries = backend.Libraries,
            Cluster = new ClusterInfo
            {
                WorldSize = launch.WorldSize,
                Launcher = launch.Launcher,
                Rendezvous = group?.Rendezvous,
                Nodes = group?.Nodes ?? 1,
                Ranks = ranks,
            },
            Gemm = r.Gemm,
            Memory = r.Memory,
            HostTransfers = r.HostTransfers,
            Collectives = r.Collectives,
            Skipped = r.Skipped,
            Warnings = r.Warnings,
            Environment = HostProbe.RelevantEnvironment(),
        };
    }

    /// <summary>Rank 0's document plus every other rank's devices and measurements.</summary>
    internal static BenchResult Merge(BenchResult root, IReadOnlyList<BenchResult> others)
    {
        var all = new[] { root }.Concat(others).ToList();
        var deviceOf = all.ToDictionary(r => r.Devices.FirstOrDefault()?.Rank ?? 0, r => r.Devices.FirstOrDefault()?.Index);
        var cluster = root.Cluster! with
        {
            Ranks = root.Cluster!.Ranks.Select(x => x with { Device = deviceOf.GetValueOrDefault(x.Rank) }).ToList(),
        };
        return root with
        {
            Devices = all.SelectMany(r => r.Devices).ToList(),
            Gemm = all.SelectMany(r => r.Gemm).ToList(),
            Memory = all.SelectMany(r => r.Memory).ToList(),
            HostTransfers = all.SelectMany(r => r.HostTransfers).ToList(),
            Collectives = all.SelectMany(r => r.Collectives).ToList(),
            Skipped = all.SelectMany(r => r.Skipped).Distinct().ToList(),
            Warnings = root.Warnings.Concat(others.SelectMany(o => o.Warnings.Select(w => $"rank {o.Devices.FirstOrDefault()?.Rank}: {w}"))).Distinct(StringComparer.Ordinal).ToList(),
            Cluster = cluster,
        };
    }
}
