using CapacityPlanner.Web.Shared.Layout;
using CapacityPlanner.Web.Tests.Support;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using MudBlazor.Extensions;

namespace CapacityPlanner.Web.Tests.Shared.Layout;

/// <summary>The app shell.</summary>
public sealed class MainLayoutTests : PlannerTestContext
{
    [Fact]
    public void Shows_the_product_name_the_planner_link_and_toggles_dark_mode()
    {
        var cut = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page body"))));

        Assert.Equal("CapacityPlanner", cut.Find("[data-testid=product-name]").TextContent.Trim());
        Assert.Contains("Planner", cut.Find("[data-testid=nav-menu]").TextContent, StringComparison.Ordinal);
        Assert.Contains("page body", cut.Markup, StringComparison.Ordinal);

        var theme = cut.FindComponent<MudThemeProvider>();
        Assert.False(theme.Instance.GetState(x => x.IsDarkMode));
        Assert.Equal("Switch to dark mode", cut.Find("[data-testid=theme-toggle]").GetAttribute("aria-label"));

        cut.Find("[data-testid=theme-toggle]").Click();

        Assert.True(theme.Instance.GetState(x => x.IsDarkMode));
        Assert.Equal("Switch to light mode", cut.Find("[data-testid=theme-toggle]").GetAttribute("aria-label"));
    }
}
