using CapacityPlanner.Web.Api;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Hosting;

/// <summary>Registration and routes of the HTTP API (<c>/api/…</c>, <c>/s/{id}</c>, <c>/openapi/v1.json</c>, <c>/api-docs/</c>).</summary>
public static partial class ApiExtensions
{
    /// <summary>Registers <see cref="ApiOptions"/> (section <c>Api</c>, validated at start-up), the compute gate, problem details and OpenAPI.</summary>
    public static WebApplicationBuilder AddCapacityPlannerApi(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>();
        services.AddSingleton<ComputeGate>();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = DescribeRoutingProblems);
        services.AddOpenApi(o =>
        {
            o.ShouldInclude = d => d.RelativePath is { } p && (p.StartsWith("api/", StringComparison.Ordinal) || p.StartsWith("s/", StringComparison.Ordinal));
            o.AddDocumentTransformer((doc, _, _) =>
            {
                doc.Info.Title = "CapacityPlanner API";
                doc.Info.Description =
                    "The analytic model of AI-training clusters over HTTP. Request bodies of estimate, search, sweep, budget and save are " +
                    "scenario documents (JSON Schema: /schemas/scenario-v1.schema.json); answers have the field names of `capplan … --json`. " +
                    "Errors are RFC 7807 problem details; validation problems list every error under its JSON path.";
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    /// <summary>Maps the API, the short links, the OpenAPI document and its page.</summary>
    public static WebApplication MapCapacityPlannerApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(ApiErrorsAsProblemDetails);

        var api = app.MapGroup("/api")
            .AddEndpointFilter(UnexpectedErrorsAsProblemDetails)
            .DisableAntiforgery();
        api.MapGroup("").WithTags("Model").MapModelEndpoints();
        api.MapScenarioEndpoints();
        api.MapBenchmarkEndpoints();
        api.MapChipEndpoints();
        api.MapRunEndpoints();

        app.MapShortLinks();
        app.MapCapacityPlannerAccount();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapGet("/api-docs", () => Results.Redirect("/api-docs/index.html")).ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// Under <c>/api</c>: no HTML status-code pages, and an error status without a body (405, a failed binding, …)
    /// gets a problem-details body.
    /// </summary>
    private static async Task ApiErrorsAsProblemDetails(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }
        if (context.Features.Get<IStatusCodePagesFeature>() is { } pages) pages.Enabled = false;
        await next(context);
        var response = context.Response;
        if (response.StatusCode >= 400 && !response.HasStarted && response.ContentLength is null or 0 && string.IsNullOrEmpty(response.ContentType))
        {
            var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
            await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context });
        }
    }

    /// <summary>Says what to do about a wrong URL or method under <c>/api</c> (the bodies routing itself leaves empty).</summary>
    private static void DescribeRoutingProblems(ProblemDetailsContext context)
    {
        var request = context.HttpContext.Request;
        if (!request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || context.ProblemDetails.Detail is not null) return;
        context.ProblemDetails.Detail = context.ProblemDetails.Status switch
        {
            StatusCodes.Status404NotFound => $"There is no API endpoint {request.Method} {request.Path}; the endpoints are listed in /openapi/v1.json and on /api-docs/.",
            StatusCodes.Status405MethodNotAllowed => $"{request.Method} is not allowed on {request.Path}; the methods are listed in /openapi/v1.json and on /api-docs/.",
            _ => null,
        };
    }

    /// <summary>A model bug or a database outage becomes a 500 problem (logged), not an HTML error page.</summary>
    private static async ValueTask<object?> UnexpectedErrorsAsProblemDetails(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("CapacityPlanner.Web.Api");
            LogUnexpected(logger, ex, context.HttpContext.Request.Method, context.HttpContext.Request.Path);
            return ApiProblems.Problem(StatusCodes.Status500InternalServerError, "The server failed on this request",
                "Something unexpected went wrong (it has been logged). If it repeats with the same input, please report it with the request body.",
                new Dictionary<string, object?> { ["traceId"] = context.HttpContext.TraceIdentifier });
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure in {Method} {Path}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method, string path);
}
