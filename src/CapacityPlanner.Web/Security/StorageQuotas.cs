using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Api;
using CapacityPlanner.Web.Features.Hardware;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using CapacityPlanner.Web.Shared.Chips;

namespace CapacityPlanner.Web.Security;

/// <summary>
/// How much one owner and everybody together may store, bound from the <c>Quotas</c> section. A save over a count
/// answers 429, an upload over a byte quota 413, each with a problem that says which quota and how to free room.
/// Quotas are checked before the insert, so concurrent saves of one owner can pass a count by a few.
/// </summary>
public sealed class QuotaOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Quotas";

    /// <summary>Saved scenarios per owner (deleted ones count until purged).</summary>
    public int ScenariosPerOwner { get; set; } = 2_000;

    /// <summary>Saved scenarios in all.</summary>
    public int ScenariosTotal { get; set; } = 200_000;

    /// <summary>Custom and measured chips per owner.</summary>
    public int ChipsPerOwner { get; set; } = 100;

    /// <summary>Custom and measured chips in all.</summary>
    public int ChipsTotal { get; set; } = 5_000;

    /// <summary>Benchmark uploads per owner.</summary>
    public int BenchmarksPerOwner { get; set; } = 200;

    /// <summary>Bytes of benchmark documents per owner.</summary>
    public long BenchmarkBytesPerOwner { get; set; } = 256L << 20;

    /// <summary>Bytes of benchmark documents in all.</summary>
    public long BenchmarkBytesTotal { get; set; } = 8L << 30;

    /// <summary>Measured runs per owner.</summary>
    public int RunsPerOwner { get; set; } = 1_000;

    /// <summary>Measured runs in all.</summary>
    public int RunsTotal { get; set; } = 50_000;
}

