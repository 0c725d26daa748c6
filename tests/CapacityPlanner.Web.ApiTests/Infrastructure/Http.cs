using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace CapacityPlanner.Web.ApiTests.Infrastructure;

/// <summary>Request helpers and test data.</summary>
public static class Http
{
    /// <summary>The CLI's GPT-3 175B on 1,024 A100 example.</summary>
    public static string Gpt3 { get; } = Example("gpt3-175b-1024-a100.json");

    /// <summary>Path of an example scenario in the test output.</summary>
    public static string ExamplePath(string name) => Path.Combine(AppContext.BaseDirectory, "Examples", name);

    /// <summary>An example scenario's text.</summary>
    public static string Example(string name) => File.ReadAllText(ExamplePath(name));

    /// <summary>The GPT-3 example under another name (each test's saves are then easy to tell apart).</summary>
    public static string Gpt3Named(string name, long? gpus = null)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(Gpt3)!;
        node["name"] = name;
        if (gpus is { } n) node["system"]!["gpus"] = n;
        return node.ToJsonString();
    }

    /// <summary>A measured run of the GPT-3 example (20 s per step) for <c>POST /api/runs</c>.</summary>
    public static string MeasuredRun(string name) => new System.Text.Json.Nodes.JsonObject
    {
        ["name"] = name,
        ["scenario"] = System.Text.Json.Nodes.JsonNode.Parse(Gpt3),
        ["metric"] = "stepTimeSeconds",
        ["measured"] = 20.0,
    }.ToJsonString();

    /// <summary>POSTs JSON text.</summary>
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, string json) =>
        client.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>Reads a JSON body.</summary>
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new Xunit.Sdk.XunitException($"Expected JSON, got {(int)response.StatusCode} {response.Content.Headers.ContentType}: {text[..Math.Min(500, text.Length)]}");
        }
    }

    /// <summary>Asserts the status and returns the JSON body.</summary>
    public static async Task<JsonElement> ExpectAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        if (response.StatusCode != status)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new Xunit.Sdk.XunitException($"Expected {(int)status} {status}, got {(int)response.StatusCode}: {body[..Math.Min(2000, body.Length)]}");
        }
        return await response.JsonAsync();
    }

    /// <summary>Asserts an RFC 7807 problem with this status and returns it.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var problem = await response.ExpectAsync(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>Asserts a 400 validation problem and returns its errors by path.</summary>
    public static async Task<Dictionary<string, string[]>> ValidationErrorsAsync(this HttpResponseMessage response)
    {
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        return problem.GetProperty("errors").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(m => m.GetString()!).ToArray());
    }

    /// <summary>JSON content with an explicit media type.</summary>
    public static StringContent Content(string text, string mediaType = "application/json") =>
        new(text, Encoding.UTF8, new MediaTypeHeaderValue(mediaType));
}
