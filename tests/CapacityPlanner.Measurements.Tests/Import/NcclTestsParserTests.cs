using CapacityPlanner.Measurements;
using CapacityPlanner.Measurements.Import;

namespace CapacityPlanner.Measurements.Tests.Import;

public sealed class NcclTestsParserTests
{
    [Fact]
    public void Current_layout_two_nodes_all_reduce_reads_every_row_and_the_fingerprints()
    {
        var r = NcclTestsParser.Parse(Fixtures.Read("nccl-tests-all-reduce-2nodes.txt"), "ar.txt");

        Assert.Equal(BenchSources.NcclTests, r.Source);
        Assert.Equal("import", r.Backend);
        Assert.Equal("2.17.6", r.SourceVersion);
        Assert.Equal("22703", r.Software!.Versions["nccl-library"]);
        Assert.Equal("2.27.3+cuda12.9", r.Software.Versions["nccl"]);
        Assert.Equal(62, r.Collectives.Count);                         // 31 sizes × out-of-place and in-place
        Assert.All(r.Collectives, c =>
        {
            Assert.Equal("all_reduce", c.Collective);
            Assert.Equal(16, c.Ranks);
            Assert.Equal(2, c.Nodes);
            Assert.Equal("float", c.Dtype);
            Assert.Equal("sum", c.RedOp);
            Assert.Equal(0, c.Wrong);
        });
        Assert.Equal(31, r.Collectives.Count(c => c.InPlace));
        Assert.Equal(16, r.Devices.Count);
        Assert.Equal("NVIDIA H100 80GB HBM3", r.Devices[15].Name);
        Assert.Equal("node-b", r.Devices[15].Host);
        Assert.Equal(2, r.Cluster!.Nodes);
        Assert.Empty(r.Warnings);

        var last = r.Collectives.Last(c => !c.InPlace);
        Assert.Equal(8589934592, last.SizeBytes);
        Assert.Equal(2147483648, last.Count);
        Assert.Equal(47257.4, last.TimeUs, 3);
        Assert.Equal(181.77, last.AlgbwGBps, 3);
        Assert.Equal(340.82, last.BusbwGBps, 3);

        // The table agrees with nccl-tests' formulas within print rounding: algbw = size/time, busbw = algbw·2(n−1)/n.
        foreach (var c in r.Collectives.Where(c => c.AlgbwGBps >= 1))
        {
            Assert.InRange(c.SizeBytes / (c.TimeUs * 1e3) / c.AlgbwGBps, 0.995, 1.005);
            Assert.True(Math.Abs(c.BusbwGBps - c.AlgbwGBps * BusBandwidth.Factor("all_reduce", 16)) <= 0.015 + 1e-3 * c.BusbwGBps);
        }
        // "Avg bus bandwidth" is the mean over every row and side (common.cu), not a peak.
        Assert.Equal(r.Collectives.Average(c => c.BusbwGBps), r.Import!.Reported["avgBusBandwidth"], 1);
        Assert.Equal(1, r.Import.Tables);
        Assert.Equal(62, r.Import.Rows);
    }

    [Fact]
    public void Pre_2_13_layout_without_redop_and_root_and_with_an_error_column_parses_by_header_names()
    {
        var r = NcclTestsParser.Parse(Fixtures.Read("nccl-tests-all-gather-old-format.txt"));

        Assert.Equal(12, r.Collectives.Count);
        Assert.All(r.Collectives, c =>
        {
            Assert.Equal("all_gather", c.Collective);                 // from the mpirun command line echoed above the table
            Assert.Equal(8, c.Ranks);
            Assert.Equal(1, c.Nodes);
            Assert.Null(c.RedOp);
            Assert.Null(c.Wrong);                                        // "error" is a max deviation, not a count
            Assert.Equal("float", c.Dtype);
        });
        var big = r.Collectives.First(c => c.SizeBytes == 1073741824);
        Assert.Equal(33554432, big.Count);                               // per-rank count for all_gather
        Assert.Equal(228.77, big.AlgbwGBps, 2);
        Assert.Equal(200.18, big.BusbwGBps, 2);
        Assert.Equal("NVIDIA A100-SXM4-80GB", r.Devices[0].Name);
        Assert.Equal("0x07", r.Devices[0].PciBusId);
    }

