using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bunit.TestDoubles;
using CapacityPlanner.Web.Features.Planner;
using CapacityPlanner.Web.Features.Scaling;
using CapacityPlanner.Web.Shared.Charts;
using CapacityPlanner.Web.Shared.Widgets;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Plotly.Blazor;

namespace CapacityPlanner.Web.Tests.Shared.Charts;

/// <summary>The charts' JSON is what Plotly.Blazor itself sends to plotly.js (its internal PrepareJsInterop).</summary>
public sealed class ChartJsonTests : PlannerTestContext
{
    private static readonly MethodInfo s_prepare = typeof(PlotlyChart).Assembly.GetType("Plotly.Blazor.Extensions")!
        .GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic).Single(m => m.Name == "PrepareJsInterop");

    private static JsonNode? Theirs<T>(T value) =>
        JsonNode.Parse(JsonSerializer.Serialize(s_prepare.MakeGenericMethod(typeof(T)).Invoke(null, [value, null])));

    [Fact]
    public void Every_planner_and_scaling_chart_serializes_exactly_as_plotly_blazor_does()
    {
        var figures = new List<ChartFigure>();
        figures.AddRange(Render<Planner>().FindComponents<PlotlyFigure>().Select(f => f.Instance.Figure).OfType<ChartFigure>());
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/scaling?preset=llama3-8b&chips=h100-sxm&min=8&max=16&batch=512");
        var scaling = Render<Scaling>();
        scaling.WaitForAssertion(() => Assert.Empty(scaling.FindAll("[data-testid=sweep-progress]")), TimeSpan.FromSeconds(60));
        figures.AddRange(scaling.FindComponents<PlotlyFigure>().Select(f => f.Instance.Figure).OfType<ChartFigure>());
        Assert.True(figures.Count >= 6);

        foreach (var figure in figures)
        {
            Assert.NotEmpty(figure.Data);
            foreach (var trace in figure.Data)
            {
                Assert.True(JsonNode.DeepEquals(Theirs<ITrace>(trace), JsonNode.Parse(ChartJson.Of(trace))), ChartJson.Of(trace));
            }
            Assert.True(JsonNode.DeepEquals(Theirs(figure.Layout), JsonNode.Parse(ChartJson.Of(figure.Layout))), ChartJson.Of(figure.Layout));
        }
        var config = ChartTheme.Config("step-time-breakdown");
        Assert.True(JsonNode.DeepEquals(Theirs(config), JsonNode.Parse(ChartJson.Of(config))), ChartJson.Of(config));

        // The whole figure: data, layout and config, as js/charts.js reads it.
        var step = figures[0];
        var whole = JsonNode.Parse(ChartJson.Figure(step.Data, step.Layout, config))!;
        Assert.Equal(step.Data.Count, whole["data"]!.AsArray().Count);
        Assert.NotNull(whole["layout"]);
        Assert.NotNull(whole["config"]);
    }

    [Fact]
    public void A_chart_sends_its_figure_with_the_render_batch_and_an_edit_sends_the_next_revision()
    {
        var cut = Render<Planner>();
        JsonNode Figure() => JsonNode.Parse(cut.Find("[data-testid=step-chart] .chart-target").GetAttribute("data-figure")!)!;
        var chart = cut.FindComponents<PlotlyFigure>().First(f => f.Instance.TestId == "step-chart").Instance;

        var first = Figure();
        Assert.Equal(1, first["layout"]!["datarevision"]!.GetValue<int>());
        Assert.Equal(chart.Figure!.Data.Count, first["data"]!.AsArray().Count);
        Assert.Equal("step-chart", cut.Find("[data-testid=step-chart] .chart-target").GetAttribute("data-chart-key"));

        cut.Find("input[data-testid=micro-batch]").Input("2");

        cut.WaitForAssertion(() => Assert.Equal(2, Figure()["layout"]!["datarevision"]!.GetValue<int>()));
        Assert.False(JsonNode.DeepEquals(first["data"], Figure()["data"]));
        // No JS interop: the browser draws the attribute (app.js), so nothing waits for an acknowledged render batch.
        Assert.DoesNotContain(JSInterop.Invocations, i => i.Identifier is "import" or "react" or "newPlot");
    }
}
