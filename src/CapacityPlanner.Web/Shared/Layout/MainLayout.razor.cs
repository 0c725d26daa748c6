using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace CapacityPlanner.Web.Shared.Layout;

/// <summary>App shell: MudBlazor providers, app bar with the light/dark toggle, navigation drawer.</summary>
public partial class MainLayout
{
    private MudThemeProvider? _themeProvider;
    private bool _isDarkMode;
    private bool _drawerOpen = true;
    private bool _userChoseTheme;

    [Inject] private IJSRuntime JS { get; set; } = default!;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            await JS.InvokeVoidAsync("capacityPlanner.markInteractive");
        }
        if (firstRender && _themeProvider is not null)
        {
            // Follow the browser's colour scheme until the user picks one.
            var systemDark = await _themeProvider.GetSystemDarkModeAsync();
            if (!_userChoseTheme && systemDark != _isDarkMode)
            {
                _isDarkMode = systemDark;
                StateHasChanged();
            }
        }
    }

    private void ToggleDrawer() => _drawerOpen = !_drawerOpen;

    private void ToggleDarkMode()
    {
        _userChoseTheme = true;
        _isDarkMode = !_isDarkMode;
    }
}
