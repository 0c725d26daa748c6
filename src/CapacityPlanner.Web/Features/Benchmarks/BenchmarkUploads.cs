using System.Globalization;
using System.Text;
using CapacityPlanner.Contracts.Json;
using CapacityPlanner.Measurements;
using CapacityPlanner.Measurements.Import;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Api;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Features.Benchmarks;

/// <summary>The outcome of one uploaded file.</summary>
/// <param name="FileName">The file's name as the browser gave it.</param>
/// <param name="SizeBytes">Its size.</param>
/// <param name="Kind">What it was read as.</param>
/// <param name="Id">Stored id; null when nothing was stored.</param>
/// <param name="Errors">Why it was refused.</param>
/// <param name="Warnings">What the importer noticed.</param>
public sealed record BenchmarkUploadOutcome(
    string FileName, long SizeBytes, BenchmarkFileKind Kind, string? Id, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings)
{
    /// <summary>True when the file was stored.</summary>
    public bool Stored => Id is not null;

    /// <summary>A refused file.</summary>
    public static BenchmarkUploadOutcome Refused(string fileName, long size, BenchmarkFileKind kind, params string[] errors) =>
        new(fileName, size, kind, null, errors, []);
}

/// <summary>
/// Stores files uploaded on the Benchmarks page: each is checked against the size limit before it is read
/// (<see cref="ApiOptions.MaxBenchmarkBytes"/>, the limit of <c>POST /api/benchmarks</c>), read as UTF-8, turned into a
/// result document by <see cref="BenchmarkFileReader"/>, and stored in <see cref="BenchmarkStore"/> only when that
/// worked and the uploader's storage quota allows it. Result documents are stored as uploaded, imports as the
/// serialised document.
/// </summary>
public sealed class BenchmarkUploadService(BenchmarkStore store, IOptions<ApiOptions> options, Security.StorageQuotas quotas)
{
    /// <summary>Files read from one drop or pick; the rest are refused.</summary>
    public const int MaxFilesPerUpload = 20;

    /// <summary>Largest file read, in bytes.</summary>
    public long MaxFileBytes { get; } = options.Value.MaxBenchmarkBytes;

    /// <summary>Reads, checks and stores one file.</summary>
    /// <param name="fileName">Name shown in messages.</param>
    /// <param name="sizeBytes">Size the browser reported; above <see cref="MaxFileBytes"/> the file is not read.</param>
    /// <param name="open">Opens the file's content, given the most bytes that may be read.</param>
    /// <param name="kind">What it is, or Auto.</param>
    /// <param name="cancellationToken">Cancels reading and storing.</param>
    /// <param name="ownerHash">Owner key of the uploader (the page's circuit caller); null: owned by nobody.</param>
    public async Task<BenchmarkUploadOutcome> UploadAsync(string fileName, long sizeBytes, Func<long, Stream> open, BenchmarkFileKind kind, CancellationToken cancellationToken = default,
        string? ownerHash = null)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(open);
        if (sizeBytes > MaxFileBytes)
        {
            return BenchmarkUploadOutcome.Refused(fileName, sizeBytes, kind, $"{fileName} is {FormatBytes(sizeBytes)}; the limit is {FormatBytes(MaxFileBytes)}.");
        }
        if (sizeBytes == 0) return BenchmarkUploadOutcome.Refused(fileName, sizeBytes, kind, $"{fileName} is empty.");

        string text;
        try
        {
            await using var stream = open(MaxFileBytes);
            using var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
            text = await reader.ReadToEndAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            return BenchmarkUploadOutcome.Refused(fileName, sizeBytes, kind, $"{fileName} could not be read: {ex.Message}");
        }

        var read = BenchmarkFileReader.Read(fileName, text, kind);
        if (!read.Ok) return new BenchmarkUploadOutcome(fileName, sizeBytes, read.Kind, null, read.Errors, read.Warnings);
        if (await quotas.BenchmarkAsync(ownerHash, Encoding.UTF8.GetByteCount(read.DocumentJson!), cancellationToken) is { } full)
        {
            return BenchmarkUploadOutcome.Refused(fileName, sizeBytes, read.Kind, $"{fileName} was not stored: {full.Message}");
        }
        var saved = await store.SaveOwnedAsync(read.Result!, read.DocumentJson!, ownerHash, cancellationToken);
        return new BenchmarkUploadOutcome(fileName, sizeBytes, read.Kind, saved.Id, [], read.Warnings);
    }

    /// <summary>"17.2 MiB", "16 MiB", "512 KiB", "900 bytes".</summary>
    public static string FormatBytes(long bytes) => bytes switch
    {
        >= 1024 * 1024 => (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB",
        >= 1024 => (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " bytes",
    };
}
