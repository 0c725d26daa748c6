namespace CapacityPlanner.Runner.Native;

/// <summary>Float → bf16 / fp16 / fp8 (E4M3, the "fn" variant: no infinities, max 448) bit patterns, round to nearest even.</summary>
internal static class LowPrecision
{
    public static ushort ToBf16(float f)
    {
        var bits = BitConverter.SingleToUInt32Bits(f);
        if (float.IsNaN(f)) return 0x7FC0;
        bits += 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)(bits >> 16);
    }

    public static ushort ToFp16(float f) => BitConverter.HalfToUInt16Bits((Half)f);

    public static byte ToFp8E4M3(float f)
    {
        if (float.IsNaN(f)) return 0x7F;
        var sign = f < 0 || (f == 0 && float.IsNegative(f)) ? 0x80 : 0;
        var a = Math.Abs((double)f);
        if (a >= 448) return (byte)(sign | 0x7E);
        const double minNormal = 1.0 / 64;           // 2^-6
        if (a < minNormal)
        {
            // Subnormals: mantissa · 2^-9.
            var m = (int)Math.Round(a * 512, MidpointRounding.ToEven);
            return (byte)(sign | (m >= 8 ? 0x08 : m));
        }
        var e = (int)Math.Floor(Math.Log2(a));
        var mant = (int)Math.Round((a / Math.Pow(2, e) - 1) * 8, MidpointRounding.ToEven);
        if (mant == 8)
        {
            mant = 0;
            e++;
        }
        var exp = e + 7;
        if (exp > 15 || (exp == 15 && mant == 7)) return (byte)(sign | 0x7E);
        return (byte)(sign | (exp << 3) | mant);
    }

    public static float FromFp8E4M3(byte b)
    {
        var sign = (b & 0x80) != 0 ? -1.0 : 1.0;
        var exp = (b >> 3) & 0xF;
        var mant = b & 0x7;
        if (exp == 15 && mant == 7) return float.NaN;
        return (float)(sign * (exp == 0 ? mant / 8.0 * Math.Pow(2, -6) : (1 + mant / 8.0) * Math.Pow(2, exp - 7)));
    }

    public static float FromBf16(ushort b) => BitConverter.UInt32BitsToSingle((uint)b << 16);
}
