using System.Globalization;
using System.Text.Json;

namespace CapacityPlanner.Web.Hardware;

/// <summary>
/// A user-defined accelerator as the hardware page edits it: the scenario document's inline custom chip
/// (<c>"system": { "chip": { "id": …, "baseOn": …, … } }</c>). Empty fields inherit from <see cref="BaseOn"/>.
/// </summary>
public sealed class CustomChipDefinition
{
    /// <summary>Id used in selects and URLs; must not clash with a catalog id.</summary>
    public string Id { get; set; } = "";

    /// <summary>Display name.</summary>
    public string? Name { get; set; }

    /// <summary>Catalog chip whose figures fill every empty field.</summary>
    public string? BaseOn { get; set; } = "h100-sxm";

    /// <summary>Dense BF16 peak [TFLOP/s].</summary>
    public double? PeakBf16Tflops { get; set; }

    /// <summary>Dense FP16 peak [TFLOP/s].</summary>
    public double? PeakFp16Tflops { get; set; }

    /// <summary>Dense FP8 peak [TFLOP/s].</summary>
    public double? PeakFp8Tflops { get; set; }

    /// <summary>HBM capacity [GiB].</summary>
    public double? HbmCapacityGiB { get; set; }

    /// <summary>HBM bandwidth [TB/s].</summary>
    public double? HbmBandwidthTBps { get; set; }

    /// <summary>Thermal design power [W].</summary>
    public double? TdpWatts { get; set; }

    /// <summary>Scale-up bandwidth per GPU per direction [GB/s].</summary>
    public double? ScaleUpBandwidthGBps { get; set; }

    /// <summary>GPUs in one scale-up domain.</summary>
    public int? ScaleUpDomainSize { get; set; }

    /// <summary>Scale-out NIC per GPU [Gb/s].</summary>
    public double? ScaleOutGbpsPerGpu { get; set; }

    /// <summary>Best achievable matmul fraction of peak (0–1].</summary>
    public double? GemmEfficiency { get; set; }

    /// <summary>Achievable fraction of HBM bandwidth (0–1].</summary>
    public double? HbmEfficiency { get; set; }

    /// <summary>A copy (the editor works on a copy until it is saved).</summary>
    public CustomChipDefinition Clone() => (CustomChipDefinition)MemberwiseClone();

    /// <summary>Writes the inline chip object of a scenario document (only the fields that are set).</summary>
    public void WriteJson(Utf8JsonWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.WriteStartObject();
        w.WriteString("id", Id);
        if (!string.IsNullOrWhiteSpace(Name)) w.WriteString("name", Name);
        if (!string.IsNullOrWhiteSpace(BaseOn)) w.WriteString("baseOn", BaseOn);
        if (PeakBf16Tflops is not null || PeakFp16Tflops is not null || PeakFp8Tflops is not null)
        {
            w.WriteStartObject("peakTflops");
            Num(w, "bf16", PeakBf16Tflops);
            Num(w, "fp16", PeakFp16Tflops);
            Num(w, "fp8", PeakFp8Tflops);
            w.WriteEndObject();
        }
        Num(w, "hbmCapacityGiB", HbmCapacityGiB);
        Num(w, "hbmBandwidthTBps", HbmBandwidthTBps);
        Num(w, "tdpWatts", TdpWatts);
        Num(w, "scaleUpBandwidthGBps", ScaleUpBandwidthGBps);
        if (ScaleUpDomainSize is { } domain) w.WriteNumber("scaleUpDomainSize", domain);
        Num(w, "scaleOutGbpsPerGpu", ScaleOutGbpsPerGpu);
        Num(w, "gemmEfficiency", GemmEfficiency);
        Num(w, "hbmEfficiency", HbmEfficiency);
        w.WriteEndObject();
    }

    /// <summary>The inline chip object as JSON text.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            WriteJson(w);
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Id} (based on {BaseOn ?? "nothing"})");

    private static void Num(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v) w.WriteNumber(name, v);
    }
}
