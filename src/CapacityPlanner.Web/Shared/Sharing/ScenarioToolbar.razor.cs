using System.Text.Json;
using CapacityPlanner.Contracts.Results;
using CapacityPlanner.Contracts.Sharing;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.Api;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace CapacityPlanner.Web.Shared.Sharing;

/// <summary>
/// The sharing toolbar of a page: "Copy share link" (<c>?s=v1.…</c> with the scenario and page settings), "Save"
/// (a named snapshot in <see cref="ScenarioStore"/>, owned by the circuit's caller and checked against the storage
/// quotas, shown as <c>/s/{id}</c>), "Download JSON" and "Download CSV".
/// </summary>
public sealed partial class ScenarioToolbar : IAsyncDisposable
{
    private const string ModulePath = "./js/download.js";

    private IJSObjectReference? _module;
    private string? _shareLink;
    private string? _shortLink;
    private string? _savedName;
    private string? _error;
    private bool _saving;
    private string? _lastJson;
    private string? _lastPageSettings;

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [Inject] private IJSRuntime JS { get; set; } = default!;

    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Inject] private IDialogService Dialogs { get; set; } = default!;

    [Inject] private ScenarioStore Store { get; set; } = default!;

    [Inject] private Security.CircuitCaller Caller { get; set; } = default!;

    [Inject] private Security.StorageQuotas Quotas { get; set; } = default!;

    /// <summary>The current scenario document (null while the form does not make one).</summary>
    [Parameter] public string? ScenarioJson { get; set; }

    /// <summary>Page settings restored with the scenario.</summary>
    [Parameter] public IReadOnlyDictionary<string, string>? PageSettings { get; set; }

    /// <summary>Why a shared link could not be opened (shown as a dismissible warning); null for none.</summary>
    [Parameter] public string? LinkMessage { get; set; }

    /// <summary>Path of the page the share link opens, relative to the base ("" for the Planner, "budget").</summary>
    [Parameter] public string SharePath { get; set; } = "";

    /// <summary>What "Download JSON" writes instead of <see cref="ScenarioJson"/> (e.g. every column of a comparison).</summary>
    [Parameter] public Func<string?>? ExportJson { get; set; }

    /// <summary>What "Download CSV" writes instead of the estimate's fields (e.g. a comparison table).</summary>
    [Parameter] public Func<string?>? ExportCsv { get; set; }

    /// <summary>File name of the downloads, without extension.</summary>
    [Parameter] public string FileName { get; set; } = "scenario";

    private bool HasScenario => !string.IsNullOrWhiteSpace(ScenarioJson);

    private string? _dismissedMessage;

    private string? ShownLinkMessage => string.Equals(LinkMessage, _dismissedMessage, StringComparison.Ordinal) ? null : LinkMessage;

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        // A link built for an earlier state would mislead: drop it when the scenario or the page's settings (the
        // Planner's "compare with" and rent or own, say) change.
        var pageSettings = PageSettings is null ? null : string.Join("\n", PageSettings.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));
        if (!string.Equals(_lastJson, ScenarioJson, StringComparison.Ordinal) || !string.Equals(_lastPageSettings, pageSettings, StringComparison.Ordinal))
        {
            _lastJson = ScenarioJson;
            _lastPageSettings = pageSettings;
            _shareLink = null;
            _error = null;
        }
    }

    /// <summary>The absolute <c>/?s=v1.…</c> link of the current state, or null with <paramref name="error"/>.</summary>
    public string? BuildShareLink(out string? error)
    {
        error = null;
        if (!HasScenario)
        {
            error = "There is no valid scenario to share yet.";
            return null;
        }
        if (!ScenarioLink.TryEncode(ScenarioJson!, PageSettings, out var token, out error)) return null;
        return Navigation.BaseUri + SharePath + "?" + ScenarioLink.QueryParameter + "=" + token;
    }

    private void DismissLinkMessage()
    {
        _dismissedMessage = LinkMessage;
    }

    private async Task CopyShareLinkAsync()
    {
        _shareLink = BuildShareLink(out _error);
        if (_shareLink is null) return;
        var copied = await InvokeModuleAsync<bool>("copyText", _shareLink);
        Snackbar.Add(copied ? "Share link copied." : "Share link ready: copy it from the field below.",
            copied ? Severity.Success : Severity.Info);
    }

    private async Task SaveAsync()
    {
        if (!HasScenario) return;
        var reference = await Dialogs.ShowAsync<NameDialog>("Save scenario", new DialogParameters<NameDialog>
        {
            { d => d.Name, DocumentName(ScenarioJson!) ?? ScenarioSnapshot.DefaultName },
            { d => d.OkText, "Save" },
        }, new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        var result = await reference.Result;
        if (result is null || result.Canceled || result.Data is not string name) return;

        _saving = true;
        _error = null;
        try
        {
            var (snapshot, errors) = ScenarioSnapshot.Create(ScenarioJson!, name, PageSettings);
            if (snapshot is null)
            {
                _error = "Not saved: " + string.Join("; ", errors.Take(3).Select(e => $"{e.Path}: {e.Message}"));
                return;
            }
            var owner = Caller.Current.OwnerKey;
            if (await Quotas.ScenarioAsync(owner) is { } full)
            {
                _error = "Not saved: " + full.Message;
                return;
            }
            var saved = await Store.SaveOwnedAsync(snapshot, owner);
            _savedName = saved.Name;
            _shortLink = Navigation.BaseUri + "s/" + Uri.EscapeDataString(saved.Id);
            Snackbar.Add($"Saved \u201C{saved.Name}\u201D. Its short link is below.", Severity.Success);
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task DownloadJsonAsync()
    {
        if (!HasScenario) return;
        await InvokeModuleAsync<object>("downloadText", FileName + ".json", "application/json", ExportJson?.Invoke() ?? ScenarioJson!);
    }

    private async Task DownloadCsvAsync()
    {
        if (!HasScenario) return;
        if (ExportCsv?.Invoke() is { } table)
        {
            await InvokeModuleAsync<object>("downloadText", FileName + "-results.csv", "text/csv", table);
            return;
        }
        var (snapshot, errors) = ScenarioSnapshot.Create(ScenarioJson!);
        if (snapshot is null)
        {
            _error = "No results to export: " + string.Join("; ", errors.Take(3).Select(e => $"{e.Path}: {e.Message}"));
            return;
        }
        var csv = Csv.FieldsOf(EstimateJson.Serialize(snapshot.Estimate, indented: false));
        await InvokeModuleAsync<object>("downloadText", FileName + "-results.csv", "text/csv", csv);
    }

    private async Task<T?> InvokeModuleAsync<T>(string identifier, params object?[] args)
    {
        try
        {
            _module ??= await JS.InvokeAsync<IJSObjectReference>("import", ModulePath);
            if (_module is null) return default; // a test renderer without a browser
            return await _module.InvokeAsync<T>(identifier, args);
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or TaskCanceledException or InvalidOperationException)
        {
            _error = "The browser did not respond; copy the link from the field instead.";
            return default;
        }
    }

    private static string? DocumentName(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                   && doc.RootElement.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                ? n.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_module is null) return;
        try
        {
            await _module.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
            // The circuit is gone; so is the module.
        }
    }
}
