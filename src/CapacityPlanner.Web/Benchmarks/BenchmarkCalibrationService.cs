using System.Collections.Concurrent;
using System.Globalization;
using CapacityPlanner.Core.Benchmarks;
using CapacityPlanner.Core.Calibration;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core;
using CapacityPlanner.Web.Hardware;
using CapacityPlanner.Web.Persistence;

namespace CapacityPlanner.Web.Benchmarks;

/// <summary>One uploaded result as the Benchmarks page lists it, with its headline figures.</summary>
/// <param name="Id">Stored id.</param>
/// <param name="Host">Host name (or "unknown host").</param>
/// <param name="Gpu">GPU name (the CPU for the CPU backend).</param>
/// <param name="GpuCount">GPUs in the result.</param>
/// <param name="Backend">cuda, cpu or import.</param>
/// <param name="Source">Producer.</param>
/// <param name="MeasuredUtc">When it was measured (uploaded when unknown).</param>
/// <param name="UploadedUtc">When it was uploaded.</param>
/// <param name="BestGemmTflops">Best median GEMM TFLOP/s over every dtype and shape; null when none.</param>
/// <param name="BestGemmDtype">Dtype of that GEMM.</param>
/// <param name="BestMemoryGBps">Best device-memory GB/s (traffic counted as moved); null when none.</param>
/// <param name="BestBusbwGBps">Best collective bus bandwidth; null when none.</param>
public sealed record BenchmarkRow(
    string Id, string Host, string Gpu, int GpuCount, string Backend, string Source, DateTime MeasuredUtc, DateTime UploadedUtc,
    double? BestGemmTflops, string? BestGemmDtype, double? BestMemoryGBps, double? BestBusbwGBps);

/// <summary>A calibrated profile that was registered as a custom chip.</summary>
/// <param name="ChipId">Custom chip id in <see cref="ICustomChipStore"/>.</param>
/// <param name="BenchmarkId">Stored result it came from.</param>
/// <param name="Calibration">The full calibration (its chip carries the GEMM curve and bus efficiencies).</param>
/// <param name="Precision">The GEMM precision it was fitted to.</param>
public sealed record RegisteredProfile(string ChipId, string BenchmarkId, CalibrationResult Calibration, Precision Precision);

/// <summary>What a calibration request asks for.</summary>
/// <param name="BaseChipId">Catalog chip that was measured.</param>
/// <param name="Precision">GEMM precision to fit.</param>
/// <param name="IncludeCpuResults">Count CPU-backend measurements (demos and tests only).</param>
public sealed record CalibrationRequest(string BaseChipId, Precision Precision, bool IncludeCpuResults);

/// <summary>
/// The Benchmarks page's services: lists uploaded results (<see cref="BenchmarkStore"/>) with their headline figures,
/// calibrates a catalog chip from one (<see cref="ChipCalibrator"/>), and registers the profile as a custom chip in
/// <see cref="ICustomChipStore"/> so that every page (estimates, search, sweeps, budgets) can pick it.
/// </summary>
/// <remarks>
/// A custom chip (the inline <c>system.chip</c> object) carries a GEMM efficiency and an HBM efficiency but no GEMM
/// size curve and no bus efficiencies. The registered chip gets the measured MAMF and HBM fractions, and the measured
/// bus efficiencies folded into its effective link bandwidths (bandwidth × measured efficiency ÷ catalog efficiency, so
/// that the product the collective model uses is the measured one). The full profile, curve included, is kept here
/// and used by <c>MeasuredComparison</c>.
/// </remarks>
public sealed class BenchmarkCalibrationService(BenchmarkStore store, ChipDirectory chips, TimeProvider? time = null)
{
    /// <summary>Infix of registered chip ids: "{base}-m-{benchmark id}".</summary>
    public const string IdInfix = "-m-";

    private readonly ConcurrentDictionary<string, (RegisteredProfile Profile, DateTimeOffset At)> _profiles = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, BenchResult> _documents = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Newest uploads first, with headline figures (documents are parsed once and cached).</summary>
    public async Task<IReadOnlyList<BenchmarkRow>> ListAsync(int max = 100, CancellationToken cancellationToken = default)
    {
        var page = await store.ListAsync(1, Math.Clamp(max, 1, ScenarioStore.MaxPageSize), cancellationToken: cancellationToken);
        var rows = new List<BenchmarkRow>(page.Items.Count);
        foreach (var saved in page.Items)
        {
            var doc = await LoadAsync(saved.Id, cancellationToken);
            rows.Add(Row(saved, doc));
        }
        return rows;
    }

