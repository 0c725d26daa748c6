using MudBlazor;

namespace CapacityPlanner.Web.Shared.Layout;

/// <summary>The app's MudBlazor theme (light and dark palettes).</summary>
internal static class PlannerTheme
{
    /// <summary>Shared theme instance.</summary>
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3949ab",
            Secondary = "#00897b",
            AppbarBackground = "#283593",
            Background = "#f5f6fa",
            DrawerBackground = "#ffffff",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8c9eff",
            Secondary = "#4db6ac",
            AppbarBackground = "#1e1e2d",
            Background = "#16161f",
            Surface = "#1e1e2d",
            DrawerBackground = "#1a1a27",
        },
        LayoutProperties = new LayoutProperties
        {
            DrawerWidthLeft = "220px",
        },
    };
}
