using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace CapacityPlanner.Web.Api;

/// <summary>Reads a JSON request body as text with a size limit, telling the caller exactly why it could not.</summary>
public static class RequestBody
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Reads the body (at most <paramref name="maxBytes"/> bytes); returns the text, or a problem result: 413 when it is
    /// larger (by Content-Length, before reading, or while reading a chunked body), 415 for a non-JSON content type,
    /// 400 when it is empty or not UTF-8.
    /// </summary>
    public static async Task<(string? Text, IResult? Problem)> ReadJsonAsync(HttpRequest request, int maxBytes, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentType is { Length: > 0 } type && !IsJson(type))
        {
            return (null, ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Send {what} as application/json (got \"{type}\")."));
        }
        if (request.ContentLength is { } declared && declared > maxBytes)
        {
            return (null, TooLarge(declared, maxBytes, what));
        }
        // Never let the server read more than the limit plus one byte, however the body is framed.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = Math.Min(limit.MaxRequestBodySize ?? long.MaxValue, (long)maxBytes + 1);
        }
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes) return (null, TooLarge(null, maxBytes, what));
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(null, maxBytes, what));
        }
        if (buffer.Length == 0)
        {
            return (null, ApiProblems.Validation("$", $"The request body is empty; send {what} as JSON."));
        }
        try
        {
            var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            if (bytes.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
            return (StrictUtf8.GetString(bytes), null);
        }
        catch (DecoderFallbackException)
        {
            return (null, ApiProblems.Validation("$", "The request body is not UTF-8 text."));
        }
    }

    internal static bool IsJson(string contentType)
    {
        var media = contentType.Split(';', 2)[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.Equals("text/json", StringComparison.OrdinalIgnoreCase)
            || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static IResult TooLarge(long? declared, int maxBytes, string what) =>
        ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large",
            declared is { } d
                ? $"The request body is {d:N0} bytes; {what} may be at most {maxBytes:N0} bytes."
                : $"The request body is more than {maxBytes:N0} bytes, the limit for {what}.");
}
