namespace CapacityPlanner.Web.Security;

/// <summary>
/// The <see cref="Caller"/> of a Blazor circuit. A circuit cannot read cookies, so the page request that starts it
/// finds the caller (<see cref="Callers.Of"/>: sign-in, else the owner cookie, which that request hands out if the
/// browser has none) and passes it to the root component as data-protected parameters; <c>Routes</c> puts it here before
/// any page renders. Pages save under <see cref="Current"/>'s owner key and offer changes only on what it may change.
/// </summary>
public sealed class CircuitCaller
{
    /// <summary>Who uses this circuit; <see cref="Caller.Anonymous"/> until the root component sets it.</summary>
    public Caller Current { get; set; } = Caller.Anonymous;
}