    [Fact]
    public void Mpirun_tagged_output_with_two_tables_keeps_them_apart_with_in_place_and_out_of_place()
    {
        var r = NcclTestsParser.Parse(Fixtures.Read("nccl-tests-mpirun-tagged-two-tables.txt"));

        Assert.Equal(2, r.Import!.Tables);
        Assert.Equal(28, r.Collectives.Count);
        var rs = r.Collectives.Where(c => c.Table == 0).ToList();
        var a2a = r.Collectives.Where(c => c.Table == 1).ToList();
        Assert.All(rs, c => Assert.Equal("reduce_scatter", c.Collective));
        Assert.All(a2a, c => Assert.Equal("alltoall", c.Collective));
        Assert.All(rs, c => Assert.Equal("sum", c.RedOp));
        Assert.All(a2a, c => Assert.Null(c.RedOp));                    // "none"
        Assert.All(r.Collectives, c => Assert.Equal(4, c.Ranks));
        Assert.Equal("2.19.6", r.SourceVersion);

        var outOfPlace = rs.Single(c => c.SizeBytes == 268435456 && !c.InPlace);
        var inPlace = rs.Single(c => c.SizeBytes == 268435456 && c.InPlace);
        Assert.Equal(2266.96, outOfPlace.TimeUs, 2);
        Assert.Equal(2380.31, inPlace.TimeUs, 2);
        Assert.True(inPlace.BusbwGBps < outOfPlace.BusbwGBps);
        Assert.Equal(88.81, outOfPlace.BusbwGBps, 2);
        Assert.Equal(16777216, outOfPlace.Count);
        Assert.True(r.Import.Reported.ContainsKey("table0.avgBusBandwidth"));
        Assert.True(r.Import.Reported.ContainsKey("table1.avgBusBandwidth"));
    }

