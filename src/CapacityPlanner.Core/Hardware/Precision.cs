namespace CapacityPlanner.Core.Hardware;

/// <summary>Numeric formats a chip can run matrix math in.</summary>
public enum Precision
{
    /// <summary>IEEE double (FP64 tensor/matrix rate where the chip has one).</summary>
    Fp64,
    /// <summary>IEEE single, non-tensor.</summary>
    Fp32,
    /// <summary>NVIDIA TF32 tensor format (fp32 range, 10-bit mantissa).</summary>
    Tf32,
    /// <summary>bfloat16.</summary>
    Bf16,
    /// <summary>IEEE half.</summary>
    Fp16,
    /// <summary>8-bit float (E4M3/E5M2).</summary>
    Fp8,
    /// <summary>4-bit float (NVFP4/MXFP4).</summary>
    Fp4,
}

/// <summary>Helpers for <see cref="Precision"/>.</summary>
public static class PrecisionExtensions
{
    /// <summary>All precisions in catalog order.</summary>
    public static IReadOnlyList<Precision> All { get; } = Enum.GetValues<Precision>();

    /// <summary>The lower-case name used in scenario documents and the catalog ("bf16").</summary>
    public static string ToId(this Precision precision) => precision switch
    {
        Precision.Fp64 => "fp64",
        Precision.Fp32 => "fp32",
        Precision.Tf32 => "tf32",
        Precision.Bf16 => "bf16",
        Precision.Fp16 => "fp16",
        Precision.Fp8 => "fp8",
        Precision.Fp4 => "fp4",
        _ => throw new ArgumentOutOfRangeException(nameof(precision)),
    };

    /// <summary>Parses an id such as "bf16"; false when unknown.</summary>
    public static bool TryParse(string? id, out Precision precision)
    {
        foreach (var p in All)
        {
            if (string.Equals(p.ToId(), id, StringComparison.OrdinalIgnoreCase))
            {
                precision = p;
                return true;
            }
        }
        precision = default;
        return false;
    }

    /// <summary>
    /// Bytes of one activation element that is stored or communicated when training in this precision.
    /// FP8/FP4 recipes keep activations, weights and gradients that cross the network in 16 bits
    /// (Micikevicius et al. 2022, "FP8 formats for deep learning", §4; Transformer Engine keeps bf16 I/O).
    /// </summary>
    public static int ActivationBytes(this Precision precision) => precision switch
    {
        Precision.Fp64 => 8,
        Precision.Fp32 or Precision.Tf32 => 4,
        _ => 2,
    };

    /// <summary>True for the formats that need per-tensor scaling and quantisation passes (FP8, FP4).</summary>
    public static bool IsLowPrecision(this Precision precision) => precision is Precision.Fp8 or Precision.Fp4;
}