/// <summary>Checks <see cref="QuotaOptions"/> at start-up.</summary>
public sealed class QuotaOptionsValidator : IValidateOptions<QuotaOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, QuotaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        void Check(string key, long perOwner, long total)
        {
            if (perOwner < 1) failures.Add($"{QuotaOptions.SectionName}:{key}PerOwner must be at least 1, got {perOwner}.");
            if (total < 1) failures.Add($"{QuotaOptions.SectionName}:{key}Total must be at least 1, got {total}.");
            if (perOwner > total) failures.Add($"{QuotaOptions.SectionName}:{key}PerOwner ({perOwner}) exceeds {key}Total ({total}).");
        }
        Check("Scenarios", options.ScenariosPerOwner, options.ScenariosTotal);
        Check("Chips", options.ChipsPerOwner, options.ChipsTotal);
        Check("BenchmarkBytes", options.BenchmarkBytesPerOwner, options.BenchmarkBytesTotal);
        Check("Runs", options.RunsPerOwner, options.RunsTotal);
        if (options.BenchmarksPerOwner < 1) failures.Add($"{QuotaOptions.SectionName}:BenchmarksPerOwner must be at least 1, got {options.BenchmarksPerOwner}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>A save refused by a quota: the status (429 for counts, 413 for bytes) and what to tell the caller.</summary>
/// <param name="Status">HTTP status.</param>
/// <param name="Message">Which quota, how full, what to do.</param>
public sealed record QuotaDenial(int Status, string Message)
{
    /// <summary>The problem-details answer.</summary>
    public IResult ToResult() => ApiProblems.Problem(Status, "Storage quota reached", Message);
}

/// <summary>Checks the <see cref="QuotaOptions"/> before a save (API and pages alike).</summary>
public sealed class StorageQuotas(IDbContextFactory<CapacityPlannerDbContext> contexts, ChipDirectory chips, IOptionsMonitor<QuotaOptions> options)
{
    /// <summary>Null when <paramref name="ownerKey"/> may save one more scenario.</summary>
    public async Task<QuotaDenial?> ScenarioAsync(string? ownerKey, CancellationToken cancellationToken = default)
    {
        var q = options.CurrentValue;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return Count("saved scenarios", ownerKey is null ? 0 : await db.Scenarios.CountAsync(s => s.OwnerHash == ownerKey, cancellationToken), q.ScenariosPerOwner,
                   await db.Scenarios.CountAsync(cancellationToken), q.ScenariosTotal, "delete some on the Saved page or with DELETE /api/scenarios/{id}");
    }

    /// <summary>Null when <paramref name="ownerKey"/> may store one more measured run.</summary>
    public async Task<QuotaDenial?> RunAsync(string? ownerKey, CancellationToken cancellationToken = default)
    {
        var q = options.CurrentValue;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return Count("measured runs", ownerKey is null ? 0 : await db.MeasuredRuns.CountAsync(r => r.OwnerHash == ownerKey, cancellationToken), q.RunsPerOwner,
                   await db.MeasuredRuns.CountAsync(cancellationToken), q.RunsTotal, "delete some with DELETE /api/runs/{id}");
    }

    /// <summary>Null when <paramref name="ownerKey"/> may create one more custom chip.</summary>
    public QuotaDenial? Chip(string? ownerKey)
    {
        var q = options.CurrentValue;
        var all = chips.CustomChips;
        return Count("custom chips", ownerKey is null ? 0 : all.Count(c => c.OwnerHash == ownerKey), q.ChipsPerOwner, all.Count, q.ChipsTotal,
            "delete some on the Hardware page or with DELETE /api/chips/{id}");
    }

    /// <summary>Null when <paramref name="ownerKey"/> may upload a benchmark document of <paramref name="bytes"/> bytes.</summary>
    public async Task<QuotaDenial?> BenchmarkAsync(string? ownerKey, long bytes, CancellationToken cancellationToken = default)
    {
        var q = options.CurrentValue;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (ownerKey is not null)
        {
            var mine = db.Benchmarks.Where(b => b.OwnerHash == ownerKey);
            var count = await mine.CountAsync(cancellationToken);
            if (count >= q.BenchmarksPerOwner)
            {
                return new QuotaDenial(StatusCodes.Status429TooManyRequests,
                    $"You have stored {count:N0} benchmark uploads; each owner may store {q.BenchmarksPerOwner:N0}.");
            }
            var myBytes = await mine.SumAsync(b => (long)b.SizeBytes, cancellationToken);
            if (myBytes + bytes > q.BenchmarkBytesPerOwner)
            {
                return new QuotaDenial(StatusCodes.Status413PayloadTooLarge,
                    $"Your benchmark uploads take {Mib(myBytes)}; with this {Mib(bytes)} document they would exceed the {Mib(q.BenchmarkBytesPerOwner)} each owner may store.");
            }
        }
        var total = await db.Benchmarks.SumAsync(b => (long)b.SizeBytes, cancellationToken);
        return total + bytes > q.BenchmarkBytesTotal
            ? new QuotaDenial(StatusCodes.Status413PayloadTooLarge,
                $"The server's benchmark storage is full ({Mib(total)} of {Mib(q.BenchmarkBytesTotal)}); ask the operator to raise {QuotaOptions.SectionName}:BenchmarkBytesTotal or remove old uploads.")
            : null;
    }

    private static QuotaDenial? Count(string what, int mine, int perOwner, int total, int totalLimit, string howToFree)
    {
        if (mine >= perOwner)
            return new QuotaDenial(StatusCodes.Status429TooManyRequests, $"You have stored {mine:N0} {what}; each owner may store {perOwner:N0}: {howToFree}.");
        if (total >= totalLimit)
            return new QuotaDenial(StatusCodes.Status429TooManyRequests,
                $"The server stores its maximum of {totalLimit:N0} {what}; ask the operator to raise the quota (section {QuotaOptions.SectionName}) or remove old ones.");
        return null;
    }

    private static string Mib(long bytes) => $"{bytes / (1024.0 * 1024):0.#} MiB";
}
