using System.Globalization;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;

namespace CapacityPlanner.Web.Shared.Charts;

/// <summary>
/// Colours and the base layout of every chart, matched to the MudBlazor theme (light or dark): transparent
/// backgrounds so the chart sits on the paper, the theme's text colour and subtle grid lines.
/// </summary>
public sealed record ChartTheme(bool Dark)
{
    /// <summary>Light theme.</summary>
    public static ChartTheme Light { get; } = new(false);

    /// <summary>Dark theme.</summary>
    public static ChartTheme DarkTheme { get; } = new(true);

    /// <summary>The theme for a mode.</summary>
    public static ChartTheme For(bool dark) => dark ? DarkTheme : Light;

    /// <summary>Text colour.</summary>
    public string Text => Dark ? "rgba(255,255,255,0.87)" : "rgba(0,0,0,0.87)";

    /// <summary>Secondary text colour.</summary>
    public string TextSecondary => Dark ? "rgba(255,255,255,0.6)" : "rgba(0,0,0,0.6)";

    /// <summary>Grid line colour.</summary>
    public string Grid => Dark ? "rgba(255,255,255,0.12)" : "rgba(0,0,0,0.09)";

    /// <summary>Axis line colour.</summary>
    public string AxisLine => Dark ? "rgba(255,255,255,0.3)" : "rgba(0,0,0,0.3)";

    /// <summary>Colour of limits (HBM capacity, ratio 1, ridge).</summary>
    public string Limit => Dark ? "#ff8a80" : "#d32f2f";

    /// <summary>Hover label background.</summary>
    public string HoverBackground => Dark ? "#2a2a3c" : "#ffffff";

    /// <summary>MudBlazor's font stack.</summary>
    public const string FontFamily = "Roboto, Helvetica, Arial, sans-serif";

    /// <summary>Categorical series colours (readable on both backgrounds).</summary>
    public static IReadOnlyList<string> Series { get; } =
        ["#5c6bc0", "#26a69a", "#ef6c00", "#ab47bc", "#e53935", "#8d6e63", "#29b6f6", "#9ccc65", "#ec407a", "#78909c"];

    /// <summary>Series colour by index (wraps).</summary>
    public static string SeriesColor(int index) => Series[((index % Series.Count) + Series.Count) % Series.Count];

    /// <summary>A layout with the theme applied; callers add axes, shapes and annotations.</summary>
    public Plotly.Blazor.Layout BaseLayout(int height, string? title = null) => new()
    {
        Height = height,
        AutoSize = true,
        PaperBgColor = "rgba(0,0,0,0)",
        PlotBgColor = "rgba(0,0,0,0)",
        Font = new Font { Family = FontFamily, Color = Text, Size = 12 },
        Title = title is null ? null : new Title
        {
            Text = title,
            Font = new Plotly.Blazor.LayoutLib.TitleLib.Font { Size = 14, Color = Text, Family = FontFamily },
            X = 0,
            XAnchor = Plotly.Blazor.LayoutLib.TitleLib.XAnchorEnum.Left,
        },
        Margin = new Margin { L = 56, R = 16, T = title is null ? 16 : 40, B = 48, Pad = 2 },
        Legend =
        [
            new Legend
            {
                Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H,
                Y = 1.02m,
                X = 0,
                YAnchor = Plotly.Blazor.LayoutLib.LegendLib.YAnchorEnum.Bottom,
                TraceOrder = Plotly.Blazor.LayoutLib.LegendLib.TraceOrderFlag.Normal,
                Font = new Plotly.Blazor.LayoutLib.LegendLib.Font { Color = Text, Family = FontFamily, Size = 11 },
                BgColor = "rgba(0,0,0,0)",
            },
        ],
        HoverLabel = new HoverLabel { BgColor = HoverBackground, Font = new Plotly.Blazor.LayoutLib.HoverLabelLib.Font { Color = Text, Family = FontFamily } },
    };

    /// <summary>A themed x axis.</summary>
    public XAxis XAxis(string title, bool log = false, string? tickFormat = null) => new()
    {
        Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = title, Font = new Plotly.Blazor.LayoutLib.XAxisLib.TitleLib.Font { Color = TextSecondary, Family = FontFamily } },
        Type = log ? Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Log : null,
        GridColor = Grid,
        LineColor = AxisLine,
        ZeroLineColor = AxisLine,
        TickFont = new Plotly.Blazor.LayoutLib.XAxisLib.TickFont { Color = TextSecondary, Family = FontFamily },
        TickFormat = tickFormat,
        AutoMargin = Plotly.Blazor.LayoutLib.XAxisLib.AutoMarginFlag.True,
    };

    /// <summary>A themed y axis.</summary>
    public YAxis YAxis(string title, bool log = false, string? tickFormat = null) => new()
    {
        Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = title, Font = new Plotly.Blazor.LayoutLib.YAxisLib.TitleLib.Font { Color = TextSecondary, Family = FontFamily } },
        Type = log ? Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Log : null,
        GridColor = Grid,
        LineColor = AxisLine,
        ZeroLineColor = AxisLine,
        TickFont = new Plotly.Blazor.LayoutLib.YAxisLib.TickFont { Color = TextSecondary, Family = FontFamily },
        TickFormat = tickFormat,
        AutoMargin = Plotly.Blazor.LayoutLib.YAxisLib.AutoMarginFlag.True,
    };

    /// <summary>Plotly config shared by every chart: no logo, responsive, PNG export named after the chart.</summary>
    public static Config Config(string fileName) => new()
    {
        DisplayLogo = false,
        Responsive = true,
        ModeBarButtonsToRemove = new[] { "select2d", "lasso2d", "autoScale2d" },
        ToImageButtonOptions = new Dictionary<string, object> { ["format"] = "png", ["filename"] = fileName, ["scale"] = 2 },
    };

    /// <summary>Converts to the decimal Plotly.Blazor uses (0 for non-finite values).</summary>
    public static decimal D(double value) => double.IsFinite(value) ? (decimal)Math.Clamp(value, -7.9e27, 7.9e27) : 0m;

    /// <summary>Boxes values for a trace's X or Y.</summary>
    public static IList<object> Values(IEnumerable<double> values) => values.Select(Number).ToList();

    /// <summary>Boxes values for a trace's X or Y; null becomes a gap.</summary>
    public static IList<object> Values(IEnumerable<double?> values) => values.Select(v => v is { } x && double.IsFinite(x) ? Number(x) : null!).ToList();

    /// <summary>
    /// A chart number. Plotly.Blazor hands numbers to plotly.js through <c>decimal</c>, which overflows near 7.9e28 and
    /// kills the circuit; larger magnitudes (training FLOP up to 1e31) go as numeric strings, which plotly.js parses.
    /// </summary>
    public static object Number(double value) =>
        Math.Abs(value) < 7.9e28 ? value : value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Boxes labels for a trace's X or Y.</summary>
    public static IList<object> Labels(IEnumerable<string> labels) => labels.Select(v => (object)v).ToList();

    /// <summary>Invariant formatting for hover texts.</summary>
    public static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
