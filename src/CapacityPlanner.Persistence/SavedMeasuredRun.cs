namespace CapacityPlanner.Persistence;

/// <summary>
/// A training run a user measured (Validation page, <c>POST /api/runs</c>): the scenario as it ran and what was measured,
/// so that the model's error on it is shown beside the published runs. Immutable once stored; deleting removes the row.
/// </summary>
public sealed class SavedMeasuredRun : IOwnedRow
{
    /// <summary>Short random URL-safe id.</summary>
    public required string Id { get; init; }

    /// <summary>Display name.</summary>
    public required string Name { get; init; }

    /// <summary>The scenario document, canonical compact JSON.</summary>
    public required string ScenarioJson { get; init; }

    /// <summary>What was measured: <c>stepTimeSeconds</c> or <c>tokensPerSecondPerGpu</c> (the validation case-file names).</summary>
    public required string Metric { get; init; }

    /// <summary>The measured value (seconds per step, or tokens per second per GPU).</summary>
    public double Measured { get; init; }

    /// <summary>Family to group it under (who ran it with which software); null for the default "user".</summary>
    public string? Family { get; init; }

    /// <summary>Free-text notes (how it was measured, what was assumed).</summary>
    public string? Notes { get; init; }

    /// <summary>When it was stored (UTC).</summary>
    public DateTime CreatedUtc { get; init; }

    /// <summary>
    /// Owner key of whoever stored it (SHA-256 of their owner secret, or a signed-in user's key); only they (or an
    /// administrator) may delete it or see it listed. Null for runs stored before runs had owners: read-only.
    /// </summary>
    public string? OwnerHash { get; init; }
}
