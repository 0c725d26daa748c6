using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CapacityPlanner.Measurements;

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
          capplan upload <result.json|-> --server URL [--timeout SECONDS] [--owner-token TOKEN]
                         [--calibrate CHIP|auto [--precision bf16] [--include-cpu]]

        The document (capplan bench --output, or capplan bench import) is checked against the result schema, then
        POSTed as application/json to URL/api/benchmarks. With --calibrate the server also builds the measured chip
        from it (CHIP is the catalog chip that was measured; auto matches the GPU name) and prints its id: scenarios
        sent to that server can then name it as "system": { "chip": "<id>" }. CPU-backend results count only with
        --include-cpu (demos). What you upload (and the chip calibrated from it) is owned by an owner token: the server
        hands out a new one on the first upload, which is printed and sent with the calibration; pass it again with
        --owner-token (or the CAPPLAN_OWNER_TOKEN environment variable) so that later uploads, listings and
        re-calibrations are yours. Exit codes: 0 accepted, 2 invalid file or arguments, 1 server unreachable or answered
        with an error.
        """;

    /// <summary>Environment variable with the owner token, when --owner-token is not given.</summary>
    internal const string OwnerTokenVariable = "CAPPLAN_OWNER_TOKEN";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        ArgumentNullException.ThrowIfNull(args);
        var a = CommandArgs.Parse(args, ["--help", "--include-cpu"], ["--server", "--timeout", "--calibrate", "--precision", "--owner-token"]);
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
        var calibrate = a.Options.GetValueOrDefault("--calibrate");
        if (calibrate is null && (a.Options.ContainsKey("--precision") || a.Flags.Contains("--include-cpu")))
        {
            errors.Add("--precision and --include-cpu go with --calibrate CHIP|auto.");
        }
        var ownerToken = a.Options.GetValueOrDefault("--owner-token") ?? Environment.GetEnvironmentVariable(OwnerTokenVariable);
        if (ownerToken is not null && (ownerToken.Length != 43 || !System.Buffers.Text.Base64Url.IsValid(ownerToken)))
        {
            errors.Add($"the owner token ({(a.Options.ContainsKey("--owner-token") ? "--owner-token" : OwnerTokenVariable)}) must be the 43-character token the server gave.");
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
        if (ownerToken is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ownerToken);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        var (uploaded, failure) = await PostAsync(http, endpoint, content, timeout, stderr);
        if (uploaded is null) return failure;
        var where = Identify(uploaded.Value.Body, uploaded.Value.Location);
        await stdout.WriteLineAsync($"uploaded {result!.Source} result ({result.Backend}, {result.Gemm.Count} GEMM, {result.Memory.Count} memory, {result.Collectives.Count} collective measurements) to {endpoint}: {uploaded.Value.Status}{where}");
        // The calibration (and anything later) must come from the same owner as the upload.
        if (ownerToken is null && uploaded.Value.OwnerToken is { } issued)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issued);
            await stdout.WriteLineAsync($"owner token: {issued} (keep it: pass --owner-token or set {OwnerTokenVariable} to upload, list and re-calibrate as the same owner)");
        }
        if (calibrate is null) return ExitCodes.Ok;

        // The measured chip, built and registered by the server from what it has just stored.
        if (JsonProperty(uploaded.Value.Body, "id") is not { } id)
        {
            await stderr.WriteLineAsync($"capplan upload: {endpoint} did not say the stored result's id, so it cannot be calibrated.");
            return ExitCodes.Failure;
        }
        var query = new List<string>();
        if (!string.Equals(calibrate, "auto", StringComparison.OrdinalIgnoreCase)) query.Add("chip=" + Uri.EscapeDataString(calibrate));
        if (a.Options.TryGetValue("--precision", out var precision)) query.Add("precision=" + Uri.EscapeDataString(precision));
        if (a.Flags.Contains("--include-cpu")) query.Add("includeCpu=true");
        var calibrateUri = new Uri($"{endpoint}/{Uri.EscapeDataString(id)}/calibrate{(query.Count > 0 ? "?" + string.Join('&', query) : "")}");
        var (calibrated, calibrationFailure) = await PostAsync(http, calibrateUri, null, timeout, stderr);
        if (calibrated is null) return calibrationFailure;
        var chip = JsonProperty(calibrated.Value.Body, "chip", "id");
        var chipUrl = JsonProperty(calibrated.Value.Body, "chip", "url");
        if (chip is null)
        {
            await stderr.WriteLineAsync($"capplan upload: {calibrateUri} answered without a chip id.");
            return ExitCodes.Failure;
        }
        await stdout.WriteLineAsync($"measured chip {chip} registered: scenarios sent to {endpoint.GetLeftPart(UriPartial.Authority)} can use \"system\": {{ \"chip\": \"{chip}\" }}{(chipUrl is null ? "" : $" (definition: {chipUrl})")}");
        return ExitCodes.Ok;
    }

    /// <summary>POSTs and reports failures plainly; the answer on success, else null and the exit code to return.</summary>
    private static async Task<((string Body, Uri? Location, string Status, string? OwnerToken)? Answer, int ExitCode)> PostAsync(
        HttpClient http, Uri uri, HttpContent? content, TimeSpan timeout, TextWriter stderr)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(uri, content);
        }
        catch (HttpRequestException ex)
        {
            await stderr.WriteLineAsync($"capplan upload: cannot reach {uri}: {ex.Message}");
            return (null, ExitCodes.Failure);
        }
        catch (TaskCanceledException)
        {
            await stderr.WriteLineAsync($"capplan upload: {uri} did not answer within {timeout.TotalSeconds:0} s.");
            return (null, ExitCodes.Failure);
        }
        using (response)
        {
            var answer = await response.Content.ReadAsStringAsync();
            var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
            var owner = response.Headers.TryGetValues("Owner-Token", out var values) ? values.FirstOrDefault() : null;
            if (response.IsSuccessStatusCode) return ((answer, response.Headers.Location, status, owner), ExitCodes.Ok);
            var excerpt = answer.Length > 500 ? answer[..500] + "…" : answer;
            await stderr.WriteLineAsync($"capplan upload: {uri} answered {status}{(excerpt.Length > 0 ? ": " + excerpt.Trim() : "")}");
            return (null, response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity or HttpStatusCode.RequestEntityTooLarge
                ? ExitCodes.InvalidInput
                : ExitCodes.Failure);
        }
    }

    /// <summary>A string (or number) property of a JSON answer by path, or null.</summary>
    private static string? JsonProperty(string json, params string[] path)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var e = doc.RootElement;
            foreach (var name in path)
            {
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out e)) return null;
            }
            return e.ValueKind is JsonValueKind.String or JsonValueKind.Number ? e.ToString() : null;
        }
        catch (JsonException)
        {
            return null;
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
