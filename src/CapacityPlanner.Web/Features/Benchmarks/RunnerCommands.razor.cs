using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace CapacityPlanner.Web.Features.Benchmarks;

/// <summary>One copyable command block.</summary>
/// <param name="Id">Test id suffix (<c>command-{Id}</c>, <c>copy-{Id}</c>).</param>
/// <param name="Title">Heading.</param>
/// <param name="Note">What it does and what it needs.</param>
/// <param name="Text">The commands, one per line (shell comments allowed).</param>
public sealed record RunnerCommand(string Id, string Title, string Note, string Text);

/// <summary>
/// "Run the benchmark on a node": copyable commands that publish <c>capplan</c> as one self-contained file, run it on a
/// single node, under Slurm, under mpirun and with torchrun-style variables, and upload the result to this dashboard
/// (its own base URL). The copy buttons use the clipboard helper of <c>wwwroot/js/download.js</c> and say in a
/// snackbar whether it worked.
/// </summary>
public sealed partial class RunnerCommands : IAsyncDisposable
{
    /// <summary>Module with the clipboard helper (<c>copyText</c>).</summary>
    public const string ModulePath = "./js/download.js";

    private IJSObjectReference? _module;

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [Inject] private IJSRuntime JS { get; set; } = default!;

    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    /// <summary>The dashboard's base URL as <c>capplan upload --server</c> takes it (no trailing slash).</summary>
    public string ServerUrl => Navigation.BaseUri.TrimEnd('/');

    /// <summary>The command blocks, in the order shown.</summary>
    public IReadOnlyList<RunnerCommand> Commands => Build(ServerUrl);

    /// <summary>The command blocks for a dashboard at <paramref name="server"/>.</summary>
    public static IReadOnlyList<RunnerCommand> Build(string server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var upload = $"./capplan upload result.json --server {server} --calibrate auto";
        return
        [
            new("publish", "1. Build the runner once",
                "On any Linux x64 machine with the .NET SDK and this repository: one self-contained file (no .NET needed on the GPU node, glibc 2.27 or newer). Copy it to the node.",
                """
                dotnet publish src/CapacityPlanner.Cli -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true -p:PublishTrimmed=true -o publish/capplan-linux-x64
                scp publish/capplan-linux-x64/capplan gpu-node:
                """),
            new("single", "2. Single node",
                "On the node: check that the CUDA libraries load, measure (under a minute with --quick; one process uses every GPU of the node for the collectives), and upload to this dashboard. --calibrate auto also builds the measured chip, matched by GPU name.",
                $"""
                ./capplan bench probe
                ./capplan bench --quick --output result.json
                {upload}
                """),
            new("slurm", "Several nodes under Slurm",
                "One process per GPU inside an allocation (salloc or sbatch with the GPUs); the ranks meet at the first node of the step, and rank 0 writes the one result. Upload from the node where result.json was written.",
                $"""
                srun -N2 --ntasks-per-node=8 ./capplan bench --suite collectives --output result.json
                {upload}
                """),
            new("mpirun", "Several nodes under mpirun",
                "Open MPI sets the ranks (OMPI_COMM_WORLD_RANK, _SIZE, _LOCAL_RANK) but no rendezvous address: name the first host with --master-addr (or export MASTER_ADDR with -x). MPICH and Intel MPI (PMI_RANK, PMI_SIZE) work the same way.",
                $"""
                mpirun -np 16 -H node1:8,node2:8 ./capplan bench --suite collectives --master-addr node1 --output result.json
                {upload}
                """),
            new("env", "Any launcher (torchrun-style variables)",
                "RANK, WORLD_SIZE, LOCAL_RANK (picks the GPU), MASTER_ADDR and MASTER_PORT (default 29500), one process per GPU; run this on node1 with NODE=0 and on node2 with NODE=1. --rank, --world-size, --local-rank, --master-addr and --master-port do the same on the command line.",
                $"""
                NODE=0; for i in 0 1 2 3 4 5 6 7; do
                  RANK=$((NODE * 8 + i)) LOCAL_RANK=$i WORLD_SIZE=16 MASTER_ADDR=node1 MASTER_PORT=29500 \
                    ./capplan bench --suite collectives --output result.json &
                done; wait
                {upload}
                """),
        ];
    }

    private async Task CopyAsync(RunnerCommand command)
    {
        var copied = false;
        try
        {
            _module ??= await JS.InvokeAsync<IJSObjectReference>("import", ModulePath);
            if (_module is not null) copied = await _module.InvokeAsync<bool>("copyText", command.Text);
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or TaskCanceledException or InvalidOperationException)
        {
            copied = false;
        }
        if (copied) Snackbar.Add("Copied", Severity.Success);
        else Snackbar.Add("The clipboard is not available here: select the command and copy it by hand.", Severity.Warning);
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
