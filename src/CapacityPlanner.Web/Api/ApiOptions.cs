using System.Globalization;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Api;

/// <summary>Limits of the HTTP API, bound from the <c>Api</c> configuration section.</summary>
public sealed class ApiOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Api";

    /// <summary>Largest request body of the scenario endpoints, in bytes (larger: 413).</summary>
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest benchmark result document accepted by <c>POST /api/benchmarks</c>, in bytes.</summary>
    public int MaxBenchmarkBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Most memory, in bytes of document JSON, that parsed benchmark results may hold in the server's cache (least
    /// recently used ones are dropped and parsed again when needed).
    /// </summary>
    public long BenchmarkCacheBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Seconds a search, sweep or budget may run (waiting for a free slot included) before it is cancelled with 503.</summary>
    public double ComputeTimeoutSeconds { get; set; } = 10;

    /// <summary>Searches, sweeps and budgets run at once; 0 means one per processor.</summary>
    public int MaxConcurrentComputations { get; set; }

    /// <summary>The timeout as a <see cref="TimeSpan"/>.</summary>
    public TimeSpan ComputeTimeout => TimeSpan.FromSeconds(ComputeTimeoutSeconds);

    /// <summary>Concurrency actually used.</summary>
    public int EffectiveConcurrency => MaxConcurrentComputations > 0 ? MaxConcurrentComputations : Environment.ProcessorCount;

    /// <summary>The timeout as people write it ("10 s", "0.5 s").</summary>
    public string ComputeTimeoutText => ComputeTimeoutSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
}

/// <summary>Checks <see cref="ApiOptions"/> at start-up.</summary>
public sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = ApiOptions.SectionName;
        var failures = new List<string>();
        if (options.MaxRequestBytes is < 1024 or > 64 * 1024 * 1024)
            failures.Add($"{S}:MaxRequestBytes must be between 1024 and {64 * 1024 * 1024} bytes, got {options.MaxRequestBytes}.");
        if (options.MaxBenchmarkBytes is < 1024 or > 256 * 1024 * 1024)
            failures.Add($"{S}:MaxBenchmarkBytes must be between 1024 and {256 * 1024 * 1024} bytes, got {options.MaxBenchmarkBytes}.");
        if (options.BenchmarkCacheBytes is < 0 or > 16L * 1024 * 1024 * 1024)
            failures.Add($"{S}:BenchmarkCacheBytes must be between 0 (no cache) and {16L * 1024 * 1024 * 1024} bytes, got {options.BenchmarkCacheBytes}.");
        if (!double.IsFinite(options.ComputeTimeoutSeconds) || options.ComputeTimeoutSeconds is <= 0 or > 3600)
            failures.Add($"{S}:ComputeTimeoutSeconds must be more than 0 and at most 3600, got {options.ComputeTimeoutSeconds.ToString(CultureInfo.InvariantCulture)}.");
        if (options.MaxConcurrentComputations is < 0 or > 1024)
            failures.Add($"{S}:MaxConcurrentComputations must be between 0 (one per processor) and 1024, got {options.MaxConcurrentComputations}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
