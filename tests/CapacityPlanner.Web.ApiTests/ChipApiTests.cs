using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CapacityPlanner.Measurements;
using CapacityPlanner.Web.ApiTests.Infrastructure;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>
/// The command-line route from a measured result to estimates on the measured chip: upload, calibrate through the API,
/// then name the measured chip by id in scenarios; and the chip list that says which ids exist.
/// </summary>
public sealed class ChipApiTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TestApp? _app;

    private HttpClient Client => _app!.Client;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(TestApp.Sqlite(_dir.File("chips.db")));

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        _dir.Dispose();
    }

    // An H100 whose GEMMs reached 40–60% of the BF16 peak and whose HBM streamed at 2.4 TB/s (a GPU result, as
    // capplan bench writes it), so the calibration uses it without includeCpu.
    private static string GpuResult() => BenchResultJson.Serialize(new BenchResult
    {
        Source = BenchSources.CapplanBench,
        Backend = "cuda",
        CreatedUtc = new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero),
        Host = new HostInfo { Hostname = "gpu-node-07", CpuModel = "Intel Xeon Platinum 8480+", Architecture = "x64" },
        Devices = [new DeviceInfo { Kind = "gpu", Index = 0, Name = "NVIDIA H100 80GB HBM3", MemoryBytes = 85_899_345_920 }],
        Gemm = new[] { (1024L, 400.0), (2048L, 480.0), (4096L, 560.0), (8192L, 590.0) }
            .Select(g => new GemmMeasurement { Dtype = "bf16", M = g.Item1, N = g.Item1, K = g.Item1, Flops = 2.0 * g.Item1 * g.Item1 * g.Item1, MedianTflops = g.Item2, BurstTflops = g.Item2 * 1.02 })
            .ToList(),
        Memory = [new MemoryMeasurement { Kind = "copy", MedianGBps = 2400, BestGBps = 2450, TrafficFactor = 1, Convention = "2·N bytes" }],
    });

    private static string Scenario(string chip) => $$"""
        { "schemaVersion": 1, "model": { "preset": "llama3-8b", "sequenceLength": 2048 },
          "training": { "globalBatchSequences": 64, "precision": "bf16" },
          "system": { "chip": {{chip}}, "gpus": 8 },
          "parallelism": { "tensor": 8, "pipeline": 1, "microBatchSize": 1 } }
        """;

    private async Task<double> StepTimeAsync(string chipJson) =>
        (await (await Client.PostJsonAsync("api/estimate", Scenario(chipJson))).ExpectAsync(HttpStatusCode.OK)).GetProperty("stepTimeSeconds").GetDouble();

    [Fact]
    public async Task Capplan_upload_calibrates_as_the_owner_of_the_upload_and_prints_the_token_for_later()
    {
        var file = _dir.File("result.json");
        await File.WriteAllTextAsync(file, GpuResult());
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CapacityPlanner.Cli.CliApp.RunAsync(["upload", file, "--server", _app!.BaseAddress.ToString(), "--calibrate", "auto"], stdout, stderr);
        Assert.True(exit == CapacityPlanner.Cli.ExitCodes.Ok, $"exit {exit}: {stderr}");
        var token = System.Text.RegularExpressions.Regex.Match(stdout.ToString(), "owner token: ([A-Za-z0-9_-]{43})").Groups[1].Value;
        var chip = System.Text.RegularExpressions.Regex.Match(stdout.ToString(), "measured chip (\\S+) registered").Groups[1].Value;
        Assert.Equal(43, token.Length);
        Assert.NotEmpty(chip);

        // The chip calibrated from the upload belongs to the token the upload got: it may re-calibrate and replace it, others may not.
        using var owner = _app.NewClient();
        owner.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var benchmark = (await (await owner.GetAsync("api/benchmarks")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items")[0].GetProperty("id").GetString();
        await (await Client.PostAsync($"api/benchmarks/{benchmark}/calibrate", null)).ProblemAsync(HttpStatusCode.Forbidden);
        await (await owner.PostAsync($"api/benchmarks/{benchmark}/calibrate", null)).ExpectAsync(HttpStatusCode.Created);

        // A second upload with --owner-token stays the same owner (no new token printed).
        using var again = new StringWriter();
        exit = await CapacityPlanner.Cli.CliApp.RunAsync(["upload", file, "--server", _app.BaseAddress.ToString(), "--owner-token", token, "--calibrate", "auto"], again, stderr);
        Assert.True(exit == CapacityPlanner.Cli.ExitCodes.Ok, $"exit {exit}: {stderr}");
        Assert.DoesNotContain("owner token:", again.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, (await (await owner.GetAsync("api/benchmarks")).ExpectAsync(HttpStatusCode.OK)).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task An_uploaded_result_becomes_a_measured_chip_that_scenarios_name_by_id()
    {
        var uploaded = await (await Client.PostJsonAsync("api/benchmarks", GpuResult())).ExpectAsync(HttpStatusCode.Created);
        var benchmarkId = uploaded.GetProperty("id").GetString()!;

        // No chip given: the GPU name picks h100-sxm; no precision given: bf16, the one measured.
        var response = await Client.PostAsync($"api/benchmarks/{benchmarkId}/calibrate", null);
        var calibration = await response.ExpectAsync(HttpStatusCode.Created);
        var chip = calibration.GetProperty("chip");
        var id = chip.GetProperty("id").GetString()!;
        Assert.Equal($"h100-sxm-m-{benchmarkId}", id);
        Assert.Equal($"/api/chips/{id}", response.Headers.Location!.OriginalString);
        Assert.True(chip.GetProperty("custom").GetBoolean());
        Assert.Equal("h100-sxm", chip.GetProperty("baseOn").GetString());
        Assert.Equal(benchmarkId, chip.GetProperty("measuredFrom").GetProperty("benchmarkId").GetString());
        Assert.Equal("bf16", chip.GetProperty("measuredFrom").GetProperty("precision").GetString());
        Assert.True(chip.GetProperty("measuredGemmCurvePoints").GetInt32() >= 4);
        // 590 of 989 TFLOP/s dense BF16.
        Assert.Equal(590.0 / 989.4, calibration.GetProperty("gemmMaxFraction").GetDouble(), 2);
        Assert.NotEmpty(calibration.GetProperty("notes").EnumerateArray());

        // The list has the catalog and the measured chip; the chip's own URL answers the same.
        var list = await (await Client.GetAsync("api/chips")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(list.EnumerateArray(), c => c.GetProperty("id").GetString() == "h100-sxm" && !c.GetProperty("custom").GetBoolean());
        var listed = Assert.Single(list.EnumerateArray(), c => c.GetProperty("custom").GetBoolean());
        Assert.Equal(id, listed.GetProperty("id").GetString());
        var one = await (await Client.GetAsync($"api/chips/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(listed.GetRawText(), one.GetRawText());

        // Named by id, the measured chip estimates exactly like its inline definition, and slower than the datasheet H100
        // (590 measured against the catalog's MAMF, and the measured small-GEMM curve).
        var byId = await StepTimeAsync(JsonSerializer.Serialize(id));
        var inline = await StepTimeAsync(one.GetProperty("definition").GetRawText());
        var datasheet = await StepTimeAsync("\"h100-sxm\"");
        Assert.Equal(inline, byId, 12);
        Assert.True(byId > datasheet, $"measured {byId} s vs datasheet {datasheet} s");

        // Search, sweep and budget take the id too.
        var search = await Client.PostJsonAsync("api/search?top=1", Scenario(JsonSerializer.Serialize(id)).Replace("\"parallelism\": { \"tensor\": 8, \"pipeline\": 1, \"microBatchSize\": 1 }", "\"parallelism\": {}", StringComparison.Ordinal));
        await search.ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Impossible_figures_are_flagged_on_upload_and_left_out_of_the_calibration()
    {
        // The 16384³ point claims the sparse BF16 peak: no H100 multiplies dense matrices at 1,950 TFLOP/s.
        var document = JsonNode.Parse(GpuResult())!;
        document["gemm"]!.AsArray().Add(JsonNode.Parse("""{ "dtype": "bf16", "m": 16384, "n": 16384, "k": 16384, "flops": 8.796093022208E+12, "medianTflops": 1950, "burstTflops": 1960 }"""));
        var uploaded = await (await Client.PostJsonAsync("api/benchmarks", document.ToJsonString())).ExpectAsync(HttpStatusCode.Created);
        var flags = uploaded.GetProperty("implausible");
        Assert.Equal("h100-sxm", flags.GetProperty("chip").GetString());
        var issue = Assert.Single(flags.GetProperty("issues").EnumerateArray());
        Assert.Equal("$.gemm[4]", issue.GetProperty("path").GetString());
        Assert.Contains("sparse FLOPs", issue.GetProperty("message").GetString(), StringComparison.Ordinal);

        // A clean upload has no flags.
        var clean = await (await Client.PostJsonAsync("api/benchmarks", GpuResult())).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(JsonValueKind.Null, clean.GetProperty("implausible").ValueKind);

        var calibration = await (await Client.PostAsync($"api/benchmarks/{uploaded.GetProperty("id").GetString()}/calibrate", null)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(590.0 / 989.4, calibration.GetProperty("gemmMaxFraction").GetDouble(), 2);     // not 100%
        Assert.Contains(calibration.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.StartsWith("left out bf16 16384x16384x16384", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Custom_chips_are_created_replaced_and_deleted_over_http()
    {
        // Created (201), then usable by id in a scenario.
        var created = await Client.PutAsync("api/chips/h100-144g", Http.Content("""{ "name": "H100 with 144 GiB", "baseOn": "h100-sxm", "hbmCapacityGiB": 144 }"""));
        Assert.Equal("/api/chips/h100-144g", created.Headers.Location!.OriginalString);
        var chip = await created.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(144, chip.GetProperty("hbmCapacityGiB").GetDouble());
        Assert.True(chip.GetProperty("custom").GetBoolean());
        var onCustom = await StepTimeAsync("\"h100-144g\"");
        Assert.True(onCustom > 0);

        // Replaced (200): the same id with other figures.
        var replaced = await (await Client.PutAsync("api/chips/h100-144g", Http.Content("""{ "id": "h100-144g", "baseOn": "h100-sxm", "hbmCapacityGiB": 141, "gemmEfficiency": 0.5 }"""))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(141, replaced.GetProperty("hbmCapacityGiB").GetDouble());
        Assert.True(await StepTimeAsync("\"h100-144g\"") > onCustom);         // 50% MAMF is slower than the H100's default

        // Bad requests name what is wrong.
        var mismatch = await (await Client.PutAsync("api/chips/h100-144g", Http.Content("""{ "id": "other", "baseOn": "h100-sxm" }"""))).ValidationErrorsAsync();
        Assert.Contains("another chip than the URL", mismatch["$.system.chip.id"][0], StringComparison.Ordinal);
        var catalog = await (await Client.PutAsync("api/chips/h100-sxm", Http.Content("""{ "baseOn": "a100-sxm-80gb" }"""))).ValidationErrorsAsync();
        Assert.Contains("is a catalog chip", catalog["id"][0], StringComparison.Ordinal);
        var invalid = await (await Client.PutAsync("api/chips/h100-bad", Http.Content("""{ "baseOn": "h100-sxm", "gemmEfficiency": 2 }"""))).ValidationErrorsAsync();
        Assert.Contains(invalid.Keys, k => k.Contains("gemmEfficiency", StringComparison.Ordinal));
        await (await Client.GetAsync("api/chips/h100-bad")).ProblemAsync(HttpStatusCode.NotFound);

        // Deleted (204), then gone; catalog chips cannot be deleted.
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync("api/chips/h100-144g")).StatusCode);
        await (await Client.GetAsync("api/chips/h100-144g")).ProblemAsync(HttpStatusCode.NotFound);
        await (await Client.DeleteAsync("api/chips/h100-144g")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("only custom chips", (await (await Client.DeleteAsync("api/chips/h100-sxm")).ValidationErrorsAsync())["id"][0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replacing_a_measured_chip_keeps_the_result_it_was_calibrated_from()
    {
        var uploaded = await (await Client.PostJsonAsync("api/benchmarks", GpuResult())).ExpectAsync(HttpStatusCode.Created);
        var benchmarkId = uploaded.GetProperty("id").GetString()!;
        var chip = (await (await Client.PostAsync($"api/benchmarks/{benchmarkId}/calibrate", null)).ExpectAsync(HttpStatusCode.Created)).GetProperty("chip");
        var id = chip.GetProperty("id").GetString()!;
        var definition = JsonNode.Parse(chip.GetProperty("definition").GetRawText())!.AsObject();
        definition["hbmCapacityGiB"] = 96;
        var replaced = await (await Client.PutAsync($"api/chips/{id}", Http.Content(definition.ToJsonString()))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(96, replaced.GetProperty("hbmCapacityGiB").GetDouble());
        Assert.Equal(benchmarkId, replaced.GetProperty("measuredFrom").GetProperty("benchmarkId").GetString());
        Assert.Equal(chip.GetProperty("measuredGemmCurvePoints").GetInt32(), replaced.GetProperty("measuredGemmCurvePoints").GetInt32());
    }

    [Fact]
    public async Task Bad_calibration_requests_and_unknown_chips_say_what_to_fix()
    {
        await (await Client.PostAsync("api/benchmarks/nosuchid1/calibrate", null)).ProblemAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync("api/chips/no-such-chip")).ProblemAsync(HttpStatusCode.NotFound);

        var uploaded = await (await Client.PostJsonAsync("api/benchmarks", GpuResult())).ExpectAsync(HttpStatusCode.Created);
        var benchmarkId = uploaded.GetProperty("id").GetString()!;
        var bad = await Client.PostAsync($"api/benchmarks/{benchmarkId}/calibrate?chip=tpu-v9&precision=fp7&includeCpu=maybe", null);
        var errors = await bad.ValidationErrorsAsync();
        Assert.Contains("not a catalog chip", errors["chip"][0], StringComparison.Ordinal);
        Assert.Contains("unknown precision \"fp7\"", errors["precision"][0], StringComparison.Ordinal);
        Assert.Contains("true or false", errors["includeCpu"][0], StringComparison.Ordinal);

        // An unknown id names the server's custom chips as well as the catalog.
        await (await Client.PostAsync($"api/benchmarks/{benchmarkId}/calibrate?chip=h100-sxm", null)).ExpectAsync(HttpStatusCode.Created);
        var unknown = await Client.PostJsonAsync("api/estimate", Scenario("\"h100-sxm-m-typo\""));
        var message = (await unknown.ValidationErrorsAsync())["$.system.chip"][0];
        Assert.Contains("unknown chip \"h100-sxm-m-typo\"", message, StringComparison.Ordinal);
        Assert.Contains($"Custom chips on this server: h100-sxm-m-{benchmarkId}.", message, StringComparison.Ordinal);
    }
}
