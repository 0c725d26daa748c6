using System.Runtime.CompilerServices;
using System.Text;
using CapacityPlanner.Measurements;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Api;
using CapacityPlanner.Web.Features.Benchmarks;
using CapacityPlanner.Web.Hosting;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using BenchmarksPage = CapacityPlanner.Web.Features.Benchmarks.Benchmarks;
using CapacityPlanner.Measurements.Import;

namespace CapacityPlanner.Web.Tests.Features.Benchmarks;

/// <summary>
/// The Benchmarks page's upload panel (runner results and other tools' logs, many files at once, over a real SQLite
/// <see cref="BenchmarkStore"/>), the file reader behind it, and the "run the benchmark on a node" commands.
/// </summary>
public sealed class BenchmarkUploadTests : BenchmarkStoreTestContext
{
    private const int Limit = 64 * 1024;

    public BenchmarkUploadTests() => Services.Configure<ApiOptions>(o => o.MaxBenchmarkBytes = Limit);

    [Fact]
    public async Task A_runner_result_dropped_on_the_page_is_stored_listed_and_opened()
    {
        var cut = Render<BenchmarksPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=benchmarks-empty]")));
        Assert.Contains("upload panel", cut.Find("[data-testid=benchmarks-empty]").TextContent);

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(BenchResultJson.Serialize(H100Result()), "result.json"));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=benchmark-row]")));
        var line = cut.Find("[data-testid=upload-result]");
        Assert.Equal("stored", line.GetAttribute("data-status"));
        var id = line.GetAttribute("data-id")!;
        Assert.Contains($"result.json: stored as {id} (read as capplan result).", line.TextContent, StringComparison.Ordinal);
        var row = cut.Find("[data-testid=benchmark-row]");
        Assert.Equal(id, row.GetAttribute("data-id"));
        Assert.Equal("true", row.GetAttribute("data-new"));
        Assert.Equal("dgx-a-01", cut.Find("[data-testid=benchmark-host]").TextContent.Trim());
        // The newest upload is opened.
        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=detail-gemm] tbody tr").Count));
        // Stored as uploaded, byte for byte, and owned by the page's caller (its owner cookie).
        Assert.Equal(BenchResultJson.Serialize(H100Result()), (await Store.GetAsync(id))!.DocumentJson);
        Assert.Equal(TestOwnerKey, (await Store.GetAsync(id))!.OwnerHash);
    }

    [Fact]
    public async Task An_nccl_tests_log_is_imported_and_stored_as_a_result_document()
    {
        var cut = Render<BenchmarksPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=benchmarks-empty]")));

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(Fixture("nccl-tests-all-reduce-2nodes.txt"), "all_reduce.log"));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=benchmark-row]")));
        var line = cut.Find("[data-testid=upload-result]");
        Assert.Equal("stored", line.GetAttribute("data-status"));
        Assert.Contains("(read as nccl-tests)", line.TextContent, StringComparison.Ordinal);
        Assert.NotEqual("–", cut.Find("[data-testid=benchmark-busbw]").TextContent.Trim());
        var saved = await Store.GetAsync(line.GetAttribute("data-id")!);
        var doc = BenchResultJson.Deserialize(saved!.DocumentJson);
        Assert.Equal(BenchSources.NcclTests, doc.Source);
        Assert.Equal("all_reduce.log", doc.Import!.FileName);
        Assert.NotEmpty(doc.Collectives);
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=detail-collectives] tbody tr")));
    }

    [Fact]
    public async Task A_malformed_json_file_gets_a_line_numbered_message_and_nothing_is_stored()
    {
        const string Broken = "{\n  \"schemaVersion\": 1,\n  \"source\": \"capplan-bench\"\n  \"backend\": \"cuda\"\n}\n";
        var cut = Render<BenchmarksPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=benchmarks-empty]")));

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(Broken, "r.json"));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=upload-error]")));
        Assert.Equal("error", cut.Find("[data-testid=upload-result]").GetAttribute("data-status"));
        Assert.StartsWith("r.json: line 4, position 3: ", cut.Find("[data-testid=upload-error]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=benchmark-row]"));
        Assert.NotEmpty(cut.FindAll("[data-testid=benchmarks-empty]"));
        Assert.Equal(0, (await Store.ListAsync()).Total);
    }

    [Fact]
    public async Task A_file_above_the_limit_is_refused_without_being_read()
    {
        var cut = Render<BenchmarksPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=benchmarks-empty]")));

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(new byte[Limit + 1000], "big.log"));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=upload-error]")));
        Assert.Equal("big.log is 65 KiB; the limit is 64 KiB.", cut.Find("[data-testid=upload-error]").TextContent.Trim());
        Assert.Equal(0, (await Store.ListAsync()).Total);

        // The service checks the size the browser reports before it opens the file.
        var uploads = new BenchmarkUploadService(Store, Microsoft.Extensions.Options.Options.Create(new ApiOptions()), Services.GetRequiredService<Security.StorageQuotas>());
        var opened = false;
        var outcome = await uploads.UploadAsync("x.log", 18_035_507, _ => { opened = true; return new MemoryStream(); }, BenchmarkFileKind.Auto);
        Assert.False(opened);
        Assert.False(outcome.Stored);
        // The default limit is the API's, and capplan upload's: 16 MiB.
        Assert.Equal("x.log is 17.2 MiB; the limit is 16 MiB.", Assert.Single(outcome.Errors));
    }

    [Fact]
    public async Task Several_files_at_once_are_stored_or_refused_each_on_its_own_and_the_table_refreshes()
    {
        var existing = H100Result();
        await Store.SaveAsync(existing, BenchResultJson.Serialize(existing));
        var cut = Render<BenchmarksPage>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=benchmark-row]")));

        cut.FindComponent<InputFile>().UploadFiles(
            InputFileContent.CreateFromText(BenchResultJson.Serialize(H100Result() with { Host = new HostInfo { Hostname = "dgx-b-07" } }), "b07.json"),
            InputFileContent.CreateFromText(Fixture("nvbandwidth-v0.8.txt"), "nvbandwidth.txt"),
            InputFileContent.CreateFromText(Fixture("mamf-finder-v4.log"), "mamf.log"),
            InputFileContent.CreateFromText(Fixture("nccl-tests-report.json"), "nccl.json"),
            InputFileContent.CreateFromText("{ \"schemaVersion\": 1,\n  \"backend\": \"gpu\",\n  \"gemm\": [] }", "bad-backend.json"),
            InputFileContent.CreateFromText("", "empty.log"),
            InputFileContent.CreateFromText("hello\nworld\n", "notes.txt"));

        cut.WaitForAssertion(() => Assert.Equal(7, cut.FindAll("[data-testid=upload-result]").Count));
        var status = cut.FindAll("[data-testid=upload-result]").ToDictionary(li => li.GetAttribute("data-file")!, li => li.GetAttribute("data-status"));
        Assert.Equal("stored", status["b07.json"]);
        Assert.Equal("stored", status["nvbandwidth.txt"]);
        Assert.Equal("stored", status["mamf.log"]);
        Assert.Equal("stored", status["nccl.json"]);
        Assert.Equal("error", status["bad-backend.json"]);
        Assert.Equal("error", status["empty.log"]);
        Assert.Equal("error", status["notes.txt"]);

        var errors = cut.FindAll("[data-testid=upload-error]").Select(e => e.TextContent.Trim()).ToList();
        Assert.Contains("bad-backend.json: line 2: $.backend: \"gpu\" is not one of cuda, cpu, import.", errors);
        Assert.Contains("empty.log is empty.", errors);
        Assert.Contains(errors, e => e.StartsWith("notes.txt: not recognised", StringComparison.Ordinal));

        // The table shows the four new rows (marked) next to the one that was there.
        cut.WaitForAssertion(() => Assert.Equal(5, cut.FindAll("[data-testid=benchmark-row]").Count));
        Assert.Equal(4, cut.FindAll("[data-testid=benchmark-row][data-new=true]").Count);
        Assert.Equal(5, (await Store.ListAsync()).Total);
        var sources = (await Store.ListAsync()).Items.Select(b => b.Source).ToHashSet();
        Assert.Superset(new HashSet<string> { BenchSources.CapplanBench, BenchSources.Nvbandwidth, BenchSources.MamfFinder, BenchSources.NcclTests }, sources);

        // "Show" next to a stored file opens its row.
        var nvLine = cut.FindAll("[data-testid=upload-result]").Single(li => li.GetAttribute("data-file") == "nvbandwidth.txt");
        var nvId = nvLine.GetAttribute("data-id");
        nvLine.QuerySelector("[data-testid=upload-show]")!.Click();
        cut.WaitForAssertion(() => Assert.Equal(nvId, cut.Find("[data-testid=benchmark-row].selected").GetAttribute("data-id")));
    }

    [Fact]
    public async Task Files_past_the_count_limit_are_refused_with_a_message()
    {
        var stored = new List<IReadOnlyList<string>>();
        var cut = Render<BenchmarkUpload>(p => p.Add(u => u.MaxFiles, 2).Add(u => u.OnUploaded, ids => stored.Add(ids)));

        cut.FindComponent<InputFile>().UploadFiles(
            InputFileContent.CreateFromText(BenchResultJson.Serialize(H100Result()), "a.json"),
            InputFileContent.CreateFromText(BenchResultJson.Serialize(H100Result()), "b.json"),
            InputFileContent.CreateFromText(BenchResultJson.Serialize(H100Result()), "c.json"));

        cut.WaitForAssertion(() => Assert.Single(stored));
        Assert.Equal(2, stored[0].Count);
        Assert.Equal(["stored", "stored", "error"], cut.FindAll("[data-testid=upload-result]").Select(li => li.GetAttribute("data-status")));
        Assert.Contains("at most 2 files", cut.Find("[data-testid=upload-error]").TextContent, StringComparison.Ordinal);
        Assert.Equal(2, (await Store.ListAsync()).Total);
    }

    [Theory]
    [InlineData("nccl-tests-all-reduce-2nodes.txt", BenchmarkFileKind.NcclTests)]
    [InlineData("nccl-tests-all-gather-old-format.txt", BenchmarkFileKind.NcclTests)]
    [InlineData("nccl-tests-mpirun-tagged-two-tables.txt", BenchmarkFileKind.NcclTests)]
    [InlineData("nccl-tests-report.json", BenchmarkFileKind.NcclTests)]
    [InlineData("nvbandwidth-v0.8.txt", BenchmarkFileKind.Nvbandwidth)]
    [InlineData("nvbandwidth.json", BenchmarkFileKind.Nvbandwidth)]
    [InlineData("mamf-finder-v2.log", BenchmarkFileKind.MamfFinder)]
    [InlineData("mamf-finder-v4.log", BenchmarkFileKind.MamfFinder)]
    public void Tool_output_is_recognised_by_its_content_and_read(string fixture, BenchmarkFileKind kind)
    {
        var text = Fixture(fixture);
        Assert.Equal(kind, BenchmarkFileReader.Detect(text));
        var read = BenchmarkFileReader.Read(fixture, text);
        Assert.True(read.Ok, string.Join(" ", read.Errors));
        Assert.Equal(kind, read.Kind);
        Assert.Equal(BenchmarkFileReader.Tool(kind), read.Result!.Source);
        Assert.True(BenchResultJson.TryDeserialize(read.DocumentJson!, out _, out var error), error);
    }

    [Fact]
    public void A_runner_result_is_recognised_and_problems_name_the_file_and_line()
    {
        var json = BenchResultJson.Serialize(H100Result());
        Assert.Equal(BenchmarkFileKind.Result, BenchmarkFileReader.Detect(json));
        var read = BenchmarkFileReader.Read("r.json", json);
        Assert.True(read.Ok);
        Assert.Same(json, read.DocumentJson);

        // A value of the wrong type: the reader's position, counted from 1, and the path.
        var wrongType = BenchmarkFileReader.Read("t.json", "{\n  \"schemaVersion\": \"one\"\n}");
        Assert.Equal("t.json: line 2, position 25 ($.schemaVersion): The JSON value could not be converted to System.Int32.", Assert.Single(wrongType.Errors));

        // Checks of the document: the line of the value they name.
        var negative = json.Replace("\"medianTflops\": 520", "\"medianTflops\": -520", StringComparison.Ordinal);
        var invalid = BenchmarkFileReader.Read("n.json", negative);
        var error = Assert.Single(invalid.Errors);
        var line = negative[..negative.IndexOf("-520", StringComparison.Ordinal)].Count(c => c == '\n') + 1;
        var gemm1 = BenchmarkFileReader.LineOf(negative, "$.gemm[1]")!.Value;
        Assert.True(gemm1 < line, $"$.gemm[1] starts on line {gemm1}, its value is on {line}");
        Assert.Equal($"n.json: line {gemm1}: $.gemm[1]: throughput must not be negative.", error);

        // A result without any measurement, and a tool's output with no results, are refused.
        const string NoMeasurement = "{ \"schemaVersion\": 1, \"source\": \"capplan-bench\", \"createdUtc\": \"2026-01-01T00:00:00Z\", \"backend\": \"cuda\" }";
        Assert.Equal("no results found in e.json (is it a capplan bench result?)", Assert.Single(BenchmarkFileReader.Read("e.json", NoMeasurement).Errors));
        // A document without the members every result names is refused for them, not read with defaults.
        var bare = BenchmarkFileReader.Read("b.json", "{ \"schemaVersion\": 1 }").Errors;
        Assert.Equal(["b.json: $.source: is required", "b.json: $.createdUtc: is required", "b.json: $.backend: is required"], bare.Take(3));
        Assert.Equal("no nccl-tests results found in x.log (is it nccl-tests output?)",
            Assert.Single(BenchmarkFileReader.Read("x.log", "# nccl-tests version 2.17.6\n# nothing ran\n", BenchmarkFileKind.NcclTests).Errors));
        Assert.Equal("no mamf-finder results found in x.log (is it mamf-finder output?)",
            Assert.Single(BenchmarkFileReader.Read("x.log", "hello", BenchmarkFileKind.MamfFinder).Errors));
        // The explicit kind wins over detection.
        Assert.Equal(BenchmarkFileKind.NcclTests, BenchmarkFileReader.Read("a.log", Fixture("nccl-tests-all-gather-old-format.txt").Replace("all_gather_perf", "x", StringComparison.Ordinal), BenchmarkFileKind.NcclTests).Kind);
        Assert.Equal("bin.dat is not a text file.", Assert.Single(BenchmarkFileReader.Read("bin.dat", "\0\u0001\u0002").Errors));
    }

    [Fact]
    public void Json_paths_are_found_on_their_lines()
    {
        const string Json = "{\n  \"a\": 1,\n  \"list\": [\n    { \"x\": 1 },\n    {\n      \"x\": 2\n    }\n  ],\n  \"b\": { \"c\": [10, 20] }\n}";
        Assert.Equal(1, BenchmarkFileReader.LineOf(Json, "$"));
        Assert.Equal(2, BenchmarkFileReader.LineOf(Json, "$.a"));
        Assert.Equal(4, BenchmarkFileReader.LineOf(Json, "$.list[0]"));
        Assert.Equal(5, BenchmarkFileReader.LineOf(Json, "$.list[1]"));
        Assert.Equal(6, BenchmarkFileReader.LineOf(Json, "$.list[1].x"));
        Assert.Equal(9, BenchmarkFileReader.LineOf(Json, "$.b.c[1]"));
        Assert.Null(BenchmarkFileReader.LineOf(Json, "$.missing"));
        Assert.Equal("17.2 MiB", BenchmarkUploadService.FormatBytes(18_035_507));
        Assert.Equal("16 MiB", BenchmarkUploadService.FormatBytes(16L << 20));
        Assert.Equal("900 bytes", BenchmarkUploadService.FormatBytes(900));
    }

    [Fact]
    public void The_commands_panel_uses_this_dashboards_url_and_copies_a_block_to_the_clipboard()
    {
        var module = JSInterop.SetupModule(RunnerCommands.ModulePath);
        var copy = module.Setup<bool>("copyText", _ => true);
        copy.SetResult(true);
        var cut = Render<BenchmarksPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=runner-commands]")));

        var single = cut.Find("[data-testid=command-single]").TextContent;
        Assert.Contains("./capplan bench probe", single, StringComparison.Ordinal);
        Assert.Contains("./capplan bench --quick --output result.json", single, StringComparison.Ordinal);
        Assert.Contains("./capplan upload result.json --server http://localhost --calibrate auto", single, StringComparison.Ordinal);
        Assert.Contains("dotnet publish src/CapacityPlanner.Cli -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true -p:PublishTrimmed=true -o publish/capplan-linux-x64",
            cut.Find("[data-testid=command-publish]").TextContent, StringComparison.Ordinal);
        Assert.Contains("srun -N2 --ntasks-per-node=8 ./capplan bench --suite collectives --output result.json", cut.Find("[data-testid=command-slurm]").TextContent, StringComparison.Ordinal);
        // Open MPI gives no rendezvous address: the command names it.
        Assert.Contains("--master-addr node1", cut.Find("[data-testid=command-mpirun]").TextContent, StringComparison.Ordinal);
        Assert.Contains("MASTER_ADDR=node1", cut.Find("[data-testid=command-env]").TextContent, StringComparison.Ordinal);
        // Every run ends with the upload to this dashboard.
        Assert.All(cut.FindAll("[data-testid=runner-command] pre").Where(pre => pre.GetAttribute("data-testid") != "command-publish"),
            pre => Assert.EndsWith("./capplan upload result.json --server http://localhost --calibrate auto", pre.TextContent.Trim(), StringComparison.Ordinal));

        cut.Find("button[data-testid=copy-single]").Click();

        var invocation = copy.VerifyInvoke("copyText");
        Assert.Equal(RunnerCommands.Build("http://localhost").Single(c => c.Id == "single").Text, invocation.Arguments[0]);
        Assert.Contains(Services.GetRequiredService<ISnackbar>().ShownSnackbars, s => s.Message == "Copied");
    }

    [Fact]
    public void Without_a_clipboard_the_copy_button_says_so()
    {
        var module = JSInterop.SetupModule(RunnerCommands.ModulePath);
        module.Setup<bool>("copyText", _ => true).SetResult(false);
        var cut = Render<RunnerCommands>();

        cut.Find("button[data-testid=copy-mpirun]").Click();

        var snackbar = Assert.Single(Services.GetRequiredService<ISnackbar>().ShownSnackbars);
        Assert.Equal(Severity.Warning, snackbar.Severity);
        Assert.Contains("clipboard is not available", snackbar.Message, StringComparison.Ordinal);
    }

    private static string Fixture(string name, [CallerFilePath] string thisFile = "") =>
        File.ReadAllText(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "..", "CapacityPlanner.Measurements.Tests", "Fixtures", name), Encoding.UTF8);
}
