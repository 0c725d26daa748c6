using CapacityPlanner.Measurements.Import;

namespace CapacityPlanner.Measurements.Tests.Import;

public sealed class NvbandwidthParserTests
{
    [Fact]
    public void Text_output_gives_matrices_host_transfers_and_local_copy()
    {
        var r = NvbandwidthParser.Parse(Fixtures.Read("nvbandwidth-v0.8.txt"));

        Assert.Equal("v0.8", r.SourceVersion);
        Assert.Equal("580.95.05", r.Software!.DriverVersion);
        Assert.Equal(13000, r.Software.CudaRuntimeVersion);
        Assert.Equal(13000, r.Software.CudaDriverVersion);
        Assert.Equal(2, r.Devices.Count);
        Assert.Equal("NVIDIA H100 80GB HBM3", r.Devices[1].Name);
        Assert.Equal("00000000:2a:00", r.Devices[1].PciBusId);

        var h2d = r.HostTransfers.Where(h => h.Direction == "h2d").OrderBy(h => h.Device).ToList();
        var d2h = r.HostTransfers.Where(h => h.Direction == "d2h").OrderBy(h => h.Device).ToList();
        Assert.Equal([55.21, 55.18], h2d.Select(h => h.MedianGBps));
        Assert.Equal([55.49, 55.47], d2h.Select(h => h.MedianGBps));
        Assert.All(r.HostTransfers, h => Assert.Equal("ce", h.Engine));

        Assert.Equal(2, r.Memory.Count);
        Assert.All(r.Memory, m => Assert.Equal(2, m.TrafficFactor));    // bytes copied are counted once
        Assert.Equal(1497.04, r.Memory.Single(m => m.Device == 1).MedianGBps);

        var d2d = r.TransferMatrices.Single(m => m.Test == "device_to_device_memcpy_read_ce");
        Assert.Null(d2d.Values[0][0]);                                    // N/A on the diagonal
        Assert.Equal(389.71, d2d.Values[0][1]);
        Assert.Equal(779.36, d2d.Sum);
        var bidir = r.TransferMatrices.Where(m => m.Test == "device_to_device_bidirectional_memcpy_read_ce").ToList();
        Assert.Equal(3, bidir.Count);                                     // Read1, Read2, Total
        Assert.Contains("Total", bidir[2].Description, StringComparison.Ordinal);
        Assert.Equal(1460.20, bidir[2].Sum);
        Assert.Equal("ns", r.TransferMatrices.Single(m => m.Test == "host_device_latency_sm").Unit);
        Assert.Equal("waived", r.TransferMatrices.Single(m => m.Test == "device_to_device_memcpy_write_sm").Status);
        Assert.Equal(110.39, r.Import!.Reported["host_to_device_memcpy_ce"]);
    }

    [Fact]
    public void Json_output_with_string_cells_parses()
    {
        var r = NvbandwidthParser.Parse(Fixtures.Read("nvbandwidth.json"));
        Assert.Equal("v0.8", r.SourceVersion);
        Assert.Equal("gpu-node-3", r.Host!.Hostname);
        Assert.Equal("NVIDIA H200", r.Devices.Single().Name);
        Assert.Equal(56.02, r.HostTransfers.Single().MedianGBps);
        Assert.Equal("sm", r.HostTransfers.Single().Engine);
        Assert.Equal(2120.5, r.Memory.Single().MedianGBps);
        Assert.Equal("waived", r.TransferMatrices.Single(m => m.Test == "device_to_device_memcpy_read_ce").Status);
    }

    [Fact]
    public void Perf_formatter_lines_set_the_sum()
    {
        const string text = """
            Running host_to_device_memcpy_ce.
            memcpy CE CPU(row) -> GPU(column) bandwidth (GB/s)
                       0
             0     25.13

            &&&& PERF host_to_device_memcpy_ce 25.13 +GB/s
            """;
        var r = NvbandwidthParser.Parse(text);
        Assert.Equal(25.13, r.TransferMatrices.Single().Sum);
        Assert.Equal(25.13, r.HostTransfers.Single().MedianGBps);
    }
}
