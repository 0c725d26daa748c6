using System.Diagnostics;
using CapacityPlanner.Measurements;

namespace CapacityPlanner.Runner;

/// <summary>How long and how often one test is warmed up and timed.</summary>
/// <param name="MinWarmup">Warm-up iterations always run.</param>
/// <param name="MaxWarmup">Warm-up stops here even if timings are not yet stable.</param>
/// <param name="WarmupSeconds">Warm-up stops after this long even if not stable.</param>
/// <param name="StableTolerance">Warm-up is stable when the last three iterations lie within this fraction of their median.</param>
/// <param name="Repetitions">Timed iterations.</param>
/// <param name="MaxTimedSeconds">Timing stops after this long (keeping at least three samples).</param>
/// <param name="SustainedSeconds">Length of the back-to-back window for the sustained figure (0: none).</param>
internal sealed record HarnessSettings(
    int MinWarmup,
    int MaxWarmup,
    double WarmupSeconds,
    double StableTolerance,
    int Repetitions,
    double MaxTimedSeconds,
    double SustainedSeconds)
{
    public static HarnessSettings Quick { get; } = new(2, 12, 1.0, 0.05, 7, 2.0, 0.25);
    public static HarnessSettings Full { get; } = new(5, 60, 8.0, 0.03, 25, 15.0, 2.0);
}

/// <summary>What the harness measured for one test.</summary>
/// <param name="Time">Statistics of the timed iterations (seconds each).</param>
/// <param name="WarmupIterations">Warm-up iterations run.</param>
/// <param name="Stable">True when warm-up reached stable timings.</param>
/// <param name="SustainedSecondsPerIteration">Mean time per iteration over the sustained window, when measured.</param>
/// <param name="SustainedWindowSeconds">Length of that window.</param>
internal sealed record HarnessResult(SampleStats Time, int WarmupIterations, bool Stable, double? SustainedSecondsPerIteration, double? SustainedWindowSeconds)
{
    /// <summary>
    /// A GEMM measurement with this result's timing and the throughputs derived from it (median, mean, burst = fastest
    /// iteration, sustained = the back-to-back window); the backend adds what it ran (shape, kernel, layout, fill).
    /// </summary>
    public GemmMeasurement Gemm(int rank, int device, string dtype, long m, long n, long k) => new()
    {
        Rank = rank,
        Device = device,
        Dtype = dtype,
        M = m,
        N = n,
        K = k,
        Flops = 2.0 * m * n * k,
        CacheFlushed = true,
        WarmupIterations = WarmupIterations,
        WarmupStable = Stable,
        Time = Time,
        MedianTflops = 2.0 * m * n * k / Time.Median / 1e12,
        MeanTflops = 2.0 * m * n * k / Time.Mean / 1e12,
        BurstTflops = 2.0 * m * n * k / Time.Min / 1e12,
        SustainedTflops = SustainedSecondsPerIteration is { } s ? 2.0 * m * n * k / s / 1e12 : null,
        SustainedWindowSeconds = SustainedWindowSeconds,
    };
}

/// <summary>
/// Warm-up until stable, repeated timing with an untimed cache flush before each iteration, then a back-to-back
/// window for a sustained figure (methodology notes §8: clocks warm up, report median with min/max/spread, burst
/// and sustained, flush caches between iterations).
/// </summary>
internal static class Harness
{
    /// <param name="settings">Settings.</param>
    /// <param name="timedOnce">Runs one iteration and returns its duration in seconds.</param>
    /// <param name="flush">Runs before each timed iteration, outside the timing (cache flush); may be null.</param>
    /// <param name="timedBatch">Runs n iterations back to back and returns their total seconds; null: no sustained figure.</param>
    public static HarnessResult Run(HarnessSettings settings, Func<double> timedOnce, Action? flush = null, Func<int, double>? timedBatch = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(timedOnce);
        var warm = new List<double>();
        var clock = Stopwatch.StartNew();
        var stable = false;
        while (warm.Count < settings.MaxWarmup)
        {
            flush?.Invoke();
            warm.Add(timedOnce());
            if (warm.Count >= Math.Max(3, settings.MinWarmup) && IsStable(warm, settings.StableTolerance))
            {
                stable = true;
                break;
            }
            if (warm.Count >= settings.MinWarmup && clock.Elapsed.TotalSeconds >= settings.WarmupSeconds) break;
        }

        var samples = new List<double>(settings.Repetitions);
        clock.Restart();
        while (samples.Count < settings.Repetitions)
        {
            flush?.Invoke();
            samples.Add(timedOnce());
            if (samples.Count >= 3 && clock.Elapsed.TotalSeconds >= settings.MaxTimedSeconds) break;
        }
        var stats = SampleStats.From(samples);

        double? sustained = null, window = null;
        if (timedBatch is not null && settings.SustainedSeconds > 0 && stats.Median > 0)
        {
            var n = (int)Math.Clamp(Math.Ceiling(settings.SustainedSeconds / stats.Median), 1, 1_000_000);
            var total = timedBatch(n);
            if (total > 0)
            {
                sustained = total / n;
                window = total;
            }
        }
        return new HarnessResult(stats, warm.Count, stable, sustained, window);
    }

    private static bool IsStable(List<double> times, double tolerance)
    {
        var last = times.Skip(times.Count - 3).OrderBy(x => x).ToArray();
        var median = last[1];
        return median > 0 && (last[2] - last[0]) / median <= tolerance;
    }

    /// <summary>Wall-clock seconds of an action.</summary>
    public static double Time(Action action)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
