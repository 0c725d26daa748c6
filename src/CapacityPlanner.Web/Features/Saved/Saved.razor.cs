using System.Globalization;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Security;
using CapacityPlanner.Web.Shared.Sharing;
using CapacityPlanner.Web.Shared.Widgets;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using CapacityPlanner.Web.Shared.Chips;

namespace CapacityPlanner.Web.Features.Saved;

/// <summary>
/// The saved scenarios (<see cref="ScenarioStore"/>), newest first: open (the short link), duplicate and edit, rename,
/// and delete with an Undo on the snackbar (the store deletes softly, so undo restores the same scenario). The list is
/// the circuit caller's own scenarios (signed-in users may switch to the team's); rename, delete and restore are offered
/// only on what the caller owns (or, for an administrator, on anything), and Duplicate gives anyone their own copy.
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

    [Inject] private CircuitCaller CircuitCaller { get; set; } = default!;

    [Inject] private StorageQuotas Quotas { get; set; } = default!;

    [Inject] private Microsoft.EntityFrameworkCore.IDbContextFactory<CapacityPlannerDbContext> Contexts { get; set; } = default!;

    private Caller Caller => CircuitCaller.Current;

    // Signed-in users may switch to the team's list (read-only where not theirs).
    private bool _team;

    /// <inheritdoc />
    protected override Task OnInitializedAsync() => ReloadAsync();

    private async Task ReloadAsync()
    {
        if (!_team && Caller.OwnerKey is null)
        {
            _items = [];
            _total = 0;
            return;
        }
        var owners = _team ? new OwnerFilter(null, Team: true, IncludeOwnerless: Caller.IsAdmin) : OwnerFilter.Of(Caller.OwnerKey!);
        var page = await Store.ListAsync(owners, 1, PageSize);
        _items = page.Items.ToList();
        _total = page.Total;
    }

    private async Task ShowTeamAsync(bool team)
    {
        _team = team;
        await ReloadAsync();
    }

    /// <summary>True when this circuit's caller may rename, delete and restore <paramref name="item"/>.</summary>
    internal bool CanChange(SavedScenario item) => Caller.CanChange(item.OwnerHash);

    private async Task ClaimAsync(SavedScenario item)
    {
        if (!Caller.IsAdmin || item.OwnerHash is not null) return;
        await Contexts.ClaimAsync("scenario", item.Id, Caller.OwnerKey!, default);
        Snackbar.Add($"\u201C{item.Name}\u201D is now yours.", Severity.Success);
        await ReloadAsync();
    }

    private void NotYours(string action) =>
        Snackbar.Add($"Only the owner (or an administrator) may {action} this scenario; duplicate it to get your own copy.", Severity.Warning);

    // A preset id reads as the model's name ("gpt3-175b" → "GPT-3 175B"); other labels as stored.
    private static string ModelText(string? label) =>
        label is null ? "—" : CapacityPlanner.Core.Workload.ModelPresets.TryGet(label, out var p) ? p.Model.Name : label;

    private static string ShortPath(string id) => "/s/" + Uri.EscapeDataString(id);

    private static string StepText(SavedScenario s) =>
        s.StepTimeSeconds is { } step ? Display.Number(step, 3) + " s" : s.Feasible ? "—" : "not feasible";

    private async Task DuplicateAsync(SavedScenario source)
    {
        if (await Quotas.ScenarioAsync(Caller.OwnerKey) is { } full)
        {
            Snackbar.Add(full.Message, Severity.Error);
            return;
        }
        var copy = await Store.DuplicateOwnedAsync(source.Id, null, Caller.OwnerKey);
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
        if (!CanChange(item))
        {
            NotYours("rename");
            return;
        }
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
        if (await Store.GetAsync(id) is { } current && !Caller.CanChange(current.OwnerHash))
        {
            NotYours("rename");
            return;
        }
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
        if (!CanChange(item))
        {
            NotYours("delete");
            return;
        }
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
        if (await Store.GetAsync(id, includeDeleted: true) is { } current && !Caller.CanChange(current.OwnerHash))
        {
            NotYours("restore");
            return;
        }
        var restored = await Store.RestoreAsync(id);
        if (restored is not null) Snackbar.Add($"Restored \u201C{restored.Name}\u201D.", Severity.Success);
        await ReloadAsync();
        StateHasChanged();
    }
}
