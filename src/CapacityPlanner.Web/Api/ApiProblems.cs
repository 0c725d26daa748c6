using CapacityPlanner.Contracts.Json;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;

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
        var all = errors.DistinctBy(e => (e.Path, e.Message)).ToList();
        // At most StrictJson.MaxListedErrors, each path and message shortened: the answer stays small whatever was sent.
        var listed = StrictJson.Capped(all);
        var byPath = listed
            .GroupBy(e => StrictJson.Shorten(e.Path, MaxPathLength), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => StrictJson.Shorten(e.Message, MaxMessageLength)).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        var count = all.Count;
        return Results.ValidationProblem(byPath,
            detail: $"{count:N0} error{(count == 1 ? "" : "s")}; each is listed under the JSON path (or query parameter) it concerns" +
                    (count > StrictJson.MaxListedErrors ? $" (the first {StrictJson.MaxListedErrors} are listed)." : "."),
            title: title);
    }

    /// <summary>400 validation problem with one error.</summary>
    public static IResult Validation(string path, string message, string title = "The request is invalid") =>
        Validation([new ScenarioError(path, message)], title);

    /// <summary>404 for an id that does not exist.</summary>
    public static IResult NotFound(string what, string id) =>
        Problem(StatusCodes.Status404NotFound, "Not found", $"There is no {what} with id \"{Shorten(id)}\".");

    private const int MaxPathLength = 200;
    private const int MaxMessageLength = 1000;

    private static string Shorten(string s) => StrictJson.Shorten(s, 40);
}
