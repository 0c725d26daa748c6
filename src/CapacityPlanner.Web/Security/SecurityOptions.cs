using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Security;

/// <summary>Per-client request limits of the API, bound from the <c>RateLimits</c> section.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "RateLimits";

    /// <summary>False turns the limits off (a deployment with its own limits in front).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Length of the fixed window the limits count in, in seconds.</summary>
    public int WindowSeconds { get; set; } = 60;

    /// <summary>
    /// Writes per client and window: saves, renames, duplicates, deletes and restores of scenarios, chip PUT and
    /// DELETE, benchmark uploads.
    /// </summary>
    public int WritesPerWindow { get; set; } = 60;

    /// <summary>Heavy computations per client and window: search, sweep, budget and calibrate.</summary>
    public int ComputationsPerWindow { get; set; } = 30;
}

/// <summary>Which other origins may call the API from a browser (none by default), bound from the <c>Cors</c> section.</summary>
public sealed class CorsSettings
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Cors";

    /// <summary>Origins such as <c>https://tools.example.com</c> allowed to call the API, reads and writes; empty: none.</summary>
    public IList<string> AllowedOrigins { get; } = [];
}

/// <summary>Checks <see cref="RateLimitOptions"/> at start-up.</summary>
public sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = RateLimitOptions.SectionName;
        var failures = new List<string>();
        if (options.WindowSeconds is < 1 or > 86_400)
            failures.Add($"{S}:WindowSeconds must be between 1 and 86400, got {options.WindowSeconds}.");
        if (options.WritesPerWindow is < 1 or > 10_000_000)
            failures.Add($"{S}:WritesPerWindow must be between 1 and 10000000, got {options.WritesPerWindow}.");
        if (options.ComputationsPerWindow is < 1 or > 10_000_000)
            failures.Add($"{S}:ComputationsPerWindow must be between 1 and 10000000, got {options.ComputationsPerWindow}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Checks <see cref="CorsSettings"/> at start-up.</summary>
public sealed class CorsSettingsValidator : IValidateOptions<CorsSettings>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, CorsSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bad = options.AllowedOrigins
            .Where(o => !Uri.TryCreate(o, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https") || u.PathAndQuery != "/" || o.EndsWith('/'))
            .ToList();
        return bad.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{CorsSettings.SectionName}:AllowedOrigins must be origins such as https://tools.example.com (scheme, host, optional port; no path), got: {string.Join(", ", bad)}.");
    }
}
