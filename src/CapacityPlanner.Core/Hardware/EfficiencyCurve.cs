namespace CapacityPlanner.Core.Hardware;

/// <summary>
/// A monotone piecewise-linear curve in log10(x): efficiency as a function of problem size
/// (FLOPs of one GEMM, or bytes of one transfer). Clamped at both ends.
/// </summary>
public sealed class EfficiencyCurve
{
    private readonly double[] _log10X;
    private readonly double[] _y;

    /// <summary>Creates a curve from (x, efficiency) points; x must be positive and strictly increasing.</summary>
    public EfficiencyCurve(IReadOnlyList<(double X, double Efficiency)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0) throw new ArgumentException("A curve needs at least one point.", nameof(points));
        _log10X = new double[points.Count];
        _y = new double[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            if (points[i].X <= 0) throw new ArgumentException("Curve x values must be positive.", nameof(points));
            if (i > 0 && points[i].X <= points[i - 1].X) throw new ArgumentException("Curve x values must increase.", nameof(points));
            _log10X[i] = Math.Log10(points[i].X);
            _y[i] = points[i].Efficiency;
        }
    }

    /// <summary>The points, for display and serialisation.</summary>
    public IEnumerable<(double X, double Efficiency)> Points => _log10X.Select((l, i) => (Math.Pow(10, l), _y[i]));

    /// <summary>Interpolated efficiency at x.</summary>
    public double At(double x)
    {
        if (x <= 0) return _y[0];
        var l = Math.Log10(x);
        if (l <= _log10X[0]) return _y[0];
        var last = _log10X.Length - 1;
        if (l >= _log10X[last]) return _y[last];
        var i = 1;
        while (_log10X[i] < l) i++;
        var t = (l - _log10X[i - 1]) / (_log10X[i] - _log10X[i - 1]);
        return _y[i - 1] + t * (_y[i] - _y[i - 1]);
    }
}
