using System.Net;
using System.Net.Sockets;
using System.Text;
using CapacityPlanner.Measurements;
using CapacityPlanner.TestSupport;
using CapacityPlanner.Cli.Tests.Support;

namespace CapacityPlanner.Cli.Tests.Commands;

/// <summary>A one-request HTTP server on 127.0.0.1 (TcpListener, no Kestrel) that records what it received.</summary>
internal sealed class FakeDashboard : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _serve;

    public FakeDashboard(int status, string reason, string body)
    {
        _listener.Start();
        _serve = Task.Run(async () =>
        {
            using var client = await _listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var buffer = new MemoryStream();
            var chunk = new byte[65536];
            int headerEnd = -1, contentLength = 0;
            while (true)
            {
                var n = await stream.ReadAsync(chunk);
                if (n == 0) break;
                buffer.Write(chunk, 0, n);
                var text = Encoding.ASCII.GetString(buffer.ToArray());
                if (headerEnd < 0 && (headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                {
                    RequestLine = text[..text.IndexOf("\r\n", StringComparison.Ordinal)];
                    Headers = text[..headerEnd];
                    foreach (var line in Headers.Split("\r\n"))
                    {
                        if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) contentLength = int.Parse(line[15..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    }
                    if (Headers.Contains("Expect: 100-continue", StringComparison.OrdinalIgnoreCase)) await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 100 Continue\r\n\r\n"));
                }
                if (headerEnd >= 0 && buffer.Length >= headerEnd + 4 + contentLength) break;
            }
            Body = Encoding.UTF8.GetString(buffer.ToArray(), headerEnd + 4, contentLength);
            var payload = Encoding.UTF8.GetBytes(body);
            var response = $"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
            await stream.WriteAsync(payload);
        });
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
    public string? RequestLine { get; private set; }
    public string? Headers { get; private set; }
    public string? Body { get; private set; }

    public Task Served => _serve;

    public void Dispose() => _listener.Stop();
}

public sealed class UploadCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("capplan-upload").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string ResultFile()
    {
        var doc = new BenchResult
        {
            Backend = "cpu",
            CreatedUtc = DateTimeOffset.UtcNow,
            Gemm = [new GemmMeasurement { Dtype = "fp32", M = 64, N = 64, K = 64, Flops = 2.0 * 64 * 64 * 64, MedianTflops = 0.01, BurstTflops = 0.011 }],
        };
        var path = Path.Combine(_dir, "result.json");
        File.WriteAllText(path, BenchResultJson.Serialize(doc));
        return path;
    }

    [Fact]
    public async Task Posts_the_document_to_api_benchmarks_and_reports_the_answer()
    {
        using var server = new FakeDashboard(201, "Created", "{\"id\":\"b-42\"}");
        var file = ResultFile();
        var (code, output, err) = await BenchTestSupport.Run("upload", file, "--server", server.Url + "/");
        await server.Served;
        Assert.True(code == 0, err);
        Assert.Equal("POST /api/benchmarks HTTP/1.1", server.RequestLine);
        Assert.Contains("Content-Type: application/json", server.Headers, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(File.ReadAllText(file), server.Body);
        Assert.Contains("201 Created", output, StringComparison.Ordinal);
        Assert.Contains("id b-42", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_error_is_reported_with_its_status_and_body()
    {
        using var server = new FakeDashboard(500, "Internal Server Error", "{\"error\":\"database is locked\"}");
        var (code, _, err) = await BenchTestSupport.Run("upload", ResultFile(), "--server", server.Url);
        await server.Served;
        Assert.Equal(1, code);
        Assert.Contains("answered 500 Internal Server Error", err, StringComparison.Ordinal);
        Assert.Contains("database is locked", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rejected_document_is_invalid_input()
    {
        using var server = new FakeDashboard(400, "Bad Request", "{\"errors\":[\"$.gemm[0]: bad\"]}");
        var (code, _, err) = await BenchTestSupport.Run("upload", ResultFile(), "--server", server.Url);
        await server.Served;
        Assert.Equal(2, code);
        Assert.Contains("400 Bad Request", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_is_a_clear_failure()
    {
        var port = Loopback.FreePort();                          // nothing listens there
        var (code, _, err) = await BenchTestSupport.Run("upload", ResultFile(), "--server", $"http://127.0.0.1:{port}", "--timeout", "10");
        Assert.Equal(1, code);
        Assert.Contains($"cannot reach http://127.0.0.1:{port}/api/benchmarks", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_files_and_arguments_are_refused_before_anything_is_sent()
    {
        var notResult = Path.Combine(_dir, "scenario.json");
        File.WriteAllText(notResult, "{ \"schemaVersion\": 2, \"backend\": \"cpu\" }");
        var (code, _, err) = await BenchTestSupport.Run("upload", notResult, "--server", "http://127.0.0.1:1");
        Assert.Equal(2, code);
        Assert.Contains("reads version 1", err, StringComparison.Ordinal);

        var big = Path.Combine(_dir, "big.json");
        using (var f = File.Create(big)) f.SetLength(17L << 20);
        (code, _, err) = await BenchTestSupport.Run("upload", big, "--server", "http://127.0.0.1:1");
        Assert.Equal(2, code);
        Assert.Contains("limited to 16 MiB", err, StringComparison.Ordinal);

        (code, _, err) = await BenchTestSupport.Run("upload", ResultFile(), "--server", "ftp://x");
        Assert.Equal(2, code);
        Assert.Contains("http:// or https://", err, StringComparison.Ordinal);

        (code, _, err) = await BenchTestSupport.Run("upload", ResultFile());
        Assert.Equal(2, code);
        Assert.Contains("--server URL is required", err, StringComparison.Ordinal);

        (code, _, err) = await BenchTestSupport.Run("upload", ResultFile(), "--server", "http://127.0.0.1:1", "--include-cpu");
        Assert.Equal(2, code);
        Assert.Contains("go with --calibrate CHIP|auto", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_without_the_stored_id_cannot_calibrate_and_says_so()
    {
        // The upload is accepted, but the answer names no id: the calibration step cannot be asked for.
        using var server = new FakeDashboard(201, "Created", "{}");
        var (code, output, err) = await BenchTestSupport.Run("upload", ResultFile(), "--server", server.Url, "--calibrate", "auto");
        await server.Served;
        Assert.Equal(1, code);
        Assert.Contains("uploaded", output, StringComparison.Ordinal);
        Assert.Contains("did not say the stored result's id", err, StringComparison.Ordinal);
    }
}
