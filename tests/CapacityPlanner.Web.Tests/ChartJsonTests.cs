using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bunit.TestDoubles;
using CapacityPlanner.Web.Charts;
using CapacityPlanner.Web.Components.Pages;
using CapacityPlanner.Web.Components.Widgets;
using Microsoft.Extensions.DependencyInjection;
using Plotly.Blazor;

namespace CapacityPlanner.Web.Tests;

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
}
