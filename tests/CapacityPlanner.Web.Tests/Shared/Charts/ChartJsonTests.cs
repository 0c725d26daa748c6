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

    [Fact]
    public void The_data_revision_is_set_in_the_layout_as_if_it_had_been_serialized_with_it()
    {
        var step = Render<Planner>().FindComponents<PlotlyFigure>().First(f => f.Instance.TestId == "step-chart").Instance.Figure!;
        var config = ChartTheme.Config("step");
        var layout = step.Layout;
        layout.DataRevision = null;
        var without = ChartJson.Figure(step.Data, layout, config);
        layout.DataRevision = 7;
        var with = ChartJson.Figure(step.Data, layout, config);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(with), JsonNode.Parse(ChartJson.WithDataRevision(without, 7))));
        Assert.Equal("""{"data":[],"layout":{"datarevision":3},"config":{}}""", ChartJson.WithDataRevision("""{"data":[],"layout":{},"config":{}}""", 3));
    }

    [Fact]
    public void An_edit_that_leaves_a_chart_as_it_was_keeps_its_revision_and_sends_nothing_new()
    {
        var cut = Render<Planner>();
        string Attribute(string id) => cut.Find($"[data-testid={id}] .chart-target").GetAttribute("data-figure")!;
        var step = Attribute("step-chart");
        var days = cut.Find("[data-testid=time-to-train]").TextContent;

        // A larger token budget: a longer run, the same step and the same memory per GPU.
        cut.Find("input[data-testid=tokens]").Input("5000");

        cut.WaitForAssertion(() => Assert.NotEqual(days, cut.Find("[data-testid=time-to-train]").TextContent));
        Assert.Equal("1", cut.Find("[data-testid=step-chart]").GetAttribute("data-revision"));
        Assert.Equal("1", cut.Find("[data-testid=memory-chart]").GetAttribute("data-revision"));
        Assert.Equal(step, Attribute("step-chart"));

        // The next edit that changes the step draws the next revision.
        cut.Find("input[data-testid=micro-batch]").Input("2");
        cut.WaitForAssertion(() => Assert.Equal("2", cut.Find("[data-testid=step-chart]").GetAttribute("data-revision")));
    }
}
