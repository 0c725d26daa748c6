using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Shared.Scenario;

namespace CapacityPlanner.Web.Shared.Chips;

/// <summary>What a create, replace or remove of a custom chip did.</summary>
public enum ChipWrite
{
    /// <summary>A new chip was created.</summary>
    Created,
    /// <summary>The existing chip was replaced.</summary>
    Replaced,
    /// <summary>The chip was removed.</summary>
    Removed,
    /// <summary>Nothing changed: the definition is invalid.</summary>
    Invalid,
    /// <summary>Nothing changed: the chip belongs to another owner (or to nobody).</summary>
    NotOwner,
    /// <summary>There is no such custom chip.</summary>
    NotFound,
}

/// <summary>A chip a page can offer: a catalog chip, or a custom one with its definition.</summary>
/// <param name="Id">Id used in selects, URLs and scenario documents.</param>
/// <param name="Spec">The resolved chip.</param>
/// <param name="Definition">The custom definition; null for catalog chips.</param>
public sealed record ChipOption(string Id, ChipSpec Spec, CustomChipDefinition? Definition)
{
    /// <summary>True for user-defined chips.</summary>
    public bool IsCustom => Definition is not null;

    /// <summary>"NVIDIA H100 SXM5 80GB (h100-sxm)".</summary>
    public string DisplayName => $"{Spec.Name} ({Id}){(IsCustom ? " · custom" : "")}";
}

/// <summary>Outcome of checking a custom chip.</summary>
/// <param name="Errors">Problems by JSON path (the form's fields use the same paths).</param>
/// <param name="Spec">The chip as the model sees it, when valid.</param>
public sealed record CustomChipCheck(IReadOnlyList<ScenarioError> Errors, ChipSpec? Spec)
{
    /// <summary>True when the chip can be saved.</summary>
    public bool IsValid => Errors.Count == 0 && Spec is not null;
}

/// <summary>
/// Every chip the pages offer: the shipped catalog followed by the custom chips of <see cref="ICustomChipStore"/>.
/// Custom chips are resolved by the contracts' own scenario resolver (an inline <c>system.chip</c> object), so what the
/// hardware page shows is what an estimate uses.
/// </summary>
public sealed partial class ChipDirectory
{
    private readonly ICustomChipStore _store;
    private readonly Lock _createOrReplaceLock = new();
    private readonly ConcurrentDictionary<string, ChipSpec> _resolved = new(StringComparer.Ordinal);

