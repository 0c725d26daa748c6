using System.Buffers;
using System.IO.Compression;

namespace CapacityPlanner.Contracts.Sharing;

/// <summary>Outcome of a bounded decompression.</summary>
internal enum InflateStatus
{
    Ok,
    Corrupt,
    Truncated,
    TooLarge,
}

/// <summary>
/// Compression for links, in memory. Decompression counts every byte it produces and stops as soon as the output
/// passes the limit, so a decompression bomb costs at most <c>limit</c> bytes of work and memory, never a hang.
/// </summary>
internal static class BoundedCompression
{
    private const int ChunkBytes = 16 * 1024;

    /// <summary>Brotli at maximum quality (links are small: compressing one takes well under a millisecond).</summary>
    public static byte[] Brotli(ReadOnlySpan<byte> data)
    {
        var buffer = new byte[BrotliEncoder.GetMaxCompressedLength(data.Length)];
        if (!BrotliEncoder.TryCompress(data, buffer, out var written, quality: 11, window: 22))
        {
            throw new InvalidOperationException("Brotli compression failed with a destination of the maximum compressed length.");
        }
        return buffer.AsSpan(0, written).ToArray();
    }

    /// <summary>Raw deflate (the format of version-0 links).</summary>
    public static byte[] Deflate(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            deflate.Write(data);
        }
        return output.ToArray();
    }

    /// <summary>Decompresses Brotli data, producing at most <paramref name="limit"/> bytes.</summary>
    public static InflateStatus UnBrotli(ReadOnlySpan<byte> source, int limit, out byte[] result)
    {
        result = [];
        using var decoder = new BrotliDecoder();
        var output = new ArrayBufferWriter<byte>(Math.Min(limit + 1, 4 * ChunkBytes));
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            // Each call either consumes input or fills output; a call that does neither means the decoder is stuck.
            while (true)
            {
                var status = decoder.Decompress(source, chunk.AsSpan(0, ChunkBytes), out var consumed, out var written);
                source = source[consumed..];
                if (written > 0)
                {
                    if (output.WrittenCount + written > limit) return InflateStatus.TooLarge;
                    output.Write(chunk.AsSpan(0, written));
                }
                switch (status)
                {
                    case OperationStatus.Done:
                        if (!source.IsEmpty) return InflateStatus.Corrupt; // bytes after the end of the stream
                        result = output.WrittenSpan.ToArray();
                        return InflateStatus.Ok;
                    case OperationStatus.NeedMoreData:
                        return InflateStatus.Truncated;
                    case OperationStatus.InvalidData:
                        return InflateStatus.Corrupt;
                    case OperationStatus.DestinationTooSmall:
                        if (consumed == 0 && written == 0) return InflateStatus.Corrupt;
                        break;
                    default:
                        return InflateStatus.Corrupt;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>Decompresses raw deflate data, producing at most <paramref name="limit"/> bytes.</summary>
    public static InflateStatus Inflate(byte[] source, int limit, out byte[] result)
    {
        result = [];
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            using var input = new MemoryStream(source, writable: false);
            using var deflate = new DeflateStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            int read;
            while ((read = deflate.Read(chunk, 0, ChunkBytes)) > 0)
            {
                if (output.Length + read > limit) return InflateStatus.TooLarge;
                output.Write(chunk, 0, read);
            }
            result = output.ToArray();
            return InflateStatus.Ok;
        }
        catch (InvalidDataException)
        {
            return InflateStatus.Corrupt;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}
