using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Web.Features.Validation;
using CapacityPlanner.Web.Shared.Charts;

namespace CapacityPlanner.Web.Tests.Features.Validation;

/// <summary>The predicted-against-published scatter of the Validation page.</summary>
public sealed class ValidationChartTests
{
    [Fact]
    public void Log_axes_label_1_2_and_5_per_decade_so_a_narrow_filtered_range_stays_readable()
    {
        var rows = ValidationSet.RunShipped("torchtitan").Results.Select(r => ValidationRow.From(r)).ToList();
        var figure = ValidationChart.Figure(rows, [], ChartTheme.For(false));
        Assert.Equal("D2", figure.Layout.XAxis![0].DTick);
        Assert.Equal("D2", figure.Layout.YAxis![0].DTick);
        Assert.StartsWith("4 published runs and 0 of yours plotted", figure.Summary, StringComparison.Ordinal);
    }
}
