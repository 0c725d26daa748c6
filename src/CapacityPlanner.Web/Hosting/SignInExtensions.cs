using CapacityPlanner.Web.Api;
using CapacityPlanner.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Hosting;

/// <summary>
/// Optional team sign-in (<see cref="SignInSettings"/>, section <c>Authentication:OpenIdConnect</c>): ASP.NET Core's
/// OpenID Connect handler (authorization code with PKCE) signs users in to a cookie session. The OpenID Connect scheme
/// exists only while the setting is on (decided when the options are first read, so configuration from any source
/// counts); with <see cref="SignInSettings.RequireSignIn"/> every page and API call needs a signed-in user.
/// </summary>
public static class SignInExtensions
{
    /// <summary>Name of the OpenID Connect scheme.</summary>
    public const string OpenIdConnectScheme = OpenIdConnectDefaults.AuthenticationScheme;

    /// <summary>Name of the session cookie of signed-in users.</summary>
    public const string SessionCookieName = "cp_session";

    /// <summary>Registers the settings (validated at start-up), the cookie session and, when enabled, the OpenID Connect handler.</summary>
    public static IServiceCollection AddCapacityPlannerSignIn(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SignInSettings>().BindConfiguration(SignInSettings.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SignInSettings>, SignInSettingsValidator>();

        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme).Configure<IOptions<SignInSettings>>((o, settings) =>
        {
            o.Cookie.Name = SessionCookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromMinutes(settings.Value.SessionMinutes);
            o.SlidingExpiration = true;
            o.Events.OnRedirectToLogin = c => Unauthorized(c.HttpContext);
            o.Events.OnRedirectToAccessDenied = c => ApiProblems.Problem(StatusCodes.Status403Forbidden, "Forbidden", "You may not do this.").ExecuteAsync(c.HttpContext);
        });

        // The handler's services, as AddOpenIdConnect registers them, but the scheme itself only when sign-in is on.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<OpenIdConnectOptions>, OpenIdConnectPostConfigureOptions>());
        services.AddTransient<OpenIdConnectHandler>();
        services.AddOptions<AuthenticationOptions>().Configure<IOptions<SignInSettings>>((o, settings) =>
        {
            if (!settings.Value.Enabled) return;
            o.AddScheme<OpenIdConnectHandler>(OpenIdConnectScheme, "Team sign-in");
            o.DefaultChallengeScheme = OpenIdConnectScheme;
        });
        services.AddOptions<OpenIdConnectOptions>(OpenIdConnectScheme).Configure<IOptions<SignInSettings>>((o, settings) => Configure(o, settings.Value));
        return services;
    }

    private static void Configure(OpenIdConnectOptions o, SignInSettings s)
    {
        if (!s.Enabled) return;
        o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
        o.Authority = s.Authority;
        o.ClientId = s.ClientId;
        o.ClientSecret = string.IsNullOrEmpty(s.ClientSecret) ? null : s.ClientSecret;
        o.RequireHttpsMetadata = s.RequireHttpsMetadata;
        o.ResponseType = "code";
        // The code comes back on a top-level GET, so the Lax correlation and nonce cookies travel with it.
        o.ResponseMode = "query";
        o.UsePkce = true;
        o.Scope.Clear();
        o.Scope.Add("openid");
        foreach (var scope in s.Scopes.Where(x => !string.IsNullOrWhiteSpace(x) && x != "openid")) o.Scope.Add(scope);
        o.CallbackPath = s.CallbackPath;
        o.SignedOutCallbackPath = s.SignedOutCallbackPath;
        o.MapInboundClaims = false;
        o.TokenValidationParameters.NameClaimType = s.NameClaimType;
        o.TokenValidationParameters.RoleClaimType = s.RoleClaimType;
        o.SaveTokens = false;
        o.GetClaimsFromUserInfoEndpoint = false;
        foreach (var cookie in new[] { o.CorrelationCookie, o.NonceCookie })
        {
            cookie.SameSite = SameSiteMode.Lax;
            cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        }
        o.Events.OnRemoteFailure = async context =>
        {
            context.HandleResponse();
            await ApiProblems.Problem(StatusCodes.Status400BadRequest, "Sign-in failed",
                "The sign-in with the team's provider did not complete (" + Shorten(context.Failure?.Message) + "). Try again from /account/signin.")
                .ExecuteAsync(context.HttpContext);
        };
    }

    /// <summary>Authentication, then (with <see cref="SignInSettings.RequireSignIn"/>) the sign-in requirement.</summary>
    public static WebApplication UseCapacityPlannerSignIn(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAuthentication();
        app.Use(RequireSignIn);
        return app;
    }

