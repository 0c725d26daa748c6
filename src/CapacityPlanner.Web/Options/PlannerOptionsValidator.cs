using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Workload;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Options;

/// <summary>Checks <see cref="PlannerOptions"/> at start-up: ids must exist in Core, limits must be sensible.</summary>
internal sealed class PlannerOptionsValidator : IValidateOptions<PlannerOptions>
{
    internal const int MinScenarioBytes = 1024;
    internal const int MaxScenarioBytesLimit = 16 * 1024 * 1024;
    internal const int MaxDebounceMilliseconds = 5000;

    public ValidateOptionsResult Validate(string? name, PlannerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string S = PlannerOptions.SectionName;
        if (!ModelPresets.TryGet(options.DefaultPreset ?? "", out _))
        {
            failures.Add($"{S}:{nameof(options.DefaultPreset)} \"{options.DefaultPreset}\" is not a model preset; known presets: {string.Join(", ", ModelPresets.Ids)}.");
        }
        if (!HardwareCatalog.Default.TryGet(options.DefaultChip ?? "", out _))
        {
            failures.Add($"{S}:{nameof(options.DefaultChip)} \"{options.DefaultChip}\" is not a catalog chip; known chips: {string.Join(", ", HardwareCatalog.Default.Ids)}.");
        }
        if (options.MaxScenarioBytes is < MinScenarioBytes or > MaxScenarioBytesLimit)
        {
            failures.Add($"{S}:{nameof(options.MaxScenarioBytes)} must be between {MinScenarioBytes} and {MaxScenarioBytesLimit} bytes, got {options.MaxScenarioBytes}.");
        }
        if (options.HistoryCoalesceMilliseconds is < 0 or > 60_000)
        {
            failures.Add($"{S}:{nameof(options.HistoryCoalesceMilliseconds)} must be between 0 and 60000 ms, got {options.HistoryCoalesceMilliseconds}.");
        }
        if (options.EstimateDebounceMilliseconds is < 0 or > MaxDebounceMilliseconds)
        {
            failures.Add($"{S}:{nameof(options.EstimateDebounceMilliseconds)} must be between 0 and {MaxDebounceMilliseconds} ms, got {options.EstimateDebounceMilliseconds}.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