    /// <summary>The parsed document of a stored result, or null.</summary>
    public async Task<BenchResult?> LoadAsync(string id, CancellationToken cancellationToken = default)
    {
        if (_documents.TryGetValue(id, out var cached)) return cached;
        var saved = await store.GetAsync(id, cancellationToken);
        if (saved is null || !BenchResultJson.TryDeserialize(saved.DocumentJson, out var result, out _) || result is null) return null;
        _documents[id] = result;
        return result;
    }

    /// <summary>The row of a stored result and its document.</summary>
    public static BenchmarkRow Row(SavedBenchmark saved, BenchResult? doc)
    {
        ArgumentNullException.ThrowIfNull(saved);
        var bestGemm = doc?.Gemm.Where(g => g.MedianTflops > 0).MaxBy(g => g.MedianTflops);
        var bestMemory = doc?.Memory.Where(m => m.MedianGBps > 0 && m.Kind != "host").Select(m => m.MedianGBps * m.TrafficFactor).DefaultIfEmpty().Max();
        var bestBus = doc?.Collectives.Where(c => c.BusbwGBps > 0).Select(c => c.BusbwGBps).DefaultIfEmpty().Max();
        return new BenchmarkRow(
            saved.Id,
            saved.Hostname ?? doc?.Host?.Hostname ?? "unknown host",
            saved.GpuName ?? "unknown device",
            saved.GpuCount,
            saved.Backend,
            saved.Source,
            saved.MeasuredUtc ?? saved.UploadedUtc,
            saved.UploadedUtc,
            bestGemm?.MedianTflops,
            bestGemm?.Dtype,
            bestMemory > 0 ? bestMemory : null,
            bestBus > 0 ? bestBus : null);
    }

    /// <summary>
    /// The catalog chip a result measured, matched by GPU name (tokens of the catalog name or id found in the device
    /// name, best overlap wins, memory size breaks ties); null when nothing matches (CPU results, unknown parts).
    /// </summary>
    public static string? SuggestChip(BenchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var device = result.Devices.FirstOrDefault(d => string.Equals(d.Kind, "gpu", StringComparison.OrdinalIgnoreCase));
        if (device is null || string.IsNullOrWhiteSpace(device.Name)) return null;
        var name = Normalise(device.Name);
        var memGiB = device.MemoryBytes is { } b ? b / (1024.0 * 1024 * 1024) : (double?)null;
        var best = HardwareCatalog.Default.Chips
            .Select(c =>
            {
                var idTokens = c.Id.Split('-', StringSplitOptions.RemoveEmptyEntries);
                var family = idTokens[0];
                if (!name.Contains(family, StringComparison.Ordinal)) return (Chip: c, Score: -1.0);
                var score = idTokens.Skip(1).Count(t => name.Contains(t, StringComparison.Ordinal)) + 1.0;
                if (memGiB is { } m) score -= Math.Abs(c.HbmCapacityGiB - m) / 1000.0;
                return (Chip: c, Score: score);
            })
            .Where(x => x.Score > 0)
            .OrderByDescending(x => x.Score)
            .FirstOrDefault();
        return best.Chip?.Id;
    }

    /// <summary>The precision a result measured most GEMMs in (bf16 when it has none that the model knows).</summary>
    public static Precision SuggestPrecision(BenchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        foreach (var dtype in result.Gemm.GroupBy(g => g.Dtype, StringComparer.OrdinalIgnoreCase).OrderByDescending(g => g.Count()).Select(g => g.Key))
        {
            if (PrecisionExtensions.TryParse(dtype, out var p)) return p;
        }
        return Precision.Bf16;
    }