    /// <summary><c>GET /account/signin</c>, <c>GET /account/signout</c> and <c>GET /api/me</c>.</summary>
    public static IEndpointRouteBuilder MapCapacityPlannerAccount(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/account/signin", (HttpContext context, IOptions<SignInSettings> settings, string? returnUrl) =>
            settings.Value.Enabled
                ? ChallengeAsync(context, LocalUrl(returnUrl))
                : ApiProblems.Problem(StatusCodes.Status404NotFound, "Sign-in is off",
                    $"This server has no team sign-in ({SignInSettings.SectionName}:Enabled is false); what you save is yours by its owner token or cookie.")
                    .ExecuteAsync(context))
            .ExcludeFromDescription();
        app.MapGet("/account/signout", async (HttpContext context, string? returnUrl) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect(LocalUrl(returnUrl));
        }).ExcludeFromDescription();
        app.MapGet("/api/me", (HttpContext context, IOptions<SignInSettings> settings) =>
        {
            var caller = Callers.Of(context);
            return Results.Ok(new CallerInfo(settings.Value.Enabled, settings.Value.RequireSignIn, caller.IsUser, caller.UserName, caller.IsAdmin, caller.OwnerKey is not null));
        })
            .WithTags("Account")
            .WithName("WhoAmI")
            .WithSummary("Who the server takes you for")
            .WithDescription("Whether team sign-in is on (and required), whether you are signed in, your name, whether you administer, and whether you carry an owner secret.")
            .Produces<CallerInfo>();
        return app;
    }

    private static Task RequireSignIn(HttpContext context, RequestDelegate next)
    {
        var settings = context.RequestServices.GetRequiredService<IOptions<SignInSettings>>().Value;
        if (!settings.Enabled || !settings.RequireSignIn || context.User.Identity?.IsAuthenticated == true) return next(context);
        var path = context.Request.Path;
        if (path.StartsWithSegments("/account") || path.StartsWithSegments(settings.CallbackPath) || path.StartsWithSegments(settings.SignedOutCallbackPath)
            || path.StartsWithSegments("/healthz"))
        {
            return next(context);
        }
        if (path.StartsWithSegments("/api") || !HttpMethods.IsGet(context.Request.Method)) return Unauthorized(context);
        return ChallengeAsync(context, LocalUrl(context.Request.PathBase + path + context.Request.QueryString));
    }

    // Sends the browser to the provider; a provider that cannot be reached (its discovery document fails) is a 503
    // that says so, not an unexplained 500.
    private static async Task ChallengeAsync(HttpContext context, string returnUrl)
    {
        try
        {
            await context.ChallengeAsync(OpenIdConnectScheme, new AuthenticationProperties { RedirectUri = returnUrl });
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException && !context.Response.HasStarted)
        {
            var authority = context.RequestServices.GetRequiredService<IOptions<SignInSettings>>().Value.Authority;
            context.Response.Clear();
            await ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, "Sign-in provider unavailable",
                $"The team's sign-in provider ({authority}) could not be reached or answered no usable configuration; try again later or tell the operator.")
                .ExecuteAsync(context);
        }
    }

    private static Task Unauthorized(HttpContext context)
    {
        var signIn = $"{context.Request.PathBase}/account/signin";
        return ApiProblems.Problem(StatusCodes.Status401Unauthorized, "Sign-in required",
            $"This server needs a signed-in user for every page and API call; sign in with the team's provider at {signIn} (the API then accepts the session cookie).")
            .ExecuteAsync(context);
    }

    // Only paths of this site: never an open redirect.
    private static string LocalUrl(string? url) =>
        url is { Length: > 0 and <= 2048 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) ? url : "/";

    private static string Shorten(string? s) => s is null ? "no reason given" : s.Length <= 200 ? s : s[..200] + "…";
}

/// <summary>Answer of <c>GET /api/me</c>.</summary>
/// <param name="SignInEnabled">Team sign-in is on.</param>
/// <param name="SignInRequired">Every page and API call needs sign-in.</param>
/// <param name="SignedIn">You are signed in.</param>
/// <param name="Name">Your display name when signed in.</param>
/// <param name="Administrator">You hold the administrator role.</param>
/// <param name="HasOwnerSecret">You are signed in or send an owner token or cookie (what you save is yours).</param>
public sealed record CallerInfo(bool SignInEnabled, bool SignInRequired, bool SignedIn, string? Name, bool Administrator, bool HasOwnerSecret);
