using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Security;

namespace CapacityPlanner.Web.Api;

/// <summary>Whose items a list answers: <c>scope=mine</c> (default) or <c>scope=team</c> (signed-in users).</summary>
internal static class OwnerScopes
{
    /// <summary>
    /// The filter for <paramref name="scope"/>, or the problem: 400 for an unknown scope, 403 for the team listing
    /// without sign-in and for "mine" without an owner secret.
    /// </summary>
    public static (OwnerFilter? Filter, IResult? Problem) Parse(Caller caller, string? scope, string what, string howToGetToken)
    {
        if (scope is not (null or "mine" or "team"))
            return (null, ApiProblems.Validation("scope", $"must be \"mine\" or \"team\", got \"{StrictJsonShort(scope)}\"."));
        if (scope == "team")
        {
            return caller.IsUser
                ? (new OwnerFilter(null, Team: true, IncludeOwnerless: caller.IsAdmin), null)
                : (null, ApiProblems.Problem(StatusCodes.Status403Forbidden, "Sign-in required",
                    $"The team listing shows the {what} of every signed-in user; sign in with the team's provider (/account/signin) to see it."));
        }
        if (caller.OwnerKey is null)
        {
            return (null, ApiProblems.Problem(StatusCodes.Status403Forbidden, "Owner token required",
                $"Lists show only your own {what}: send the owner token you got when {howToGetToken} as 'Authorization: Bearer …' " +
                "(browsers send the owner cookie), or sign in. Opening one by id needs no token."));
        }
        return (OwnerFilter.Of(caller.OwnerKey), null);
    }

    /// <summary>403 unless the caller administers; what a claim of an ownerless row needs.</summary>
    public static IResult? AdminRequired(Caller caller, string what) =>
        caller.IsAdmin
            ? null
            : ApiProblems.Problem(StatusCodes.Status403Forbidden, "Administrator required",
                $"Only an administrator (a signed-in user with the administrator role) may claim a {what} saved before ownership.");

    private static string StrictJsonShort(string s) => Contracts.Json.StrictJson.Shorten(s, 40);
}
