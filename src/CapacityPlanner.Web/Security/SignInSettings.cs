using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Security;

/// <summary>
/// Optional sign-in for teams with an OpenID Connect provider (ASP.NET Core's OpenID Connect handler, authorization-code
/// flow with PKCE), bound from <c>Authentication:OpenIdConnect</c>. Off by default: then ownership is by owner token or
/// cookie only. On: a signed-in user owns what they save, sees the team listing, and holders of <see cref="AdminRole"/>
/// may change or delete anything and claim rows saved before ownership.
/// </summary>
public sealed class SignInSettings
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Authentication:OpenIdConnect";

    /// <summary>Turns sign-in on.</summary>
    public bool Enabled { get; set; }

    /// <summary>The provider's issuer URL (its discovery document is <c>{Authority}/.well-known/openid-configuration</c>).</summary>
    public string? Authority { get; set; }

    /// <summary>This app's client id at the provider.</summary>
    public string? ClientId { get; set; }

    /// <summary>This app's client secret (a confidential client); leave empty for a public client (PKCE only).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Scopes asked for besides <c>openid</c>.</summary>
    public IList<string> Scopes { get; } = ["profile"];

    /// <summary>Where the provider sends the browser back (register <c>https://host{CallbackPath}</c> at the provider).</summary>
    public string CallbackPath { get; set; } = "/signin-oidc";

    /// <summary>Where the provider sends the browser back after signing out.</summary>
    public string SignedOutCallbackPath { get; set; } = "/signout-callback-oidc";

    /// <summary>False allows an <c>http://</c> authority (a provider on this machine or a test; never in production).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Claim of the ID token that carries the user's display name.</summary>
    public string NameClaimType { get; set; } = "name";

    /// <summary>Claim of the ID token that carries the user's roles.</summary>
    public string RoleClaimType { get; set; } = "role";

    /// <summary>Role whose holders administer every saved item (change or delete anything, claim ownerless rows).</summary>
    public string AdminRole { get; set; } = "admin";

    /// <summary>True: every page and API call needs a signed-in user (pages redirect to the provider, the API answers 401).</summary>
    public bool RequireSignIn { get; set; }

    /// <summary>How long a sign-in lasts without activity, in minutes (sliding).</summary>
    public int SessionMinutes { get; set; } = 8 * 60;
}

/// <summary>Checks <see cref="SignInSettings"/> at start-up.</summary>
public sealed class SignInSettingsValidator : IValidateOptions<SignInSettings>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SignInSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = SignInSettings.SectionName;
        var failures = new List<string>();
        if (options.RequireSignIn && !options.Enabled)
            failures.Add($"{S}:RequireSignIn needs {S}:Enabled=true (and a provider) — otherwise nobody could sign in.");
        if (!options.Enabled) return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("http" or "https"))
            failures.Add($"{S}:Authority must be the provider's absolute issuer URL, got \"{options.Authority}\".");
        else if (authority.Scheme == "http" && options.RequireHttpsMetadata)
            failures.Add($"{S}:Authority is http ({options.Authority}); use https, or set {S}:RequireHttpsMetadata=false for a provider on this machine.");
        if (string.IsNullOrWhiteSpace(options.ClientId))
            failures.Add($"{S}:ClientId is required when sign-in is enabled.");
        foreach (var (key, path) in new[] { ("CallbackPath", options.CallbackPath), ("SignedOutCallbackPath", options.SignedOutCallbackPath) })
        {
            if (string.IsNullOrEmpty(path) || path[0] != '/' || path.StartsWith("/api", StringComparison.OrdinalIgnoreCase))
                failures.Add($"{S}:{key} must be a path such as /signin-oidc (not under /api), got \"{path}\".");
        }
        if (string.IsNullOrWhiteSpace(options.NameClaimType)) failures.Add($"{S}:NameClaimType must not be empty.");
        if (string.IsNullOrWhiteSpace(options.RoleClaimType)) failures.Add($"{S}:RoleClaimType must not be empty.");
        if (string.IsNullOrWhiteSpace(options.AdminRole)) failures.Add($"{S}:AdminRole must not be empty.");
        if (options.SessionMinutes is < 1 or > 60 * 24 * 30)
            failures.Add($"{S}:SessionMinutes must be between 1 and 43200, got {options.SessionMinutes}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
