namespace CapacityPlanner.Web.Options;

/// <summary>Settings of the planner page, bound from the <c>Planner</c> configuration section.</summary>
public sealed class PlannerOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Planner";

    /// <summary>Model preset id the planner opens with (see <c>capplan presets</c>).</summary>
    public string DefaultPreset { get; set; } = "gpt3-175b";

    /// <summary>Catalog chip id the planner opens with (see <c>capplan chips</c>).</summary>
    public string DefaultChip { get; set; } = "a100-sxm-80gb";

    /// <summary>Largest scenario document, in UTF-8 bytes, the web app will estimate.</summary>
    public int MaxScenarioBytes { get; set; } = 1024 * 1024;

    /// <summary>Quiet time after the last edit before the estimate reruns; 0 runs it on every change.</summary>
    public int EstimateDebounceMilliseconds { get; set; } = 250;

    /// <summary>
    /// Edits closer together than this share one browser-history entry (typing "2048" is one step back, not four);
    /// an edit after a longer pause adds an entry, so Back and Ctrl+Z step through the edits. 0: every edit adds one.
    /// </summary>
    public int HistoryCoalesceMilliseconds { get; set; } = 1000;
}
