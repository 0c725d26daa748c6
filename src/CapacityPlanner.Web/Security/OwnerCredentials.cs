using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace CapacityPlanner.Web.Security;

/// <summary>
/// Who owns what, without sign-in: whoever saves gets an owner secret (32 random bytes, base64url), as an HttpOnly,
/// SameSite=Lax cookie for browsers (sent on navigations to the dashboard, never on another site's fetches or form posts, which the API refuses anyway) and as <c>ownerToken</c> in the answer for API clients, who send it back as
/// <c>Authorization: Bearer …</c>. Only the SHA-256 of the secret is stored.
/// </summary>
public static class OwnerCredentials
{
    /// <summary>Name of the owner cookie.</summary>
    public const string CookieName = "cp_owner";

    private const int TokenLength = 43;   // base64url of 32 bytes, no padding

    /// <summary>The owner secret the request carries (bearer token first, then the cookie); null when none or malformed.</summary>
    public static string? Token(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var bearer = authorization["Bearer ".Length..].Trim();
            return IsWellFormed(bearer) ? bearer : null;
        }
        return request.Cookies.TryGetValue(CookieName, out var cookie) && IsWellFormed(cookie) ? cookie : null;
    }

    /// <summary>
    /// Why the request's <c>Authorization: Bearer …</c> value is no owner token, or null (no bearer, or a well-formed one):
    /// such a request is refused rather than treated as anonymous, which would save under a new owner without saying why.
    /// </summary>
    public static string? MalformedBearer(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return null;
        var bearer = authorization["Bearer ".Length..].Trim();
        if (IsWellFormed(bearer)) return null;
        return $"The 'Authorization: Bearer …' value is not an owner token: an owner token is the {TokenLength}-character base64url value of " +
            $"the {HeaderName} header answered when you first saved something (this one has {bearer.Length} characters{(bearer.Length == TokenLength ? " but is not base64url" : "")}). " +
            "Send that token unchanged, or leave the header out to be given a new one.";
    }

    /// <summary>The stored form of the request's owner secret; null when it has none.</summary>
    public static string? Hash(HttpRequest request) => Token(request) is { } token ? HashOf(token) : null;

    /// <summary>
    /// The request's owner secret, or a new one, set as the owner cookie on the response (so that a browser keeps it):
    /// what a creating endpoint stores (hash) and answers (token).
    /// </summary>
    public static (string Token, string Hash) GetOrIssue(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var token = Token(context.Request) ?? Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        Issue(context, token);
        return (token, HashOf(token));
    }

    /// <summary>Name of the response header that hands a creator its owner secret.</summary>
    public const string HeaderName = "Owner-Token";

    /// <summary>
    /// Hands <paramref name="token"/> to the caller: the <see cref="HeaderName"/> response header, and the owner cookie
    /// when the request did not already carry the secret.
    /// </summary>
    public static void Issue(HttpContext context, string token)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(token);
        context.Response.Headers[HeaderName] = token;
        context.Response.Headers.CacheControl = "no-store";
        if (Token(context.Request) == token) return;
        context.Response.Cookies.Append(CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = context.Request.IsHttps,
            Path = "/",
            MaxAge = TimeSpan.FromDays(400),
            IsEssential = true,
        });
    }

    /// <summary>SHA-256 of a token, lowercase hex (what is stored).</summary>
    public static string HashOf(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));
    }

    private static bool IsWellFormed(string? token) =>
        token is { Length: TokenLength } && Base64Url.IsValid(token);
}
