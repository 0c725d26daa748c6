using System.Security.Cryptography;
using System.Text;
using CapacityPlanner.Measurements;
using Microsoft.EntityFrameworkCore;

namespace CapacityPlanner.Persistence;

/// <summary>Uploaded benchmark result documents (<c>capplan upload</c>): store as uploaded, get, list newest first.</summary>
public sealed class BenchmarkStore(IDbContextFactory<CapacityPlannerDbContext> contexts, TimeProvider time)
{
    /// <summary>Stores a validated document (<paramref name="documentJson"/> is kept byte for byte) and returns the row.</summary>
    public Task<SavedBenchmark> SaveAsync(BenchResult result, string documentJson, CancellationToken cancellationToken = default) =>
        SaveOwnedAsync(result, documentJson, null, cancellationToken);

    /// <summary>Like <see cref="SaveAsync"/>, owned by the holder of the secret hashed as <paramref name="ownerHash"/>.</summary>
    public async Task<SavedBenchmark> SaveOwnedAsync(BenchResult result, string documentJson, string? ownerHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(documentJson);
        var gpus = result.Devices.Where(d => string.Equals(d.Kind, "gpu", StringComparison.OrdinalIgnoreCase)).ToList();
        var first = gpus.FirstOrDefault() ?? result.Devices.FirstOrDefault();
        for (var attempt = 1; ; attempt++)
        {
            var entity = new SavedBenchmark
            {
                Id = ShortId.New(),
                UploadedUtc = time.GetUtcNow().UtcDateTime,
                MeasuredUtc = result.CreatedUtc == default ? null : result.CreatedUtc.UtcDateTime,
                Source = Cut(result.Source, 64)!,
                Backend = Cut(result.Backend, 32)!,
                Hostname = Cut(result.Host?.Hostname, 255),
                CpuModel = Cut(result.Host?.CpuModel, 255),
                GpuName = Cut(first?.Name, 255),
                GpuCount = gpus.Count,
                DriverVersion = Cut(result.Software?.DriverVersion, 64),
                CudaDriverVersion = result.Software?.CudaDriverVersion,
                Fingerprint = Fingerprint(result),
                DocumentJson = documentJson,
                SizeBytes = Encoding.UTF8.GetByteCount(documentJson),
                OwnerHash = ownerHash,
            };
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            db.Benchmarks.Add(entity);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return entity;
            }
            catch (DbUpdateException) when (attempt < 5)
            {
                // Only an id collision can make an insert of a fresh row fail here; retry with a new id.
            }
        }
    }

    /// <summary>The document with this id, or null.</summary>
    public async Task<SavedBenchmark?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!ShortId.IsWellFormed(id)) return null;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Benchmarks.FirstOrDefaultAsync(b => b.Id == id, cancellationToken);
    }

    /// <summary>
    /// The document with this id, or null, read synchronously: for services whose callers render (the registered
    /// calibration profiles are rebuilt from their document on first use after a restart).
    /// </summary>
    public SavedBenchmark? Get(string id)
    {
        if (!ShortId.IsWellFormed(id)) return null;
        using var db = contexts.CreateDbContext();
        return db.Benchmarks.FirstOrDefault(b => b.Id == id);
    }

    /// <summary>Uploaded documents, newest first, optionally those with this fingerprint or GPU name; documents are not loaded.</summary>
    public Task<PagedList<SavedBenchmark>> ListAsync(int page = 1, int pageSize = 20, string? fingerprint = null, string? gpu = null, CancellationToken cancellationToken = default) =>
        ListOwnedAsync(null, page, pageSize, fingerprint, gpu, cancellationToken);

    /// <summary>Like <see cref="ListAsync"/>, only one owner's uploads (everyone's when <paramref name="ownerHash"/> is null).</summary>
    public Task<PagedList<SavedBenchmark>> ListOwnedAsync(string? ownerHash, int page = 1, int pageSize = 20, string? fingerprint = null, string? gpu = null, CancellationToken cancellationToken = default) =>
        ListAsync(ownerHash is null ? null : OwnerFilter.Of(ownerHash), page, pageSize, fingerprint, gpu, cancellationToken);

    /// <summary>Like <see cref="ListAsync(int, int, string?, string?, CancellationToken)"/>, the uploads <paramref name="owners"/> selects (all when null).</summary>
    public async Task<PagedList<SavedBenchmark>> ListAsync(OwnerFilter? owners, int page = 1, int pageSize = 20, string? fingerprint = null, string? gpu = null, CancellationToken cancellationToken = default)
    {
        page = Math.Max(1, page);
        pageSize = Math.Clamp(pageSize, 1, ScenarioStore.MaxPageSize);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.Benchmarks.AsQueryable();
        if (!string.IsNullOrEmpty(fingerprint)) query = query.Where(b => b.Fingerprint == fingerprint);
        if (!string.IsNullOrEmpty(gpu)) query = query.Where(b => b.GpuName == gpu);
        if (owners is not null) query = query.Where(owners);
        var total = await query.CountAsync(cancellationToken);
        var items = await query
            .OrderByDescending(b => b.UploadedUtc).ThenBy(b => b.Id)
            .Skip(Paging.Offset(page, pageSize)).Take(pageSize)
            .Select(b => new SavedBenchmark
            {
                Id = b.Id,
                UploadedUtc = b.UploadedUtc,
                MeasuredUtc = b.MeasuredUtc,
                Source = b.Source,
                Backend = b.Backend,
                Hostname = b.Hostname,
                CpuModel = b.CpuModel,
                GpuName = b.GpuName,
                GpuCount = b.GpuCount,
                DriverVersion = b.DriverVersion,
                CudaDriverVersion = b.CudaDriverVersion,
                Fingerprint = b.Fingerprint,
                DocumentJson = "",
                SizeBytes = b.SizeBytes,
                OwnerHash = b.OwnerHash,
            })
            .ToListAsync(cancellationToken);
        return new PagedList<SavedBenchmark>(items, page, pageSize, total);
    }

    /// <summary>SHA-256 over host name, CPU, device names/UUIDs/memory and driver versions.</summary>
    public static string Fingerprint(BenchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var sb = new StringBuilder();
        sb.Append(result.Host?.Hostname).Append('|').Append(result.Host?.CpuModel).Append('|').Append(result.Host?.Architecture).Append('|');
        foreach (var d in result.Devices.OrderBy(d => d.Rank).ThenBy(d => d.Index))
        {
            sb.Append(d.Kind).Append(':').Append(d.Name).Append(':').Append(d.Uuid).Append(':').Append(d.MemoryBytes).Append(';');
        }
        sb.Append('|').Append(result.Software?.DriverVersion).Append('|').Append(result.Software?.CudaDriverVersion);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    private static string? Cut(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
}
