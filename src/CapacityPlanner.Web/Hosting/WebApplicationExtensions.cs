using CapacityPlanner.Web.Components;

namespace CapacityPlanner.Web.Hosting;

/// <summary>Request pipeline of the web app.</summary>
public static class WebApplicationExtensions
{
    /// <summary>Error handling, static assets, antiforgery, the health endpoint and the Razor components.</summary>
    public static WebApplication UseCapacityPlanner(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        }
        // TLS is terminated in front of the container (ASPNETCORE_HTTP_PORTS=8080), so there is no HTTPS redirection here.
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAntiforgery();

        app.UsePackageAssetCaching();
        app.MapStaticAssets();
        app.MapHealthChecks("/healthz");
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode();
        return app;
    }
}