    /// <summary>Creates the directory over a store.</summary>
    public ChipDirectory(ICustomChipStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>Raised when custom chips change.</summary>
    public event Action? Changed
    {
        add => _store.Changed += value;
        remove => _store.Changed -= value;
    }

    /// <summary>Catalog chips then custom chips.</summary>
    public IReadOnlyList<ChipOption> Chips
    {
        get
        {
            var list = HardwareCatalog.Default.Chips.Select(c => new ChipOption(c.Id, c, null)).ToList();
            foreach (var custom in _store.All)
            {
                if (Resolve(custom) is { } spec) list.Add(new ChipOption(custom.Id, spec, custom));
            }
            return list;
        }
    }

    /// <summary>
    /// The chips a chip select lists (ids and names, in order) as one string: it changes when the list does (a custom
    /// chip added, renamed or removed), so a select that is not rendered again for nothing (<c>RenderGate</c>) still follows.
    /// </summary>
    public string ListSignature => string.Join('\n', Chips.Select(c => c.DisplayName));

    /// <summary>Custom chips only.</summary>
    public IReadOnlyList<CustomChipDefinition> CustomChips => _store.All;

    /// <summary>Looks a chip up by id: catalog first, then custom.</summary>
    public bool TryGet(string? id, out ChipOption chip)
    {
        chip = default!;
        if (string.IsNullOrWhiteSpace(id)) return false;
        if (HardwareCatalog.Default.TryGet(id, out var spec))
        {
            chip = new ChipOption(spec.Id, spec, null);
            return true;
        }
        if (_store.TryGet(id, out var custom) && Resolve(custom) is { } resolved)
        {
            chip = new ChipOption(custom.Id, resolved, custom);
            return true;
        }
        return false;
    }

    /// <summary>The custom definition for an id, or null for catalog and unknown chips.</summary>
    public CustomChipDefinition? CustomDefinition(string? id) =>
        id is not null && !HardwareCatalog.Default.TryGet(id, out _) && _store.TryGet(id, out var custom) ? custom : null;

    /// <summary>
    /// A scenario document whose <c>system.chip</c> names a custom chip of this server, with that chip's definition in
    /// its place (an inline chip object: what the API's callers get when they name a measured chip by id); any other
    /// document as it is. Catalog ids win over custom ones, as everywhere.
    /// </summary>
    public ScenarioDocument WithCustomChip(ScenarioDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return CustomDefinition(document.System.ChipId) is { } custom
            ? document with { System = document.System with { ChipId = null, CustomChip = custom.ToSection() } }
            : document;
    }

    /// <summary>
    /// <paramref name="scenarioJson"/> with a <c>system.chip</c> that names a custom chip (not a catalog id) replaced by that
    /// chip's inline object, written by the contracts' scenario writer in the canonical compact form, so that what is stored
    /// (a saved scenario, a measured run) keeps its meaning when the chip is changed or deleted. Text that does not parse, or
    /// names a catalog chip or no known chip, comes back as it is (its errors are the reader's to report).
    /// </summary>
    public static string InlineCustomChip(string scenarioJson, Func<string, CustomChipSection?>? customChip)
    {
        ArgumentNullException.ThrowIfNull(scenarioJson);
        if (customChip is null || ScenarioParser.Parse(scenarioJson).Document is not { System.ChipId: { } chipId } document) return scenarioJson;
        if (HardwareCatalog.Default.TryGet(chipId, out _) || customChip(chipId) is not { } inline) return scenarioJson;
        return ScenarioWriter.ToJson(document with { System = document.System with { ChipId = null, CustomChip = inline } }, indented: false);
    }

    /// <summary>Display text for an id ("NVIDIA A100 SXM4 80GB (a100-sxm-80gb)"); the id itself when unknown.</summary>
    public string DisplayName(string? id) => TryGet(id, out var chip) ? chip.DisplayName : id ?? "";

    /// <summary>Checks a definition: form bounds, a unique id, then the contracts' own resolution of the inline chip.</summary>
    /// <param name="chip">The definition.</param>
    /// <param name="previousId">The id it had before editing (an unchanged id is not a clash).</param>
    public CustomChipCheck Check(CustomChipDefinition chip, string? previousId = null)
    {
        ArgumentNullException.ThrowIfNull(chip);
        var errors = new List<ScenarioError>();
        var id = chip.Id?.Trim() ?? "";
        if (id.Length == 0)
        {
            errors.Add(new(CustomChipFields.IdPath, "Give the chip an id (letters, digits, '-', '_' or '.')."));
        }
        else if (!IdPattern().IsMatch(id))
        {
            errors.Add(new(CustomChipFields.IdPath, $"\"{id}\" is not a valid id: use 1–40 letters, digits, '-', '_' or '.', starting with a letter or digit."));
        }
        else if (HardwareCatalog.Default.TryGet(id, out _))
        {
            errors.Add(new(CustomChipFields.IdPath, $"\"{id}\" is a catalog chip; choose another id."));
        }
        else if (_store.TryGet(id, out _) && !string.Equals(id, previousId, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(new(CustomChipFields.IdPath, $"A custom chip \"{id}\" exists already."));
        }
        if (!string.IsNullOrWhiteSpace(chip.BaseOn) && !HardwareCatalog.Default.TryGet(chip.BaseOn, out _))
        {
            errors.Add(new(CustomChipFields.BaseOnPath, $"\"{chip.BaseOn}\" is not a catalog chip."));
        }
        Bound(CustomChipFields.PeakBf16, chip.PeakBf16Tflops, errors);
        Bound(CustomChipFields.PeakFp16, chip.PeakFp16Tflops, errors);
        Bound(CustomChipFields.PeakFp8, chip.PeakFp8Tflops, errors);
        Bound(CustomChipFields.HbmCapacity, chip.HbmCapacityGiB, errors);
        Bound(CustomChipFields.HbmBandwidth, chip.HbmBandwidthTBps, errors);
        Bound(CustomChipFields.Tdp, chip.TdpWatts, errors);
        Bound(CustomChipFields.ScaleUpBandwidth, chip.ScaleUpBandwidthGBps, errors);
        Bound(CustomChipFields.ScaleOut, chip.ScaleOutGbpsPerGpu, errors);
        Bound(CustomChipFields.GemmEfficiency, chip.GemmEfficiency, errors);
        Bound(CustomChipFields.HbmEfficiency, chip.HbmEfficiency, errors);
        if (CustomChipFields.ScaleUpDomain.Check(chip.ScaleUpDomainSize) is { } domainError)
        {
            errors.Add(new(CustomChipFields.ScaleUpDomain.Path, domainError));
        }
        if (errors.Count > 0) return new CustomChipCheck(errors, null);

        var (spec, coreErrors) = ResolveWithErrors(chip);
        return new CustomChipCheck(coreErrors, coreErrors.Count == 0 ? spec : null);
    }

    /// <summary>Saves a valid chip; returns the check (nothing is saved when it fails).</summary>
    public CustomChipCheck Save(CustomChipDefinition chip, string? previousId = null)
    {
        ArgumentNullException.ThrowIfNull(chip);
        chip.Id = chip.Id?.Trim() ?? "";
        var check = Check(chip, previousId);
        if (check.IsValid) _store.Save(chip, previousId);
        return check;
    }

    /// <summary>
    /// Creates or replaces the custom chip with <paramref name="chip"/>'s id (a replaced measured chip keeps its
    /// calibration profile). <paramref name="created"/> is true for exactly one of several concurrent calls that create
    /// the same new id (the others replace it), here and, through the store's unique key, across instances.
    /// </summary>
    /// <remarks>
    /// A new chip belongs to <paramref name="ownerHash"/>; an existing one may only be replaced by its owner
    /// or an <paramref name="administrator"/> (<see cref="ChipWrite.NotOwner"/> otherwise, nothing changed) and keeps its owner.
    /// </remarks>
    public (ChipWrite Outcome, CustomChipCheck Check) CreateOrReplace(CustomChipDefinition chip, string? ownerHash, bool administrator = false)
    {
        ArgumentNullException.ThrowIfNull(chip);
        chip.Id = chip.Id?.Trim() ?? "";
        lock (_createOrReplaceLock)
        {
            var existing = CustomDefinition(chip.Id);
            if (existing is not null && !administrator && !existing.IsOwnedBy(ownerHash)) return (ChipWrite.NotOwner, new CustomChipCheck([], null));
            chip.Profile = existing?.Profile;
            chip.OwnerHash = existing?.OwnerHash ?? ownerHash;
            var check = Check(chip, existing?.Id);
            if (!check.IsValid) return (ChipWrite.Invalid, check);
            return (_store.Save(chip, existing?.Id) ? ChipWrite.Created : ChipWrite.Replaced, check);
        }
    }

    /// <summary>Removes a custom chip if <paramref name="ownerHash"/> owns it (or for an <paramref name="administrator"/>).</summary>
    public ChipWrite RemoveOwned(string id, string? ownerHash, bool administrator = false)
    {
        lock (_createOrReplaceLock)
        {
            if (CustomDefinition(id) is not { } existing) return ChipWrite.NotFound;
            if (!administrator && !existing.IsOwnedBy(ownerHash)) return ChipWrite.NotOwner;
            return _store.Remove(id) ? ChipWrite.Removed : ChipWrite.NotFound;
        }
    }

    /// <summary>Removes a custom chip.</summary>
    public bool Remove(string id) => _store.Remove(id);

    private ChipSpec? Resolve(CustomChipDefinition chip)
    {
        var json = chip.ToJson();
        if (_resolved.TryGetValue(json, out var cached)) return cached;
        var (spec, errors) = ResolveWithErrors(chip);
        if (spec is null || errors.Count > 0) return null;
        _resolved[json] = spec;
        return spec;
    }

    // A minimal scenario around the inline chip, resolved by Core: the same defaults and checks as an estimate.
    private static (ChipSpec? Spec, IReadOnlyList<ScenarioError> Errors) ResolveWithErrors(CustomChipDefinition chip)
    {
        var input = new PlannerInput { PresetId = "llama3-8b", ChipId = chip.Id, Gpus = 1, Tensor = 1, Pipeline = 1, GlobalBatchSequences = 1 };
        var json = ScenarioDocumentBuilder.Build(input, chip, includeParallelism: false);
        var resolved = ScenarioResolver.ParseAndResolve(json);
        if (!resolved.Success)
        {
            var chipErrors = resolved.Errors.Where(e => e.Path.StartsWith("$.system.chip", StringComparison.Ordinal)).ToList();
            return (null, chipErrors.Count > 0 ? chipErrors : resolved.Errors);
        }
        return (resolved.Scenario!.System.Chip, []);
    }

    private static void Bound(DecimalFieldSpec field, double? value, List<ScenarioError> errors)
    {
        if (field.Check(value) is { } message) errors.Add(new(field.Path, message));
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
    private static partial Regex IdPattern();
}
