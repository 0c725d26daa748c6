namespace CapacityPlanner.Persistence;

/// <summary>
/// A saved scenario: an immutable snapshot of a scenario document (and the page settings it was saved with), with
/// the headline results computed when it was saved so that lists need no re-estimation. Only the name changes after
/// saving; "edit" means duplicate and save anew. Deleting sets <see cref="DeletedUtc"/> (undo clears it).
/// </summary>
public sealed class SavedScenario : IOwnedRow
{
    /// <summary>Short random URL-safe id (<c>/s/{id}</c>).</summary>
    public required string Id { get; set; }

    /// <summary>Display name.</summary>
    public required string Name { get; set; }

    /// <summary>The scenario document, canonical compact JSON. Never changes after saving.</summary>
    public required string ScenarioJson { get; init; }

    /// <summary>Page settings saved with it, as a JSON object of strings; null when none.</summary>
    public string? PageSettingsJson { get; init; }

    /// <summary>Model preset id or model name, for lists.</summary>
    public string? ModelLabel { get; init; }

    /// <summary>Chip id (catalog id or the custom chip's id).</summary>
    public required string ChipId { get; init; }

    /// <summary>GPUs in the cluster.</summary>
    public long Gpus { get; init; }

    /// <summary>True when the estimated plan is valid and fits in memory.</summary>
    public bool Feasible { get; init; }

    /// <summary>Seconds per optimizer step, when the plan is structurally valid.</summary>
    public double? StepTimeSeconds { get; init; }

    /// <summary>Cluster tokens per second.</summary>
    public double? TokensPerSecond { get; init; }

    /// <summary>Model FLOPs utilisation (0–1).</summary>
    public double? Mfu { get; init; }

    /// <summary>Id of the scenario this one was duplicated from, if any.</summary>
    public string? DuplicatedFromId { get; init; }

    /// <summary>When it was saved (UTC).</summary>
    public DateTime CreatedUtc { get; init; }

    /// <summary>Last rename, delete or restore (UTC).</summary>
    public DateTime UpdatedUtc { get; set; }

    /// <summary>When it was deleted (UTC); null while it is live.</summary>
    public DateTime? DeletedUtc { get; set; }

    /// <summary>Optimistic concurrency token, replaced on every change.</summary>
    public Guid ConcurrencyStamp { get; set; }

    /// <summary>
    /// SHA-256 (hex) of the owner secret of whoever saved it; only its holder may rename, delete or restore it. Null for
    /// scenarios saved before ownership existed: owned by nobody, read-only.
    /// </summary>
    public string? OwnerHash { get; init; }
}

/// <summary>A benchmark result document uploaded by <c>capplan upload</c>, kept as uploaded, with searchable fingerprint columns.</summary>
public sealed class SavedBenchmark : IOwnedRow
{
    /// <summary>Short random URL-safe id.</summary>
    public required string Id { get; init; }

    /// <summary>When it was uploaded (UTC).</summary>
    public DateTime UploadedUtc { get; init; }

    /// <summary>When it was measured (the document's <c>createdUtc</c>, UTC).</summary>
    public DateTime? MeasuredUtc { get; init; }

    /// <summary>Producer (<c>capplan-bench</c>, <c>nccl-tests</c>, …).</summary>
    public required string Source { get; init; }

    /// <summary>Backend that measured (<c>cuda</c>, <c>cpu</c>, <c>import</c>).</summary>
    public required string Backend { get; init; }

    /// <summary>Host name of rank 0, when known.</summary>
    public string? Hostname { get; init; }

    /// <summary>CPU model of the host, when known.</summary>
    public string? CpuModel { get; init; }

    /// <summary>Name of the first GPU (or device), when known.</summary>
    public string? GpuName { get; init; }

    /// <summary>GPUs measured (devices of kind <c>gpu</c>).</summary>
    public int GpuCount { get; init; }

    /// <summary>NVIDIA driver version, when known.</summary>
    public string? DriverVersion { get; init; }

    /// <summary>CUDA driver API version, when known.</summary>
    public int? CudaDriverVersion { get; init; }

    /// <summary>SHA-256 (hex) of host, devices and driver: equal for results from the same machine set-up.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The document as uploaded (UTF-8 JSON).</summary>
    public required string DocumentJson { get; init; }

    /// <summary>UTF-8 size of the document.</summary>
    public int SizeBytes { get; init; }

    /// <summary>SHA-256 (hex) of the uploader's owner secret (API uploads); null: owned by nobody (page uploads, older rows).</summary>
    public string? OwnerHash { get; init; }
}

/// <summary>
/// A user-defined chip (hardware page, or a calibration registered from the Benchmarks page): its inline chip object
/// (the scenario document's <c>system.chip</c>), and, for a registered calibration, what to calibrate it again from.
/// Ids are unique regardless of case (<see cref="NormalizedId"/>).
/// </summary>
public sealed class SavedCustomChip
{
    /// <summary>The chip id as the user gave it (selects, URLs, scenario documents).</summary>
    public required string Id { get; set; }

    /// <summary>The id in lower case (invariant): unique, and what lookups compare.</summary>
    public required string NormalizedId { get; set; }

    /// <summary>The inline chip object (<c>CustomChipDefinition.ToJson</c>).</summary>
    public required string DefinitionJson { get; set; }

    /// <summary>When it was first saved (UTC).</summary>
    public DateTime CreatedUtc { get; set; }

    /// <summary>Last save or rename (UTC).</summary>
    public DateTime UpdatedUtc { get; set; }

    /// <summary>Stored benchmark result the profile was calibrated from; null for chips defined by hand.</summary>
    public string? ProfileBenchmarkId { get; set; }

    /// <summary>GEMM precision the profile was fitted to ("bf16"); null without a profile.</summary>
    public string? ProfilePrecision { get; set; }

    /// <summary>Whether the profile counted CPU-backend measurements; null without a profile.</summary>
    public bool? ProfileIncludeCpu { get; set; }

    /// <summary>When the profile was registered (UTC); null without a profile.</summary>
    public DateTime? ProfileRegisteredUtc { get; set; }

    /// <summary>SHA-256 (hex) of its creator's owner secret; null: owned by nobody (read-only over the API).</summary>
    public string? OwnerHash { get; set; }
}
