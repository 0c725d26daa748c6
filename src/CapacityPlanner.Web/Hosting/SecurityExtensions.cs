using System.Globalization;
using System.Security.Cryptography;
using System.Threading.RateLimiting;
using CapacityPlanner.Web.Api;
using CapacityPlanner.Web.Security;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Hosting;

/// <summary>
/// What a hardened app sends and refuses: security headers (a CSP with a per-request script nonce,
/// <c>X-Content-Type-Options</c>, <c>Referrer-Policy</c>, no <c>Server</c> header), cross-site protection of the API's
/// state-changing endpoints, CORS only for configured origins, and per-client rate limits (settings <c>RateLimits</c>).
/// </summary>
public static class SecurityExtensions
{
    private const string NonceKey = "CapacityPlanner.CspNonce";

    /// <summary>
    /// Registers <see cref="RateLimitOptions"/> (section <c>RateLimits</c>) and <see cref="CorsSettings"/> (section
    /// <c>Cors</c>), both validated at start-up, the rate limiter and CORS; Kestrel drops its <c>Server</c> header and
    /// accepts request lines as long as the longest state link the decoder opens.
    /// </summary>
    public static WebApplicationBuilder AddCapacityPlannerSecurity(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestLineSize = Math.Max(k.Limits.MaxRequestLineSize, ShortLinks.MaxRequestLineBytes);
        });
        var services = builder.Services;
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        services.AddOptions<CorsSettings>().BindConfiguration(CorsSettings.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CorsSettings>, CorsSettingsValidator>();

        services.AddCapacityPlannerSignIn();
        services.AddCapacityPlannerQuotas();

        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<CorsSettings>>((o, settings) =>
        {
            var origins = settings.Value.AllowedOrigins;
            if (origins.Count == 0) return;     // no policy: no CORS header is ever sent
            o.AddDefaultPolicy(p => p.WithOrigins([.. origins]).WithMethods("GET", "POST", "PUT", "PATCH", "DELETE")
                .WithHeaders("Content-Type", "Authorization").WithExposedHeaders("Location", "Retry-After", OwnerCredentials.HeaderName));
        });

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((o, settings) =>
        {
            var limits = settings.Value;
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var kind = limits.Enabled ? Classify(context.Request) : RequestKind.Other;
                if (kind == RequestKind.Other) return RateLimitPartition.GetNoLimiter("other");
                var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return RateLimitPartition.GetFixedWindowLimiter($"{kind}:{client}", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = kind == RequestKind.Write ? limits.WritesPerWindow : limits.ComputationsPerWindow,
                    Window = TimeSpan.FromSeconds(limits.WindowSeconds),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.OnRejected = async (rejected, _) =>
            {
                var http = rejected.HttpContext;
                var retry = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(limits.WindowSeconds);
                var seconds = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds));
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var (what, limit) = Classify(http.Request) == RequestKind.Write
                    ? ("writes (saves, renames, deletes, chip and benchmark uploads)", limits.WritesPerWindow)
                    : ("heavy computations (search, sweep, budget, calibrations)", limits.ComputationsPerWindow);
                await ApiProblems.Problem(StatusCodes.Status429TooManyRequests, "Too many requests",
                    $"This client may send {limit} {what} every {limits.WindowSeconds} s; try again in {seconds} s.").ExecuteAsync(http);
            };
        });
        return builder;
    }

    /// <summary>
    /// Security headers on every response, CORS, authentication (and the sign-in requirement when configured), the
    /// owner cookie of browsers, the API's cross-site protection and the rate limiter.
    /// </summary>
    public static WebApplication UseCapacityPlannerSecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(SecurityHeaders);
        app.Use(RefuseNulInUrl);
        app.Use(RefuseMalformedOwnerToken);
        app.UseCors();
        app.UseCapacityPlannerSignIn();
        app.Use((context, next) =>
        {
            Callers.EnsureOwnerCookie(context);
            return next(context);
        });
        app.Use(CrossSiteProtection);
        app.UseRateLimiter();
        return app;
    }

    /// <summary>The CSP nonce of this request, for the inline scripts the page itself renders (the import map).</summary>
    public static string? CspNonce(HttpContext? context) => context?.Items[NonceKey] as string;

    /// <summary>The Content-Security-Policy sent with a page whose inline scripts carry <paramref name="nonce"/>.</summary>
    public static string ContentSecurityPolicy(string nonce) =>
        "default-src 'self'; " +
        $"script-src 'self' 'nonce-{nonce}'; " +
        // MudBlazor and Plotly set style attributes and inject style elements.
        "style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// A path or query that decodes to U+0000 is a 400 before anything reads it: ids, filters and names from the URL reach
    /// the database, whose text (on PostgreSQL) cannot hold it (<see cref="Contracts.Json.StrictJson.NulRule"/>, the same
    /// rule for JSON bodies).
    /// </summary>
    private static Task RefuseNulInUrl(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (NulIn(request) is not { } where) return next(context);
        var message = $"contains {Contracts.Json.StrictJson.NulRule}.";
        if (request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            return ApiProblems.Validation(where, message, "The URL is invalid").ExecuteAsync(context);
        }
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync($"The URL's {(where == "path" ? "path" : $"query parameter \"{where}\"")} {message}");
    }

    // An API request whose bearer value is no owner token gets a 401 that says so (not a silent new owner).
    private static Task RefuseMalformedOwnerToken(HttpContext context, RequestDelegate next) =>
        context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) && OwnerCredentials.MalformedBearer(context.Request) is { } why
            ? ApiProblems.Problem(StatusCodes.Status401Unauthorized, "Malformed owner token", why).ExecuteAsync(context)
            : next(context);

    /// <summary>"path", the query parameter whose name or value holds U+0000 (the NUL written \u0000), or null.</summary>
    private static string? NulIn(HttpRequest request)
    {
        if (request.Path.Value?.Contains('\0', StringComparison.Ordinal) == true) return "path";
        foreach (var (key, values) in request.Query)
        {
            if (key.Contains('\0', StringComparison.Ordinal) || values.Any(v => v?.Contains('\0', StringComparison.Ordinal) == true))
                return key.Replace("\0", "\\u0000", StringComparison.Ordinal);
        }
        return null;
    }

    private static Task SecurityHeaders(HttpContext context, RequestDelegate next)
    {
        // Hex: no character the HTML encoder would turn into an entity in the nonce attribute.
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy(nonce);
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            headers.XFrameOptions = "DENY";
            headers.Remove("Server");
            return Task.CompletedTask;
        });
        return next(context);
    }

    private enum RequestKind
    {
        Other,
        Write,
        Compute,
    }

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    private static bool ChangesState(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    // Writes and heavy computations are limited; reads and single estimates are not.
    private static RequestKind Classify(HttpRequest request)
    {
        if (!IsApi(request) || !ChangesState(request.Method)) return RequestKind.Other;
        var path = request.Path.Value ?? "";
        if (HttpMethods.IsPost(request.Method))
        {
            if (path.Equals("/api/estimate", StringComparison.OrdinalIgnoreCase)) return RequestKind.Other;
            if (path.Equals("/api/search", StringComparison.OrdinalIgnoreCase) || path.Equals("/api/sweep", StringComparison.OrdinalIgnoreCase)
                || path.Equals("/api/budget", StringComparison.OrdinalIgnoreCase)
                || path.TrimEnd('/').Equals("/api/runs/calibration", StringComparison.OrdinalIgnoreCase)
                || (path.StartsWith("/api/benchmarks/", StringComparison.OrdinalIgnoreCase) && path.EndsWith("/calibrate", StringComparison.OrdinalIgnoreCase)))
            {
                return RequestKind.Compute;
            }
        }
        return RequestKind.Write;
    }

    /// <summary>
    /// Under <c>/api</c>, a POST, PUT, PATCH or DELETE is refused with 403 when a browser sends it from another origin
    /// (its <c>Origin</c> or <c>Sec-Fetch-Site</c> says so) that <c>Cors:AllowedOrigins</c> does not list, and with 415
    /// when it has a body that is not declared as JSON: HTML forms and <c>no-cors</c> fetches can do neither.
    /// </summary>
    private static Task CrossSiteProtection(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (!IsApi(request) || !ChangesState(request.Method)) return next(context);

        var origin = request.Headers.Origin.ToString();
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        var crossOrigin = origin.Length > 0
            ? !SameOrigin(origin, request)
            : fetchSite is "cross-site" or "same-site";
        if (crossOrigin)
        {
            var allowed = context.RequestServices.GetRequiredService<IOptions<CorsSettings>>().Value.AllowedOrigins;
            if (origin.Length == 0 || !allowed.Contains(origin, StringComparer.OrdinalIgnoreCase))
            {
                return ApiProblems.Problem(StatusCodes.Status403Forbidden, "Cross-origin request refused",
                    $"{request.Method} {request.Path} changes data and was sent by a page of another origin ({(origin.Length > 0 ? origin : fetchSite)}); " +
                    "only this server's own pages and non-browser clients may do that (an operator can allow an origin with Cors:AllowedOrigins).")
                    .ExecuteAsync(context);
            }
        }

        var type = request.ContentType;
        var hasBody = request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
        if (type is { Length: > 0 } ? !RequestBody.IsJson(type) : hasBody)
        {
            return ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                type is { Length: > 0 }
                    ? $"{request.Method} {request.Path} accepts only application/json bodies (got \"{type}\")."
                    : $"{request.Method} {request.Path} has a body without a Content-Type; send it as application/json.")
                .ExecuteAsync(context);
        }
        return next(context);
    }

    private static bool SameOrigin(string origin, HttpRequest request) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
}