    [Fact]
    public void Json_report_is_read_and_its_environment_is_not_kept()
    {
        var r = NcclTestsParser.Parse(Fixtures.Read("nccl-tests-report.json"));

        Assert.Equal(10, r.Collectives.Count);
        Assert.All(r.Collectives, c =>
        {
            Assert.Equal("all_reduce", c.Collective);                   // from args[0]
            Assert.Equal(8, c.Ranks);
            Assert.Equal("bfloat16", c.Dtype);
        });
        Assert.Equal(123.456, r.Import!.Reported["avgBusBandwidth"]);
        Assert.Equal(8, r.Devices.Count);
        Assert.Equal("dgx-h100-01", r.Host!.Hostname);
        var json = BenchResultJson.Serialize(r);
        Assert.DoesNotContain("AWS_SECRET", json, StringComparison.Ordinal);
        Assert.DoesNotContain("NCCL_DEBUG", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Result_lines_that_cannot_be_read_are_named_by_line_number()
    {
        const string text = """
            # nccl-tests all_reduce_perf
            #       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
            #        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)
                33554432       8388608     float     sum      -1    200.0  167.77  293.60      0    200.0  167.77  293.60      0
                67108864      16777216     float     sum      -1    garbled
               134217728      33554432     float     sum      -1    720.0  186.41  326.22      0    720.0  186.41  326.22      0
            """;
        var r = NcclTestsParser.Parse(text);
        Assert.Equal(2, r.Collectives.Count(c => !c.InPlace));
        Assert.Equal(1, r.Import!.SkippedLines);
        Assert.Contains("could not read 1 result line (not the columns of the table above it): line 5.", r.Warnings);
    }

    [Fact]
    public void A_malformed_json_report_names_the_line_and_position_counted_from_one()
    {
        var ex = Assert.Throws<FormatException>(() => NcclTestsParser.Parse("{\n  \"version\": 1,\n  \"results\": [ , ]\n}"));
        Assert.StartsWith("nccl-tests JSON report is malformed at line 3, position 16: ", ex.Message, StringComparison.Ordinal);      // the comma
        Assert.DoesNotContain("LineNumber", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unnamed_table_without_rank_lines_infers_collective_and_ranks_from_the_busbw_ratio()
    {
        const string text = """
            #       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
            #        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)
                33554432       8388608     float     sum      -1    200.0  167.77  293.60      0    200.0  167.77  293.60      0
               134217728      33554432     float     sum      -1    720.0  186.41  326.22      0    720.0  186.41  326.22      0
            """;
        var r = NcclTestsParser.Parse(text);
        Assert.All(r.Collectives, c => Assert.Equal("all_reduce", c.Collective));
        Assert.All(r.Collectives, c => Assert.Equal(8, c.Ranks));       // 2/(2 − 1.75)
        Assert.Contains(r.Warnings, w => w.Contains("assumed all_reduce", StringComparison.Ordinal));
        Assert.Contains(r.Warnings, w => w.Contains("inferred", StringComparison.Ordinal));
    }

    [Fact]
    public void Timestamp_column_and_srun_labels_are_tolerated()
    {
        const string text = """
            0: # Collective test starting: all_gather_perf
            0: # Using devices
            0: #  Rank  0 Group  0 Pid   1001 on       n1 device  0 [0000:18:00] NVIDIA H100 80GB HBM3
            0: #  Rank  1 Group  0 Pid   1002 on       n1 device  1 [0000:2a:00] NVIDIA H100 80GB HBM3
            0: #       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong timestamp
            0:      1048576        131072     float    none      -1    20.00   52.43   26.21      0    19.00   55.19   27.59      0  2026-06-01 12:00:00
            1: gpu1:1002:1002 [1] NCCL INFO comm 0x1 rank 1 nranks 2 - Init COMPLETE
            0:      2097152        262144     float    none      -1    30.00   69.91   34.95      0    29.00   72.32   36.16      0  2026-06-01 12:00:01
            0: # Avg bus bandwidth    : 31.2278
            0: # Collective test concluded: all_gather_perf
            """;
        var r = NcclTestsParser.Parse(text);
        Assert.Equal(4, r.Collectives.Count);
        Assert.All(r.Collectives, c => Assert.Equal("all_gather", c.Collective));
        Assert.All(r.Collectives, c => Assert.Equal(2, c.Ranks));
        Assert.Equal(27.59, r.Collectives.Single(c => c.SizeBytes == 1048576 && c.InPlace).BusbwGBps);
        Assert.Equal(31.2278, r.Import!.Reported["avgBusBandwidth"]);
    }

    [Fact]
    public void Exponent_formatted_times_parse()
    {
        const string text = """
            # Collective test starting: all_reduce_perf
            #  Rank  0 Group  0 Pid   1 on a device  0 [0000:18:00] G
            #  Rank  1 Group  0 Pid   2 on a device  1 [0000:2a:00] G
            #       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
             17179869184    4294967296     float     sum      -1  1.2e+05  143.17  143.17      0  1.2e+05  143.17  143.17    N/A
            """;
        var r = NcclTestsParser.Parse(text);
        Assert.Equal(2, r.Collectives.Count);
        Assert.Equal(120000, r.Collectives[0].TimeUs);
        Assert.Null(r.Collectives[1].Wrong);                              // "N/A" when errors are not checked
    }

    [Fact]
    public void Text_without_any_table_gives_an_empty_result_with_a_warning()
    {
        var r = NcclTestsParser.Parse("mpirun: command not found\n");
        Assert.Empty(r.Collectives);
        Assert.Contains(r.Warnings, w => w.Contains("no nccl-tests result rows", StringComparison.Ordinal));
    }
}
