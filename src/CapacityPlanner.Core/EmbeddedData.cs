namespace CapacityPlanner.Core;

/// <summary>Reads the JSON data files embedded in this assembly (the only I/O Core does).</summary>
internal static class EmbeddedData
{
    public static string Read(string fileName)
    {
        var name = "CapacityPlanner.Core.Data." + fileName;
        using var stream = typeof(EmbeddedData).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded data file '{fileName}' is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