    /// <summary>Calibrates a catalog chip with one stored result.</summary>
    public CalibrationResult Calibrate(string benchmarkId, BenchResult result, CalibrationRequest request)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(request);
        if (!HardwareCatalog.Default.TryGet(request.BaseChipId, out var baseChip))
        {
            throw new ArgumentException($"\"{request.BaseChipId}\" is not a catalog chip.", nameof(request));
        }
        var host = result.Host?.Hostname ?? "unknown host";
        return ChipCalibrator.Calibrate(baseChip, [result], new CalibrationOptions
        {
            Precision = request.Precision,
            IncludeCpuResults = request.IncludeCpuResults,
            Id = ChipId(baseChip.Id, benchmarkId),
            Name = $"{baseChip.Name} (measured on {host})",
        });
    }

    /// <summary>Id of the custom chip registered for a catalog chip and a stored result.</summary>
    public static string ChipId(string baseChipId, string benchmarkId)
    {
        var id = $"{baseChipId}{IdInfix}{benchmarkId}";
        return id.Length <= 40 ? id : id[^40..].TrimStart('-', '.', '_');
    }

    /// <summary>The custom chip that carries a calibration (what fits the inline chip object).</summary>
    public static CustomChipDefinition Definition(CalibrationResult calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        var b = calibration.BaseChip;
        var c = calibration.Chip;
        var definition = new CustomChipDefinition
        {
            Id = c.Id,
            Name = c.Name,
            BaseOn = b.Id,
            GemmEfficiency = Fraction(c.Efficiency.GemmMaxFraction),
            HbmEfficiency = Fraction(c.Efficiency.HbmFraction),
        };
        if (calibration.ScaleUpBusEfficiency is { } up && b.ScaleUp.BusBandwidthEfficiency > 0)
        {
            definition.ScaleUpBandwidthGBps = Round(b.ScaleUp.BandwidthBytesPerSecondPerDirection / Units.GB * up / b.ScaleUp.BusBandwidthEfficiency);
        }
        if (calibration.ScaleOutEfficiency is { } so && b.ScaleOut.Efficiency > 0)
        {
            definition.ScaleOutGbpsPerGpu = Round(b.ScaleOut.NicBitsPerSecondPerGpu / 1e9 * so / b.ScaleOut.Efficiency);
        }
        return definition;
    }

    /// <summary>Registers a calibration as a custom chip ("Use this profile"); returns the check of the chip directory.</summary>
    public CustomChipCheck Register(string benchmarkId, CalibrationResult calibration, Precision precision)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        var definition = Definition(calibration);
        var check = chips.Save(definition, chips.CustomDefinition(definition.Id) is not null ? definition.Id : null);
        if (check.IsValid) _profiles[definition.Id] = (new RegisteredProfile(definition.Id, benchmarkId, calibration, precision), _time.GetUtcNow());
        return check;
    }

    /// <summary>
    /// The newest registered profile for a chip id: the chip itself when it is a registered profile, else the newest
    /// profile whose base is that catalog chip; null when none (or its custom chip was removed since).
    /// </summary>
    public RegisteredProfile? FindProfile(string? chipId)
    {
        if (string.IsNullOrWhiteSpace(chipId)) return null;
        var live = _profiles.Values.Where(p => chips.CustomDefinition(p.Profile.ChipId) is not null).ToList();
        var own = live.FirstOrDefault(p => string.Equals(p.Profile.ChipId, chipId, StringComparison.OrdinalIgnoreCase));
        if (own.Profile is not null) return own.Profile;
        return live.Where(p => string.Equals(p.Profile.Calibration.BaseChip.Id, chipId, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(p => p.At).Select(p => p.Profile).FirstOrDefault();
    }

    /// <summary>Every registered profile that still exists as a custom chip.</summary>
    public IReadOnlyList<RegisteredProfile> Profiles =>
        _profiles.Values.Where(p => chips.CustomDefinition(p.Profile.ChipId) is not null).OrderBy(p => p.At).Select(p => p.Profile).ToList();

    // The custom-chip form accepts efficiencies in [0.01, 1]; a CPU "measurement" of a GPU falls below.
    private static double Fraction(double value) => Math.Round(Math.Clamp(value, 0.01, 1.0), 4);

    private static double Round(double value) => Math.Max(1, Math.Round(value, 1));

    private static string Normalise(string s) => s.ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal).Replace("nvidia", "", StringComparison.Ordinal);

    /// <summary>Invariant number text.</summary>
    internal static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
