using System.Globalization;
using CapacityPlanner.Contracts.Validation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Web.Shared.Chips;
using CapacityPlanner.Web.Shared.Scenario;
using CapacityPlanner.Web.Shared.Sharing;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.JSInterop;

namespace CapacityPlanner.Web.Features.Planner;

/// <summary>
/// The Planner's "Open JSON": a scenario document or a published run's case file, pasted or picked, is read as
/// <c>capplan estimate</c> reads it (<see cref="ValidationCaseFile.LoadScenarioOrCase"/>: every error with its JSON path)
/// and opened through the state link a share link carries (<see cref="PlannerShareState.LinkFor"/>).
/// </summary>
public sealed partial class OpenScenarioPanel
{
    /// <summary>Largest file read: what the box takes (scenario documents are a few KB).</summary>
    public const long MaxFileBytes = PastedText.MaxChars;

    private bool _open;
    private string? _text;
    private IReadOnlyList<ScenarioError> _errors = [];

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [Inject] private ChipDirectory Chips { get; set; } = default!;

    private void Toggle()
    {
        _open = !_open;
        _errors = [];
    }

    /// <summary>Reads a picked file into the box (at most <see cref="MaxFileBytes"/>).</summary>
    internal async Task OnFileAsync(IBrowserFile? file)
    {
        _errors = [];
        if (file is null) return;
        if (file.Size > MaxFileBytes)
        {
            _errors = [new("$", string.Create(CultureInfo.InvariantCulture,
                $"{file.Name} is {file.Size:N0} bytes; scenario files are limited to {MaxFileBytes:N0} bytes."))];
            return;
        }
        try
        {
            await using var stream = file.OpenReadStream(MaxFileBytes);
            using var reader = new StreamReader(stream);
            _text = await reader.ReadToEndAsync();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or JSException or TaskCanceledException)
        {
            // The browser stopped sending the file (closed tab, lost circuit, file changed on disk).
            _errors = [new("$", $"{file.Name} could not be read: {ex.Message}")];
        }
    }

    /// <summary>Checks the text and opens it in the Planner (the Open button).</summary>
    internal void Open()
    {
        if (string.IsNullOrWhiteSpace(_text))
        {
            _errors = [new("$", "paste a scenario document or pick a file first.")];
            return;
        }
        if (_text.Length >= PastedText.MaxChars)
        {
            // The box stops taking characters at its limit: a longer paste was cut, and its JSON error would mislead.
            _errors = [new("$", string.Create(CultureInfo.InvariantCulture,
                $"the text reached the box's limit of {PastedText.MaxChars:N0} characters, so a longer paste was cut off there. Scenario documents are a few KB: check that this is the file you meant."))];
            return;
        }
        var (loaded, published) = ValidationCaseFile.LoadScenarioOrCase(_text, "pasted", Chips.WithCustomChip);
        if (!loaded.Success)
        {
            _errors = loaded.Errors;
            return;
        }
        // A case file opens as it ran (its family's stack written in); a scenario as written (a custom chip of this
        // server by its id, which the form looks up).
        var json = published?.ScenarioJson ?? _text;
        if (PlannerShareState.LinkFor(json) is not { } link)
        {
            _errors = [new("$", "the scenario is too large to open as a link; save it with POST /api/scenarios and open its /s/{id} link.")];
            return;
        }
        _errors = [];
        _open = false;
        _text = null;
        Navigation.NavigateTo(link);
    }
}
