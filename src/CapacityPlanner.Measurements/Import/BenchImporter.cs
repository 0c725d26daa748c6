namespace CapacityPlanner.Measurements.Import;

/// <summary>Turns another tool's output into a <see cref="BenchResult"/>.</summary>
public static class BenchImporter
{
    /// <summary>Tools that can be imported.</summary>
    public static IReadOnlyList<string> Tools { get; } = [BenchSources.NcclTests, BenchSources.Nvbandwidth, BenchSources.MamfFinder];

    /// <summary>
    /// Parses <paramref name="text"/> as the output of <paramref name="tool"/> (nccl-tests, nvbandwidth, mamf-finder).
    /// Throws <see cref="FormatException"/> for a malformed JSON report and <see cref="ArgumentException"/> for an unknown tool.
    /// </summary>
    /// <param name="tool">Tool name.</param>
    /// <param name="text">The tool's output.</param>
    /// <param name="fileName">File name to record.</param>
    /// <param name="createdUtc">Time to stamp on the document.</param>
    /// <param name="collectiveHint">For nccl-tests: the collective to assume when the output does not name it.</param>
    public static BenchResult Import(string tool, string text, string? fileName = null, DateTimeOffset? createdUtc = null, string? collectiveHint = null)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var result = tool.Trim().ToLowerInvariant() switch
        {
            "nccl-tests" or "nccl" or "nccl_tests" => NcclTestsParser.Parse(text, fileName, collectiveHint),
            "nvbandwidth" => NvbandwidthParser.Parse(text, fileName),
            "mamf-finder" or "mamf" or "mamf_finder" => MamfFinderParser.Parse(text, fileName),
            _ => throw new ArgumentException($"unknown tool '{tool}'; known: {string.Join(", ", Tools)}.", nameof(tool)),
        };
        return result with { CreatedUtc = createdUtc ?? DateTimeOffset.UtcNow, RequestedBackend = "import", BackendReason = $"imported from {result.Source} output" };
    }
}
