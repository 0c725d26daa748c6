using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Roofline;
using CapacityPlanner.Core.Search;
using CapacityPlanner.Web.Features.Roofline;
using CapacityPlanner.Web.Features.Scaling;
using CapacityPlanner.Web.Shared.Charts;
using Plotly.Blazor.Traces;

namespace CapacityPlanner.Web.Tests.Shared.Charts;

/// <summary>
/// Plotly renders a subset of HTML in names, labels, annotations and hover text: a chip named like a link must show
/// as text (escaped by <see cref="ChartText"/>), never become a clickable link in the Scaling or Roofline charts.
/// </summary>
public sealed class ChartEscapingTests
{
    private const string Hostile = "<a href=\"https://evil.example\" target=\"_blank\">click</a> & co";
    private const string Escaped = "&lt;a href=\"https://evil.example\" target=\"_blank\"&gt;click&lt;/a&gt; &amp; co";

    // Every string the figure hands to Plotly (trace fields, layout annotations and titles), found by walking its objects.
    private static void AssertNoMarkupFromUser(ChartFigure figure)
    {
        var strings = new List<string>();
        foreach (var trace in figure.Data) Collect(trace, strings, 0);
        Collect(figure.Layout, strings, 0);
        Assert.DoesNotContain(strings, s => s.Contains("<a", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(strings, s => s.Contains(Escaped, StringComparison.Ordinal));
    }

    private static void Collect(object? value, List<string> into, int depth)
    {
        switch (value)
        {
            case null:
                return;
            case string s:
                into.Add(s);
                return;
            case System.Collections.IEnumerable items:
                foreach (var item in items) Collect(item, into, depth + 1);
                return;
        }
        var type = value.GetType();
        if (depth > 8 || type.IsPrimitive || type.IsEnum || type.Namespace?.StartsWith("Plotly.Blazor", StringComparison.Ordinal) != true) return;
        foreach (var property in type.GetProperties().Where(p => p.GetIndexParameters().Length == 0 && p.CanRead))
        {
            Collect(property.GetValue(value), into, depth + 1);
        }
    }

    private static SweepOutcome Sweep() => new("evil", Hostile, ScalingMode.Strong, new SweepResult
    {
        Points =
        [
            new SweepPoint { Gpus = 8, GlobalBatchSequences = 64, TokensPerSecond = 1e5, ScalingEfficiency = 1, ComputeToExposedCommunicationRatio = 3 },
            new SweepPoint { Gpus = 16, GlobalBatchSequences = 64, Infeasible = "does not fit on " + Hostile },
        ],
        BreakEvenGpus = 12,
        Mode = ScalingMode.Strong,
        ElapsedMilliseconds = 1,
        Evaluated = 2,
    }, []);

    [Fact]
    public void Escaping_turns_markup_into_entities_and_leaves_plain_text_alone()
    {
        Assert.Equal(Escaped, ChartText.Escape(Hostile));
        Assert.Equal("H100 SXM 80 GB", ChartText.Escape("H100 SXM 80 GB"));
        Assert.Equal("", ChartText.Escape(null));
    }

    [Fact]
    public void Scaling_charts_show_a_hostile_chip_name_as_text()
    {
        var sweep = Sweep();
        foreach (var figure in new[]
                 {
                     ScalingCharts.Throughput([sweep], ChartTheme.Light),
                     ScalingCharts.Efficiency([sweep], ChartTheme.Light),
                     ScalingCharts.StrongVsWeak(sweep, null, ChartTheme.Light),
                 })
        {
            var names = figure.Data.OfType<Scatter>().Select(s => s.Name).ToList();
            Assert.DoesNotContain(names, n => n != null && n.Contains("<a", StringComparison.Ordinal));
            AssertNoMarkupFromUser(figure);
        }
        var throughput = (Scatter)ScalingCharts.Throughput([sweep], ChartTheme.Light).Data[0];
        Assert.Equal(Escaped, throughput.Name);
        Assert.StartsWith("<b>" + Escaped + "</b>", throughput.HoverTemplate, StringComparison.Ordinal);   // the code's own <b> stays markup
        Assert.Contains(throughput.HoverTextArray!, h => h.EndsWith("does not fit on " + Escaped, StringComparison.Ordinal));
    }

    [Fact]
    public void Roofline_charts_show_a_hostile_chip_name_as_text()
    {
        var roof = new ChipRoofline(Precision.Bf16, 989e12, 3.35e12, 989e12 / 3.35e12);
        var figure = RooflineCharts.Roofline([new ChipRooflines(Hostile, [roof])], null, [], ChartTheme.Light);
        AssertNoMarkupFromUser(figure);
        Assert.StartsWith(Escaped, ((Scatter)figure.Data[0]).Name, StringComparison.Ordinal);
    }
}
