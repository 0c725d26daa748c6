using System.Globalization;
using CapacityPlanner.Web.Components.Sharing;
using CapacityPlanner.Web.Components.Widgets;
using CapacityPlanner.Web.Hardware;
using CapacityPlanner.Web.Persistence;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CapacityPlanner.Web.Components.Pages;

/// <summary>
/// The saved scenarios (<see cref="ScenarioStore"/>), newest first: open (the short link), duplicate and edit, rename,
/// and delete with an Undo on the snackbar (the store deletes softly, so undo restores the same scenario).
/// </summary>
public sealed partial class Saved
{
    /// <summary>Most rows shown.</summary>
    public const int PageSize = ScenarioStore.MaxPageSize;

    private List<SavedScenario>? _items;
    private int _total;

    [Inject] private ScenarioStore Store { get; set; } = default!;

    [Inject] private ChipDirectory ChipDirectory { get; set; } = default!;

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Inject] private IDialogService Dialogs { get; set; } = default!;

    /// <inheritdoc />
    protected override Task OnInitializedAsync() => ReloadAsync();

    private async Task ReloadAsync()
    {
        var page = await Store.ListAsync(1, PageSize);
        _items = page.Items.ToList();
        _total = page.Total;
    }

    // A preset id reads as the model's name ("gpt3-175b" → "GPT-3 175B"); other labels as stored.
    private static string ModelText(string? label) =>
        label is null ? "—" : CapacityPlanner.Core.Workload.ModelPresets.TryGet(label, out var p) ? p.Model.Name : label;

    private static string ShortPath(string id) => "/s/" + Uri.EscapeDataString(id);

    private static string StepText(SavedScenario s) =>
        s.StepTimeSeconds is { } step ? Display.Number(step, 3) + " s" : s.Feasible ? "—" : "not feasible";

    private async Task DuplicateAsync(SavedScenario source)
    {
        var copy = await Store.DuplicateAsync(source.Id);
        if (copy is null)
        {
            Snackbar.Add($"\u201C{source.Name}\u201D no longer exists.", Severity.Warning);
            await ReloadAsync();
            return;
        }
        Snackbar.Add($"Duplicated as \u201C{copy.Name}\u201D.", Severity.Success);
        // The short link is a server redirect to the planner with the state: a full load.
        Navigation.NavigateTo(ShortPath(copy.Id), forceLoad: true);
    }

    private async Task RenameAsync(SavedScenario item)
    {
        var reference = await Dialogs.ShowAsync<NameDialog>("Rename scenario", new DialogParameters<NameDialog>
        {
            { d => d.Name, item.Name },
            { d => d.OkText, "Rename" },
        }, new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        var result = await reference.Result;
        if (result is null || result.Canceled || result.Data is not string name) return;
        await RenameToAsync(item.Id, name);
    }

    /// <summary>Renames and refreshes the list (the dialog's second half; tests call it directly).</summary>
    internal async Task RenameToAsync(string id, string name)
    {
        try
        {
            var renamed = await Store.RenameAsync(id, name);
            Snackbar.Add(renamed is null ? "That scenario no longer exists." : $"Renamed to \u201C{renamed.Name}\u201D.",
                renamed is null ? Severity.Warning : Severity.Success);
        }
        catch (ArgumentException ex)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        await ReloadAsync();
    }

    private async Task DeleteAsync(SavedScenario item)
    {
        var deleted = await Store.DeleteAsync(item.Id);
        await ReloadAsync();
        if (deleted is null) return;
        Snackbar.Add($"Deleted \u201C{item.Name}\u201D.", Severity.Normal, options =>
        {
            options.Action = "Undo";
            options.ActionColor = Color.Primary;
            options.VisibleStateDuration = 10_000;
            options.OnClick = _ => InvokeAsync(() => UndoDeleteAsync(item.Id));
        });
    }

    /// <summary>Restores a deleted scenario and refreshes the list (the snackbar's Undo).</summary>
    internal async Task UndoDeleteAsync(string id)
    {
        var restored = await Store.RestoreAsync(id);
        if (restored is not null) Snackbar.Add($"Restored \u201C{restored.Name}\u201D.", Severity.Success);
        await ReloadAsync();
        StateHasChanged();
    }
}
