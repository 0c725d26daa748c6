using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.JSInterop;
using MudBlazor;
using CapacityPlanner.Measurements.Import;

namespace CapacityPlanner.Web.Features.Benchmarks;

/// <summary>
/// Upload panel of the Benchmarks page: a drop zone and a file picker for runner results and nccl-tests, nvbandwidth
/// and mamf-finder output, many files at once. Each file is checked against the size limit before it is read, read as
/// the chosen kind (detected by default), and stored on its own; the panel lists what became of each (stored, with a
/// button that shows its row, or the line-numbered reason) and raises <see cref="OnUploaded"/> with the stored ids.
/// </summary>
public sealed partial class BenchmarkUpload
{
    private readonly List<BenchmarkUploadOutcome> _outcomes = [];
    private BenchmarkFileKind _kind = BenchmarkFileKind.Auto;
    private bool _busy;
    private bool _dragging;
    private MudFileUpload<IReadOnlyList<IBrowserFile>>? _fileUpload;

    [Inject] private BenchmarkUploadService Uploads { get; set; } = default!;

    [Inject] private Security.CircuitCaller Caller { get; set; } = default!;

    /// <summary>Raised after a drop or pick with the ids stored from it (none when every file was refused).</summary>
    [Parameter] public EventCallback<IReadOnlyList<string>> OnUploaded { get; set; }

    /// <summary>Raised when "Show" is pressed next to a stored file, with its id.</summary>
    [Parameter] public EventCallback<string> OnSelect { get; set; }

    /// <summary>Files read from one drop or pick (at most <see cref="BenchmarkUploadService.MaxFilesPerUpload"/>).</summary>
    [Parameter] public int MaxFiles { get; set; } = BenchmarkUploadService.MaxFilesPerUpload;

    /// <summary>What the last drop or pick became of, in the order the files were given.</summary>
    public IReadOnlyList<BenchmarkUploadOutcome> Outcomes => _outcomes;

    // The browser hands over every file; the ones past MaxFiles are refused with a message rather than dropped silently.
    private static int PickLimit => 1000;

    private string DropZoneClass =>
        "benchmark-dropzone d-flex flex-column align-center justify-center gap-2 pa-6" + (_busy ? " busy" : "") + (_dragging ? " dragging" : "");

    private void OnDragEnter()
    {
        if (!_busy) _dragging = true;
    }

    private async Task OnFilesChangedAsync(InputFileChangeEventArgs e)
    {
        if (_busy) return;
        IReadOnlyList<IBrowserFile> files;
        try
        {
            files = e.GetMultipleFiles(PickLimit);
        }
        catch (InvalidOperationException ex)
        {
            _outcomes.Clear();
            _outcomes.Add(BenchmarkUploadOutcome.Refused("(selection)", 0, _kind, ex.Message));
            return;
        }
        await UploadAsync(files);
    }

    /// <summary>Stores files (what a drop or a pick does); returns what became of each.</summary>
    public async Task<IReadOnlyList<BenchmarkUploadOutcome>> UploadAsync(IReadOnlyList<IBrowserFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        _busy = true;
        _outcomes.Clear();
        var stored = new List<string>();
        var uploads = Uploads;
        try
        {
            for (var i = 0; i < files.Count; i++)
            {
                var file = files[i];
                if (i >= MaxFiles)
                {
                    _outcomes.Add(BenchmarkUploadOutcome.Refused(file.Name, file.Size, _kind,
                        $"{file.Name} was not read: at most {MaxFiles} files are uploaded at a time; drop it again on its own."));
                    continue;
                }
                BenchmarkUploadOutcome outcome;
                try
                {
                    outcome = await uploads.UploadAsync(file.Name, file.Size, max => file.OpenReadStream(max), _kind,
                        ownerHash: Caller.Current.OwnerKey);
                }
                catch (Exception ex) when (ex is InvalidOperationException or JSException or TaskCanceledException)
                {
                    // The browser stopped sending the file (closed tab, lost circuit, file changed on disk).
                    outcome = BenchmarkUploadOutcome.Refused(file.Name, file.Size, _kind, $"{file.Name} could not be read: {ex.Message}");
                }
                _outcomes.Add(outcome);
                if (outcome.Id is { } id) stored.Add(id);
                StateHasChanged();
            }
        }
        finally
        {
            _busy = false;
        }
        // Reset the file input, so that picking the same file again (after fixing it) is a change the browser reports.
        if (_fileUpload is not null) await _fileUpload.ClearAsync();
        await OnUploaded.InvokeAsync(stored);
        return _outcomes;
    }

    private Task SelectAsync(BenchmarkUploadOutcome outcome) =>
        outcome.Id is { } id ? OnSelect.InvokeAsync(id) : Task.CompletedTask;
}
