using System.Collections.Concurrent;
using System.Globalization;
using CapacityPlanner.Core;
using CapacityPlanner.Measurements;
using CapacityPlanner.Measurements.Calibration;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Features.Hardware;

using CapacityPlanner.Web.Api;
using Microsoft.Extensions.Options;
using CapacityPlanner.Web.Shared.Chips;

namespace CapacityPlanner.Web.Features.Benchmarks;

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
/// <param name="Implausible">Measurements the catalog chip its GPU name matches cannot have produced (left out of
/// calibrations); empty when none or when no chip matches.</param>
public sealed record BenchmarkRow(
    string Id, string Host, string Gpu, int GpuCount, string Backend, string Source, DateTime MeasuredUtc, DateTime UploadedUtc,
    double? BestGemmTflops, string? BestGemmDtype, double? BestMemoryGBps, double? BestBusbwGBps, IReadOnlyList<PlausibilityIssue> Implausible);

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
/// The registered chip is the contracts' inline chip of the calibration (<see cref="ChipCalibrator.ToInlineChip"/>): the
/// measured MAMF and HBM fractions, the measured GEMM size curve, and the measured bus efficiencies folded into its
/// effective link bandwidths (bandwidth × measured efficiency ÷ catalog efficiency, so that the product the collective
/// model uses is the measured one), so an estimate on it matches one on the calibrated chip (except where a CPU
/// "measurement" of a GPU falls below the smallest efficiency the editors accept). The custom-chip store is
/// the source of truth for which profiles exist: each registered chip carries its <see cref="CustomChipProfile"/>
/// (benchmark, precision, CPU results), and the full <see cref="RegisteredProfile"/> that <c>MeasuredComparison</c>
/// and the measured roofline use is rebuilt from the stored benchmark document by calibrating again (deterministic)
/// the first time it is asked for after a restart, then cached.
/// </remarks>
public sealed partial class BenchmarkCalibrationService(
    BenchmarkStore store, ChipDirectory chips, TimeProvider? time = null, ILogger<BenchmarkCalibrationService>? logger = null,
    IOptions<ApiOptions>? options = null)
{
    /// <summary>Infix of registered chip ids: "{base}-m-{benchmark id}".</summary>
    public const string IdInfix = "-m-";

    private readonly ConcurrentDictionary<ProfileKey, RegisteredProfile> _calibrations = new();
    private readonly ConcurrentDictionary<ProfileKey, bool> _warned = new();
    // Parsed documents, bounded by the total length of their JSON (Api:BenchmarkCacheBytes), least recently used out first.
    private readonly BoundedCache<string, BenchResult> _documents =
        new((options?.Value ?? new ApiOptions()).BenchmarkCacheBytes, StringComparer.Ordinal);

    /// <summary>The parsed-document cache (its weight is the JSON length of what it holds).</summary>
    public BoundedCache<string, BenchResult> DocumentCache => _documents;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

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
        _documents.Set(id, result, saved.DocumentJson.Length);
        return result;
    }

    /// <summary>
    /// Why <paramref name="caller"/> may not register a profile from the stored result <paramref name="benchmarkId"/>, or null
    /// when they may: a result someone uploaded with an owner token (or signed in) is theirs to calibrate (and an
    /// administrator's); one that belongs to nobody (page uploads, older rows) anyone may. The measured chip's id is derived
    /// from the result's, so whoever registers it first would otherwise keep its owner from ever registering their own.
    /// </summary>
    public async Task<string?> RegistrationRefusalAsync(string benchmarkId, Security.Caller caller, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var saved = await store.GetAsync(benchmarkId, cancellationToken);
        if (saved?.OwnerHash is null || caller.CanChange(saved.OwnerHash)) return null;
        return $"Benchmark result \"{benchmarkId}\" belongs to the person who uploaded it; only they (or an administrator) may register a measured chip from it. " +
            "Upload your own result (capplan upload) and calibrate that, or ask its owner to register the profile.";
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
            bestBus > 0 ? bestBus : null,
            doc is not null && Implausible(doc) is { } flags ? flags.Issues : []);
    }

    /// <summary>
    /// The measurements of a result that the catalog chip its GPU name matches (<see cref="SuggestChip"/>) cannot have
    /// produced (<see cref="BenchPlausibility"/>); null when no catalog chip matches (CPU results, unknown parts).
    /// </summary>
    public static (string ChipId, IReadOnlyList<PlausibilityIssue> Issues)? Implausible(BenchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return SuggestChip(result) is { } id && HardwareCatalog.Default.TryGet(id, out var chip)
            ? (id, BenchPlausibility.Check(result, chip))
            : null;
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
        // Core refuses hierarchical cross-node busbw (ChipCalibrator.HierarchicalScaleOutRefusal), as the CLI does.
        var calibration = ChipCalibrator.Calibrate(baseChip, [result], new CalibrationOptions
        {
            Precision = request.Precision,
            IncludeCpuResults = request.IncludeCpuResults,
            Id = ChipId(baseChip.Id, benchmarkId),
            Name = $"{baseChip.Name} (measured on {host})",
        });
        // A result from one part calibrating another is allowed (a close relative, a part the catalog lacks) but said.
        if (SuggestChip(result) is { } measured && !string.Equals(measured, baseChip.Id, StringComparison.OrdinalIgnoreCase)
            && result.Devices.FirstOrDefault(d => string.Equals(d.Kind, "gpu", StringComparison.OrdinalIgnoreCase)) is { } device)
        {
            calibration = calibration with
            {
                Warnings = [$"the result measured {device.Name}, which matches the catalog chip {measured}, not {baseChip.Id}: the profile carries that part's figures under {baseChip.Name}'s name.", .. calibration.Warnings],
            };
        }
        return calibration;
    }

    /// <summary>Id of the custom chip registered for a catalog chip and a stored result.</summary>
    public static string ChipId(string baseChipId, string benchmarkId)
    {
        var id = $"{baseChipId}{IdInfix}{benchmarkId}";
        return id.Length <= 40 ? id : id[^40..].TrimStart('-', '.', '_');
    }

    /// <summary>
    /// The custom chip that carries a calibration: the contracts' inline chip of it (<see cref="ChipCalibrator.ToInlineChip"/>,
    /// the same object <c>capplan bench calibrate --json</c> prints as <c>scenarioChip</c>), GEMM curve included.
    /// </summary>
    public static CustomChipDefinition Definition(CalibrationResult calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        return CustomChipDefinition.FromSection(ChipCalibrator.ToInlineChip(calibration));
    }

    /// <summary>
    /// Registers a calibration as a custom chip ("Use this profile"), with what it was calibrated from so that it can be
    /// rebuilt after a restart; returns the check of the chip directory (nothing is registered when it fails).
    /// </summary>
    /// <param name="benchmarkId">Stored result the calibration used.</param>
    /// <param name="calibration">The calibration (from <see cref="Calibrate"/> with <paramref name="request"/>).</param>
    /// <param name="request">What the calibration asked for.</param>
    /// <param name="ownerHash">Owner of a newly registered chip (an existing one keeps its owner); null: nobody.</param>
    public CustomChipCheck Register(string benchmarkId, CalibrationResult calibration, CalibrationRequest request, string? ownerHash = null)
    {
        ArgumentNullException.ThrowIfNull(benchmarkId);
        ArgumentNullException.ThrowIfNull(calibration);
        ArgumentNullException.ThrowIfNull(request);
        var definition = Definition(calibration);
        definition.Profile = new CustomChipProfile(benchmarkId, request.Precision, request.IncludeCpuResults, _time.GetUtcNow().UtcDateTime);
        var existing = chips.CustomDefinition(definition.Id);
        definition.OwnerHash = existing?.OwnerHash ?? ownerHash;
        var check = chips.Save(definition, existing is not null ? definition.Id : null);
        if (check.IsValid) _calibrations[ProfileKey.Of(definition, definition.Profile)] = new RegisteredProfile(definition.Id, benchmarkId, calibration, request.Precision);
        return check;
    }

    /// <summary>
    /// The newest registered profile for a chip id: the chip itself when it is a registered profile, else the newest
    /// profile whose base is that catalog chip; null when none (or its custom chip was removed since).
    /// </summary>
    public RegisteredProfile? FindProfile(string? chipId)
    {
        if (string.IsNullOrWhiteSpace(chipId)) return null;
        var registered = chips.CustomChips.Where(c => c.Profile is not null).ToList();
        var own = registered.FirstOrDefault(c => string.Equals(c.Id, chipId, StringComparison.OrdinalIgnoreCase));
        if (own is not null) return Profile(own);
        return registered
            .Where(c => string.Equals(c.BaseOn, chipId, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(c => c.Profile!.RegisteredUtc)
            .Select(Profile)
            .FirstOrDefault(p => p is not null);
    }

    /// <summary>Every registered profile that still exists as a custom chip, oldest registration first.</summary>
    public IReadOnlyList<RegisteredProfile> Profiles =>
        chips.CustomChips.Where(c => c.Profile is not null)
            .OrderBy(c => c.Profile!.RegisteredUtc)
            .Select(Profile)
            .OfType<RegisteredProfile>()
            .ToList();

    // The full profile of a registered chip: cached, or calibrated again from its stored benchmark document.
    private RegisteredProfile? Profile(CustomChipDefinition chip)
    {
        var profile = chip.Profile!;
        var key = ProfileKey.Of(chip, profile);
        if (_calibrations.TryGetValue(key, out var cached)) return cached;
        string? problem = null;
        if (string.IsNullOrWhiteSpace(chip.BaseOn) || !HardwareCatalog.Default.TryGet(chip.BaseOn, out _))
        {
            problem = $"its base chip \"{chip.BaseOn}\" is not in the catalog";
        }
        else if (LoadDocument(profile.BenchmarkId) is not { } document)
        {
            problem = $"the stored benchmark result \"{profile.BenchmarkId}\" is missing or unreadable";
        }
        else
        {
            var calibration = Calibrate(profile.BenchmarkId, document, new CalibrationRequest(chip.BaseOn, profile.Precision, profile.IncludeCpuResults));
            return _calibrations.GetOrAdd(key, new RegisteredProfile(chip.Id, profile.BenchmarkId, calibration, profile.Precision));
        }
        // Not cached: a database that was briefly unreachable must not hide the profile for good; warn only once.
        if (_warned.TryAdd(key, true)) LogProfileNotRebuilt(_logger, chip.Id, problem);
        return null;
    }

    // The parsed document of a stored result, read synchronously (profiles are looked up while pages render).
    private BenchResult? LoadDocument(string id)
    {
        if (_documents.TryGetValue(id, out var cached)) return cached;
        var saved = store.Get(id);
        if (saved is null || !BenchResultJson.TryDeserialize(saved.DocumentJson, out var result, out _) || result is null) return null;
        _documents.Set(id, result, saved.DocumentJson.Length);
        return result;
    }

    // What a rebuilt profile depends on: a renamed, re-based or re-registered chip is calibrated again.
    private sealed record ProfileKey(string ChipId, string BaseOn, string BenchmarkId, Precision Precision, bool IncludeCpu)
    {
        public static ProfileKey Of(CustomChipDefinition chip, CustomChipProfile profile) => new(
            chip.Id.ToLowerInvariant(), (chip.BaseOn ?? "").ToLowerInvariant(), profile.BenchmarkId, profile.Precision, profile.IncludeCpuResults);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The calibration profile of custom chip \"{ChipId}\" could not be rebuilt: {Problem}. The chip itself stays usable.")]
    private static partial void LogProfileNotRebuilt(ILogger logger, string chipId, string problem);

    private static string Normalise(string s) => s.ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal).Replace("nvidia", "", StringComparison.Ordinal);

    /// <summary>Invariant number text.</summary>
    internal static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
