using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CapacityPlanner.Core.Benchmarks;

namespace CapacityPlanner.Cli.Commands;

/// <summary>
/// capplan upload &lt;result.json&gt; --server URL: checks that the file is a benchmark result document and POSTs it to
/// <c>{server}/api/benchmarks</c>. Unreachable servers, timeouts and non-2xx answers are reported plainly.
/// </summary>
internal static class UploadCommand
{
    /// <summary>Largest document uploaded.</summary>
    internal const long MaxBytes = 16L << 20;

    internal const string Help = """
        capplan upload — send a benchmark result to the CapacityPlanner dashboard

        Usage:
          capplan upload <result.json|-> --server URL [--timeout SECONDS]

        The document (capplan bench --output, or capplan bench import) is checked against the result schema, then
        POSTed as application/json to URL/api/benchmarks. Exit codes: 0 accepted, 2 invalid file or arguments,
        1 server unreachable or answered with an error.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        ArgumentNullException.ThrowIfNull(args);
        var a = CommandArgs.Parse(args, ["--help"], ["--server", "--timeout"]);
        if (a.Flags.Contains("--help") || args.Contains("-h"))
        {
            await stdout.WriteLineAsync(Help);
            return ExitCodes.Ok;
        }
        var errors = new List<string>(a.Errors);
        if (a.Positional.Count != 1) errors.Add("give one result file: capplan upload result.json --server http://dashboard:8080");
        Uri? endpoint = null;
        if (!a.Options.TryGetValue("--server", out var server)) errors.Add("--server URL is required.");
        else if (!Uri.TryCreate(server, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            errors.Add($"--server must be an http:// or https:// URL, not '{server}'.");
        }
        else
        {
            endpoint = new Uri(baseUri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/api/benchmarks");
        }
        var timeout = TimeSpan.FromSeconds(60);
        if (a.Options.TryGetValue("--timeout", out var t))
        {
            if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var secs) && secs > 0) timeout = TimeSpan.FromSeconds(secs);
            else errors.Add("--timeout must be a positive number of seconds.");
        }
        if (errors.Count > 0) return await Invalid(stderr, errors);

        var file = a.Positional[0];
        byte[] body;
        try
        {
            if (file == "-")
            {
                body = System.Text.Encoding.UTF8.GetBytes(await stdin.ReadToEndAsync());
            }
            else
            {
                var info = new FileInfo(file);
                if (!info.Exists) return await Invalid(stderr, [$"{file}: no such file."]);
                if (info.Length > MaxBytes) return await Invalid(stderr, [$"{file} is {info.Length / (1024.0 * 1024):0.#} MiB; uploads are limited to {MaxBytes >> 20} MiB."]);
                body = await File.ReadAllBytesAsync(file);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return await Invalid(stderr, [$"{file}: {ex.Message}"]);
        }
        if (body.Length > MaxBytes) return await Invalid(stderr, [$"the document is {body.Length / (1024.0 * 1024):0.#} MiB; uploads are limited to {MaxBytes >> 20} MiB."]);
        if (!BenchResultJson.TryDeserialize(System.Text.Encoding.UTF8.GetString(body), out var result, out var error))
        {
            return await Invalid(stderr, [$"{file}: {error}"]);
        }

        // No proxy for loopback targets (a dashboard on this machine must not be sent through http_proxy).
        using var handler = new HttpClientHandler { UseProxy = !endpoint!.IsLoopback };
        using var http = new HttpClient(handler) { Timeout = timeout };
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(endpoint, content);
        }
        catch (HttpRequestException ex)
        {
            await stderr.WriteLineAsync($"capplan upload: cannot reach {endpoint}: {ex.Message}");
            return ExitCodes.Failure;
        }
        catch (TaskCanceledException)
        {
            await stderr.WriteLineAsync($"capplan upload: {endpoint} did not answer within {timeout.TotalSeconds:0} s.");
            return ExitCodes.Failure;
        }
        using (response)
        {
            var answer = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                var excerpt = answer.Length > 500 ? answer[..500] + "…" : answer;
                await stderr.WriteLineAsync($"capplan upload: {endpoint} answered {(int)response.StatusCode} {response.ReasonPhrase}{(excerpt.Length > 0 ? ": " + excerpt.Trim() : "")}");
                return response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity or HttpStatusCode.RequestEntityTooLarge
                    ? ExitCodes.InvalidInput
                    : ExitCodes.Failure;
            }
            var where = Identify(answer, response.Headers.Location);
            await stdout.WriteLineAsync($"uploaded {result!.Source} result ({result.Backend}, {result.Gemm.Count} GEMM, {result.Memory.Count} memory, {result.Collectives.Count} collective measurements) to {endpoint}: {(int)response.StatusCode} {response.ReasonPhrase}{where}");
            return ExitCodes.Ok;
        }
    }

    /// <summary>The id or location the server gives back, when it gives one.</summary>
    private static string Identify(string answer, Uri? location)
    {
        if (location is not null) return $" → {location}";
        try
        {
            using var doc = JsonDocument.Parse(answer);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var key in new[] { "url", "id" })
                {
                    if (doc.RootElement.TryGetProperty(key, out var v)) return $" → {key} {v}";
                }
            }
        }
        catch (JsonException) { }
        return "";
    }

    private static async Task<int> Invalid(TextWriter stderr, IEnumerable<string> errors)
    {
        foreach (var e in errors) await stderr.WriteLineAsync($"capplan upload: {e}");
        return ExitCodes.InvalidInput;
    }
}
