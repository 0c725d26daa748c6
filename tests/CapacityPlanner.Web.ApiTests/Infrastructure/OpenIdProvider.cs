using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace CapacityPlanner.Web.ApiTests.Infrastructure;

/// <summary>
/// A real OpenID Connect provider for the sign-in tests: OpenIddict's server on Kestrel at 127.0.0.1 on a free port,
/// with the authorization-code flow (PKCE), one confidential client, signing keys made at start, a login form and
/// three users (alice, bob and the administrator root, who holds the role "admin"). No database: the client and the
/// users are checked by the handlers below (OpenIddict's degraded mode).
/// </summary>
public sealed class OpenIdProvider : IAsyncDisposable
{
    /// <summary>The client id the app is registered under.</summary>
    public const string ClientId = "capacityplanner";

    /// <summary>Its secret.</summary>
    public const string ClientSecret = "test-secret-2f1c9a";

    /// <summary>The users: name → (password, display name, roles).</summary>
    public static IReadOnlyDictionary<string, (string Password, string Name, string[] Roles)> Users { get; } = new Dictionary<string, (string, string, string[])>
    {
        ["alice"] = ("alice-pw", "Alice Example", []),
        ["bob"] = ("bob-pw", "Bob Example", ["reader"]),
        ["root"] = ("root-pw", "Root Admin", ["admin"]),
    };

    private const string LoginScheme = "provider-login";
    private readonly WebApplication _app;

    private OpenIdProvider(WebApplication app, Uri authority)
    {
        _app = app;
        Authority = authority;
    }

    /// <summary>The issuer, http://127.0.0.1:port/.</summary>
    public Uri Authority { get; }

    /// <summary>The one redirect URI the client may use (the app's callback), set once the app listens.</summary>
    public string? RedirectUri { get; set; }

    /// <summary>Authorization codes issued (each sign-in gets one).</summary>
    public int CodesIssued => _codes;

    private int _codes;

    /// <summary>Starts the provider and waits until it listens.</summary>
    public static async Task<OpenIdProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        OpenIdProvider? self = null;
        builder.Services.AddAuthentication(LoginScheme).AddCookie(LoginScheme, o => o.Cookie.Name = "provider_login");
        builder.Services.AddOpenIddict().AddServer(o =>
        {
            o.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token");
            o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
            o.RegisterScopes(Scopes.OpenId, Scopes.Profile);
            o.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
            o.EnableDegradedMode();
            o.UseAspNetCore().DisableTransportSecurityRequirement().EnableAuthorizationEndpointPassthrough();
            // Degraded mode: the client is checked here, not in a database.
            o.AddEventHandler<ValidateAuthorizationRequestContext>(h => h.UseInlineHandler(context =>
            {
                if (context.ClientId != ClientId) context.Reject(Errors.InvalidClient, "unknown client");
                else if (context.RedirectUri != self!.RedirectUri) context.Reject(Errors.InvalidRequest, "redirect_uri not registered: " + context.RedirectUri);
                return default;
            }));
            o.AddEventHandler<ValidateTokenRequestContext>(h => h.UseInlineHandler(context =>
            {
                if (context.ClientId != ClientId || context.Request.ClientSecret != ClientSecret) context.Reject(Errors.InvalidClient, "bad client credentials");
                return default;
            }));
        });
        var app = builder.Build();
        app.UseAuthentication();
        app.MapGet("/login", (string? returnUrl) => Results.Content(
            $"<!doctype html><form method=post action=/login><input name=username><input name=password type=password>" +
            $"<input type=hidden name=returnUrl value=\"{WebUtility.HtmlEncode(returnUrl)}\"><button>Sign in</button></form>", "text/html"));
        app.MapPost("/login", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync();
            var name = form["username"].ToString();
            if (!Users.TryGetValue(name, out var user) || user.Password != form["password"].ToString()) return Results.Unauthorized();
            var identity = new ClaimsIdentity([new Claim(Claims.Subject, name)], LoginScheme);
            await context.SignInAsync(LoginScheme, new ClaimsPrincipal(identity));
            var returnUrl = form["returnUrl"].ToString();
            return Results.Redirect(returnUrl.StartsWith("/connect/authorize", StringComparison.Ordinal) ? returnUrl : "/");
        }).DisableAntiforgery();
        app.MapMethods("/connect/authorize", ["GET", "POST"], async (HttpContext context) =>
        {
            var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("no OpenID Connect request");
            var login = await context.AuthenticateAsync(LoginScheme);
            if (!login.Succeeded) return Results.Redirect("/login?returnUrl=" + Uri.EscapeDataString(context.Request.Path + context.Request.QueryString));
            var subject = login.Principal!.FindFirst(Claims.Subject)!.Value;
            var user = Users[subject];
            var identity = new ClaimsIdentity("OpenIddict.Server", Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, subject).SetClaim(Claims.Name, user.Name).SetClaims(Claims.Role, [.. user.Roles]);
            identity.SetScopes(request.GetScopes());
            identity.SetDestinations(_ => [Destinations.AccessToken, Destinations.IdentityToken]);
            Interlocked.Increment(ref self!._codes);
            return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });
        await app.StartAsync();
        var address = app.Urls.Single();
        self = new OpenIdProvider(app, new Uri(address.EndsWith('/') ? address : address + "/"));
        return self;
    }

    /// <summary>
    /// A browser-like client (follows redirects, keeps cookies) signed in to <paramref name="app"/> as
    /// <paramref name="user"/> through the provider's login form: the whole authorization-code flow over HTTP.
    /// </summary>
    public async Task<HttpClient> SignInAsync(TestApp app, string user)
    {
        ArgumentNullException.ThrowIfNull(app);
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true, UseCookies = true, CookieContainer = new CookieContainer() })
        {
            BaseAddress = app.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        using var loginPage = await client.GetAsync("account/signin?returnUrl=/api/me");
        Assert.Equal(HttpStatusCode.OK, loginPage.StatusCode);
        var at = loginPage.RequestMessage!.RequestUri!;
        Assert.Equal(Authority.Authority, at.Authority);
        Assert.Equal("/login", at.AbsolutePath);
        var returnUrl = System.Web.HttpUtility.ParseQueryString(at.Query)["returnUrl"]!;
        Assert.StartsWith("/connect/authorize?", returnUrl, StringComparison.Ordinal);
        Assert.Contains("code_challenge=", returnUrl, StringComparison.Ordinal);
        using var signedIn = await client.PostAsync(new Uri(Authority, "login"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = user,
            ["password"] = Users[user].Password,
            ["returnUrl"] = returnUrl,
        }));
        var body = await signedIn.Content.ReadAsStringAsync();
        Assert.True(signedIn.StatusCode == HttpStatusCode.OK, $"{signedIn.StatusCode} at {signedIn.RequestMessage?.RequestUri}: {body}");
        Assert.Equal(app.BaseAddress.Authority, signedIn.RequestMessage!.RequestUri!.Authority);
        Assert.Equal("/api/me", signedIn.RequestMessage.RequestUri.AbsolutePath);
        return client;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
