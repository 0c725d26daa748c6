using System.Diagnostics;
using System.Text.Json;
using CapacityPlanner.Cli.Tests.Support;

namespace CapacityPlanner.Cli.Tests.Commands;

public sealed class EstimateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("capplan-tests").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Valid = """
        { "schemaVersion": 1, "name": "gpt3 on 1024 A100",
          "model": { "preset": "gpt3-175b" },
          "training": { "globalBatchSequences": 1536, "precision": "bf16", "tokens": 3e11 },
          "system": { "chip": "a100-sxm-80gb", "gpus": 1024 },
          "parallelism": { "tensor": 8, "pipeline": 8, "microBatchSize": 1, "recompute": "selective" } }
        """;

    private string Write(string content)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, content);
        return path;
    }

    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => InProcessCli.RunAsync(args);

    [Fact]
    public async Task Json_output_carries_the_contract_fields()
    {
        var (code, output, _) = await Run("estimate", Write(Valid), "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("feasible").GetBoolean());
        // "auto" on an A100 with ZeRO-0/1 is the Megatron-LM 2021–23 stack (software-stacks.json autoRule).
        Assert.Equal("megatron-lm-2022", root.GetProperty("stack").GetString());
        foreach (var field in new[] { "stepTimeSeconds", "tokensPerSecond", "tokensPerSecondPerGpu", "modelTflopsPerGpu", "hardwareTflopsPerGpu", "mfu", "hfu", "memoryPerGpuGiB", "hbmCapacityGiB", "computeToCommunicationRatio", "timeToTrainDays", "gpuHours" })
        {
            Assert.True(root.GetProperty(field).GetDouble() > 0, field);
        }
        Assert.Equal(root.GetProperty("tokensPerSecond").GetDouble() / 1024, root.GetProperty("tokensPerSecondPerGpu").GetDouble(), 9);
        Assert.Equal(JsonValueKind.Array, root.GetProperty("errors").ValueKind);
        var comm = root.GetProperty("breakdown").GetProperty("communication");
        foreach (var axis in new[] { "tensorParallel", "contextParallel", "expertParallel", "pipelineParallel", "dataParallel" })
        {
            Assert.True(comm.GetProperty(axis).TryGetProperty("linkSeconds", out _), axis);
            Assert.True(comm.GetProperty(axis).TryGetProperty("exposedSeconds", out _), axis);
        }
        Assert.True(root.GetProperty("breakdown").GetProperty("computeSeconds").GetDouble() > 0);
        Assert.Equal(0, root.GetProperty("breakdown").GetProperty("offloadSeconds").GetDouble());
    }

    [Fact]
    public async Task Table_output_is_readable()
    {
        var (code, output, _) = await Run("estimate", Write(Valid));
        Assert.Equal(0, code);
        Assert.Contains("Step time", output);
        Assert.Contains("Stack      Megatron-LM 2021–23", output);
        Assert.Contains("MFU", output);
        Assert.Contains("DP comm", output);
        Assert.DoesNotContain("MoE        ", output);
    }

    [Fact]
    public async Task The_table_says_how_moe_tokens_travel()
    {
        const string Moe = """
            { "schemaVersion": 1, "model": { "preset": "deepseek-v3" },
              "training": { "globalBatchSequences": 256, "precision": "fp8", "expertDispatch": "allToAll" },
              "system": { "chip": "h800-sxm", "gpus": 1024 },
              "parallelism": { "tensor": 1, "pipeline": 16, "data": 64, "expert": 64, "microBatchSize": 1, "zeroStage": 1 } }
            """;
        var (code, output, _) = await Run("estimate", Write(Moe));
        Assert.Equal(0, code);
        Assert.Contains("MoE        dispatch allToAll, EP overlap off, expert kernels per expert (the stack's), each token's experts from 4 of 8 groups", output);
        Assert.Contains("host launch waits", output);
        var (_, stackDefault, _) = await Run("estimate", Write(Moe.Replace(", \"expertDispatch\": \"allToAll\"", "", StringComparison.Ordinal)));
        Assert.Contains("MoE        dispatch perDomain (the stack's)", stackDefault);
        var (_, fused, _) = await Run("estimate", Write(Moe.Replace("\"expertDispatch\": \"allToAll\"", "\"fusedExpertKernels\": true", StringComparison.Ordinal)));
        Assert.Contains("expert kernels fused", fused);
        Assert.DoesNotContain("host launch waits", fused);
    }

    [Fact]
    public async Task The_table_names_latent_attention_and_the_recompute_modules()
    {
        const string Mla = """
            { "schemaVersion": 1, "model": { "preset": "deepseek-v3" },
              "training": { "globalBatchSequences": 256, "precision": "fp8", "recomputeModules": ["mla_up_proj", "layernorm"] },
              "system": { "chip": "h800-sxm", "gpus": 1024 },
              "parallelism": { "tensor": 1, "pipeline": 16, "data": 64, "expert": 64, "microBatchSize": 1, "zeroStage": 1, "recompute": "selective" } }
            """;
        var (code, output, _) = await Run("estimate", Write(Mla));
        Assert.Equal(0, code);
        Assert.Contains("Attention  latent (MLA): 128 heads, query latent 1536, key/value latent 512, query/key heads 128 + 64 RoPE, value heads 128", output);
        Assert.Contains("Recompute  selective: layernorm, mla_up_proj (training.recomputeModules)", output);
        // A dense model without the list prints neither line.
        var (_, dense, _) = await Run("estimate", Write(Valid));
        Assert.DoesNotContain("Attention  latent", dense);
        Assert.DoesNotContain("Recompute  selective", dense);
    }

    [Fact]
    public async Task The_estimate_carries_the_models_track_record_on_runs_like_it()
    {
        // GPT-3 175B on 1,024 A100 with the 2021–23 stack: the nearest shipped runs are Megatron-LM's own on A100.
        var (code, output, _) = await Run("estimate", Write(Valid), "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var record = doc.RootElement.GetProperty("trackRecord");
        var runs = record.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(5, runs.Count);
        Assert.All(runs, r => Assert.Equal("a100-sxm-80gb", r.GetProperty("chip").GetString()));
        var errors = runs.Select(r => r.GetProperty("error").GetDouble()).ToList();
        Assert.Equal(errors.Min(), record.GetProperty("minError").GetDouble(), 12);
        Assert.Equal(errors.Max(), record.GetProperty("maxError").GetDouble(), 12);
        Assert.False(record.GetProperty("far").GetBoolean());
        var distances = runs.Select(r => r.GetProperty("distance").GetDouble()).ToList();
        Assert.Equal(distances.Order(), distances);

        var (_, table, _) = await Run("estimate", Write(Valid));
        Assert.Contains("Track record          on the 5 published runs most like this plan the model was ", table);
        Assert.Contains(runs[0].GetProperty("id").GetString()!, table);
    }

    [Fact]
    public async Task An_invalid_plan_is_a_result_with_exit_code_0()
    {
        var (code, output, _) = await Run("estimate", Write(Valid.Replace("\"tensor\": 8", "\"tensor\": 7", StringComparison.Ordinal)), "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.False(doc.RootElement.GetProperty("feasible").GetBoolean());
        Assert.Contains(doc.RootElement.GetProperty("errors").EnumerateArray(), e => e.GetProperty("message").GetString()!.Contains("does not divide 96 attention heads", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Malformed_json_exits_2_with_line_and_position()
    {
        var (code, _, err) = await Run("estimate", Write("{ \"schemaVersion\": 1,\n  \"model\": { \"preset\": \"gpt3-175b\" ,,\n}"));
        Assert.Equal(2, code);
        Assert.Matches("line 2, position", err);
    }

    [Fact]
    public async Task Unknown_chip_exits_2_and_lists_known_ids()
    {
        var (code, output, err) = await Run("estimate", Write(Valid.Replace("a100-sxm-80gb", "no-such-chip", StringComparison.Ordinal)), "--json");
        Assert.Equal(2, code);
        Assert.Contains("h100-sxm", err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("$.system.chip", doc.RootElement.GetProperty("errors")[0].GetProperty("path").GetString());
    }

    [Fact]
    public async Task Unknown_field_exits_2_and_names_it()
    {
        var (code, _, err) = await Run("estimate", Write(Valid.Replace("\"name\":", "\"extra\": 1, \"name\":", StringComparison.Ordinal)));
        Assert.Equal(2, code);
        Assert.Contains("$.extra", err);
    }

    [Fact]
    public async Task Missing_file_and_bad_arguments_exit_2()
    {
        Assert.Equal(2, (await Run("estimate", Path.Combine(_dir, "nope.json"))).Code);
        Assert.Equal(2, (await Run("estimate")).Code);
        Assert.Equal(2, (await Run("estimate", Write(Valid), "--jsn")).Code);
        Assert.Equal(2, (await Run("frobnicate")).Code);
    }

    [Fact]
    public async Task Standard_input_is_accepted()
    {
        var stdout = new StringWriter();
        var code = await CliApp.RunAsync(["estimate", "-", "--json"], stdout, new StringWriter(), new StringReader(Valid));
        Assert.Equal(0, code);
        Assert.Contains("stepTimeSeconds", stdout.ToString());
    }

    [Fact]
    public async Task Chips_and_presets_list_the_catalog()
    {
        var chips = await Run("chips");
        Assert.Equal(0, chips.Code);
        Assert.Contains("gb200", chips.Out);
        var presets = await Run("presets");
        Assert.Contains("deepseek-v3", presets.Out);
    }

    [Fact]
    public void The_real_capplan_binary_runs_as_a_process()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "capplan.dll");
        Assert.True(File.Exists(dll), "capplan.dll is copied next to the tests");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, "estimate", Write(Valid), "--json" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit(60_000);
        Assert.Equal(0, p.ExitCode);
        using var doc = JsonDocument.Parse(output);
        Assert.True(doc.RootElement.GetProperty("stepTimeSeconds").GetDouble() > 0);
    }
}
