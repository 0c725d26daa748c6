using CapacityPlanner.Core.Estimation;

namespace CapacityPlanner.Web.Api;

/// <summary>RFC 7807 problem details of the API.</summary>
public static class ApiProblems
{
    /// <summary>A problem with a status, title and detail.</summary>
    public static IResult Problem(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);

    /// <summary>400 validation problem listing every error under its JSON path (several messages per path are kept).</summary>
    public static IResult Validation(IEnumerable<ScenarioError> errors, string title = "The scenario is invalid")
    {
        ArgumentNullException.ThrowIfNull(errors);
        var byPath = errors
            .GroupBy(e => e.Path, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Message).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        var count = byPath.Values.Sum(v => v.Length);
        return Results.ValidationProblem(byPath,
            detail: $"{count} error{(count == 1 ? "" : "s")}; each is listed under the JSON path (or query parameter) it concerns.",
            title: title);
    }

    /// <summary>400 validation problem with one error.</summary>
    public static IResult Validation(string path, string message, string title = "The request is invalid") =>
        Validation([new ScenarioError(path, message)], title);

    /// <summary>404 for an id that does not exist.</summary>
    public static IResult NotFound(string what, string id) =>
        Problem(StatusCodes.Status404NotFound, "Not found", $"There is no {what} with id \"{Shorten(id)}\".");

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
