namespace CapacityPlanner.Web.Shared.Scenario;

/// <summary>
/// How much text a page takes in one field. A Blazor Server circuit receives an input's whole value in one SignalR
/// message, and one larger than the hub's limit closes the circuit (the page stops answering), so the limit is raised
/// (<see cref="HubMessageBytes"/>) and the boxes that take pasted documents stop at <see cref="MaxChars"/>, which fits
/// it whatever the characters (JSON escapes a control character in 6 bytes).
/// </summary>
public static class PastedText
{
    /// <summary>Most characters a scenario or case-file box takes (scenario documents are a few KB).</summary>
    public const int MaxChars = 512 * 1024;

    /// <summary>The hub's MaximumReceiveMessageSize: room for <see cref="MaxChars"/> at 6 bytes each and the message around them.</summary>
    public const long HubMessageBytes = 4 * 1024 * 1024;
}
