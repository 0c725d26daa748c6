using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using CapacityPlanner.Persistence;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Security;

/// <summary>
/// Who is asking, as ownership sees it: the owner key stored with what they save (the SHA-256 of their owner secret, or
/// for a signed-in user <c>u:</c> and a hash of issuer and subject), whether they are a signed-in user, and whether they
/// administer everything.
/// </summary>
/// <param name="OwnerKey">What their rows' <c>OwnerHash</c> holds; null when they carry no owner secret and are not signed in.</param>
/// <param name="UserName">Display name of a signed-in user; null otherwise.</param>
/// <param name="IsUser">Signed in with the team's provider.</param>
/// <param name="IsAdmin">Holds the administrator role.</param>
public sealed record Caller(string? OwnerKey, string? UserName, bool IsUser, bool IsAdmin)
{
    /// <summary>Prefix of the owner keys of signed-in users (owner-secret hashes are plain hex); the stores' team listing selects by it.</summary>
    public const string UserKeyPrefix = OwnershipQueries.UserKeyPrefix;

    /// <summary>Nobody: no owner secret, not signed in.</summary>
    public static Caller Anonymous { get; } = new(null, null, false, false);

    /// <summary>True when this caller saved the row whose owner is <paramref name="ownerKey"/> (ownerless rows belong to nobody).</summary>
    public bool Owns(string? ownerKey) =>
        ownerKey is not null && OwnerKey is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(ownerKey), Encoding.ASCII.GetBytes(OwnerKey));

    /// <summary>True when this caller may rename, replace, delete or restore the row owned by <paramref name="ownerKey"/>.</summary>
    public bool CanChange(string? ownerKey) => IsAdmin || Owns(ownerKey);

    /// <summary>The owner key of a signed-in user: <c>u:</c> and 62 hex digits of SHA-256(issuer, subject); null without a subject.</summary>
    public static string? UserKey(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var subject = user.FindFirst("sub") ?? user.FindFirst(ClaimTypes.NameIdentifier);
        if (subject is null || string.IsNullOrEmpty(subject.Value)) return null;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(subject.Issuer + "\n" + subject.Value));
        return UserKeyPrefix + Convert.ToHexStringLower(hash)[..62];
    }
}

/// <summary>Finds the <see cref="Caller"/> of a request and hands owner secrets to creators.</summary>
public static class Callers
{
    private const string IssuedTokenKey = "CapacityPlanner.IssuedOwnerToken";

    /// <summary>
    /// The caller of this request: a signed-in user (when sign-in is on) is known by their user key, anyone else by the
    /// owner secret they send (bearer token, then cookie, then one this request has just been issued).
    /// </summary>
    public static Caller Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = context.RequestServices.GetService<IOptions<SignInSettings>>()?.Value;
        if (settings is { Enabled: true } && context.User.Identity?.IsAuthenticated == true && Caller.UserKey(context.User) is { } userKey)
        {
            return new Caller(userKey, context.User.Identity.Name ?? "signed-in user", true, context.User.IsInRole(settings.AdminRole));
        }
        var token = OwnerCredentials.Token(context.Request) ?? context.Items[IssuedTokenKey] as string;
        return token is null ? Caller.Anonymous : new Caller(OwnerCredentials.HashOf(token), null, false, false);
    }

    /// <summary>
    /// The owner of something this request creates: a signed-in user's key (no token: their sign-in is the credential),
    /// or the request's owner secret, or a new one handed out as the <c>Owner-Token</c> header and the owner cookie.
    /// </summary>
    public static (string? Token, string Key) OwnerForCreate(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var caller = Of(context);
        if (caller.IsUser) return (null, caller.OwnerKey!);
        var (token, hash) = OwnerCredentials.GetOrIssue(context);
        return (token, hash);
    }

    /// <summary>
    /// Gives a browser that opens a page without an owner cookie its owner secret now (so that the page's circuit, which
    /// cannot set cookies, knows whose it is). Only same-site or direct navigations get one.
    /// </summary>
    public static void EnsureOwnerCookie(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) || request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/_blazor")
            || request.Path.StartsWithSegments("/_framework") || request.Path.StartsWithSegments("/_content")) return;
        if (request.Headers["Sec-Fetch-Dest"] is var dest && dest.Count > 0 && dest.ToString() != "document") return;
        if (!request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)) return;
        if (OwnerCredentials.Token(request) is not null) return;
        var (token, _) = OwnerCredentials.GetOrIssue(context);
        context.Items[IssuedTokenKey] = token;
        context.Response.Headers.Remove(OwnerCredentials.HeaderName);     // pages get the cookie only
    }

    /// <summary>The 403 answered to a caller who does not own the item.</summary>
    public static IResult NotOwner(Caller caller, string what, string id, string action, string? ownerKey, string howToGetToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var detail = ownerKey is null
            ? $"{Capital(what)} \"{id}\" was saved before {what}s had owners: it belongs to nobody and cannot be {action}d (an administrator can claim it)."
            : caller.IsUser
                ? $"{Capital(what)} \"{id}\" belongs to someone else; only its owner or an administrator may {action} it."
                : $"Only the owner of {what} \"{id}\" may {action} it: send the owner token you got when {howToGetToken} as 'Authorization: Bearer …' " +
                  "(browsers send the owner cookie), or sign in as its owner.";
        return Api.ApiProblems.Problem(StatusCodes.Status403Forbidden, "Not the owner", detail);
    }

    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
