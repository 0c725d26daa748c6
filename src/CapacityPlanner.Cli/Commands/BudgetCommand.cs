using System.Globalization;
using System.Text;
using CapacityPlanner.Contracts.Results;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Budget;
using CapacityPlanner.Core.Hardware;

namespace CapacityPlanner.Cli.Commands;

/// <summary>
/// <c>capplan budget &lt;scenario.json&gt; [--json]</c> or <c>capplan budget --example 30b-half-year [--json]</c>: what a
/// budget buys (or what a FLOP target or the scenario's cluster costs) from the scenario's <c>budget</c> section.
/// </summary>
internal static class BudgetCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        var a = CommandArgs.Parse(args, ["--json"], SiteOptions.With("--example"));
        var patch = SiteOptions.Parse(a);
        var hasExample = a.Options.TryGetValue("--example", out var exampleId);
        if (hasExample && a.Positional.Count != 0) a.Errors.Add("give a scenario file or --example, not both.");
        else if (!hasExample && a.Positional.Count != 1) a.Errors.Add("give exactly one scenario file (or - for standard input), or --example " + string.Join("|", BudgetExamples.All.Select(e => e.Id)) + ".");
        BudgetExample? example = null;
        if (hasExample)
        {
            example = BudgetExamples.All.FirstOrDefault(e => string.Equals(e.Id, exampleId, StringComparison.OrdinalIgnoreCase));
            if (example is null) a.Errors.Add($"unknown example '{exampleId}'; known: {string.Join(", ", BudgetExamples.All.Select(e => e.Id))}.");
        }
        if (a.Errors.Count > 0)
        {
            foreach (var e in a.Errors) await stderr.WriteLineAsync("capplan budget: " + e);
            return ExitCodes.InvalidInput;
        }
        var json = a.Flags.Contains("--json");
        ScenarioDocument document;
        CapacityPlanner.Core.Planning.ResolvedScenario scenario;
        if (example is not null)
        {
            var loaded = ScenarioLoader.Load(example.DocumentJson, patch);
            if (!loaded.Success)
            {
                await ScenarioInput.ReportAsync(loaded.Errors, json, stdout, stderr);
                return ExitCodes.InvalidInput;
            }
            (document, scenario) = (loaded.Document!, loaded.Scenario!);
        }
        else
        {
            var loaded = await ScenarioInput.LoadAsync(a.Positional[0], stdin, json, stdout, stderr, patch);
            if (loaded is null) return ExitCodes.InvalidInput;
            (document, scenario, _) = loaded.Value;
        }
        var outcome = ScenarioBudget.Plan(document, scenario);
        if (!outcome.Success)
        {
            await ScenarioInput.ReportAsync(outcome.Errors, json, stdout, stderr);
            return ExitCodes.InvalidInput;
        }
        await stdout.WriteLineAsync(json ? BudgetJson.Serialize(outcome.Result!) : Render(outcome.Result!));
        return ExitCodes.Ok;
    }

    private static string Money(double usd) => usd switch
    {
        >= 1e9 => (usd / 1e9).ToString("N2", CultureInfo.InvariantCulture) + "B",
        >= 1e6 => (usd / 1e6).ToString("N1", CultureInfo.InvariantCulture) + "M",
        _ => usd.ToString("N0", CultureInfo.InvariantCulture),
    };

    private static string Duration(double seconds) => seconds >= 120
        ? (seconds / 60).ToString("N1", CultureInfo.InvariantCulture) + " min"
        : seconds.ToString("N1", CultureInfo.InvariantCulture) + " s";

    private static string Sci(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("0.00e+0", CultureInfo.InvariantCulture) : "—";

    internal static string Render(BudgetResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var a = r.Assumptions;
        var how = a.Acquisition == GpuAcquisition.Rent
            ? string.Create(inv, $"rent at ${a.RentUsdPerGpuHour:0.00}/GPU-hour")
            : string.Create(inv, $"buy at ${a.GpuPriceUsd:N0}/GPU, {(a.CapitalCharge == CapitalCharge.Purchase ? "full purchase" : "depreciation")}");
        var question = r.Mode switch
        {
            BudgetMode.Budget => string.Create(inv, $"what ${Money(a.BudgetUsd!.Value)} buys in {r.DurationDays:0.#} days"),
            BudgetMode.TargetFlop => string.Create(inv, $"what {a.TargetFlop:0.##e+0} FLOP need"),
            _ => string.Create(inv, $"what {r.Gpus:N0} GPUs cost and deliver"),
        };
        sb.AppendLine(inv, $"{r.ScenarioName}: {question} ({how})");
        sb.AppendLine();
        var affordable = r.AffordableGpus is { } aff && aff != r.Gpus ? string.Create(inv, $"; the budget pays for {aff:N0}") : "";
        sb.AppendLine(inv, $"Cluster               {r.Gpus:N0} × {r.ChipId} ({r.Nodes:N0} nodes of {r.GpusPerNode}){affordable}");
        var plan = r.Plan is null ? "no plan" : PlanJson.Describe(r.Plan);
        sb.AppendLine(inv, $"Utilization           MFU {r.Mfu:P1} ({r.MfuSource}){(r.Plan is null ? "" : $", {plan}")}");
        sb.AppendLine(inv, $"Time                  {r.DurationDays:N1} days wall clock, {r.TrainingDays:N1} training (goodput {r.Goodput:P1}{(a.GoodputOverride is not null ? ", given" : r.Reliability is { EffectiveTrainingTimeRatio: > 0 } ? ", reliability model" : ", default: see the warning")}){(r.RequestedDurationDays is { } req ? string.Create(inv, $"; asked {req:0.#}") : "")}");
        sb.AppendLine(inv, $"Power                 IT {r.ItMegawatts:N1} MW, facility {r.FacilityMegawatts:N1} MW (PUE {a.Pue:0.00}); energy {r.EnergyMegawattHours:N0} MWh");
        if (r.Reliability is { } g)
        {
            sb.AppendLine(inv, $"Interruptions         {g.InterruptionsPerDay:N1} per day ({g.UnexpectedPerDay:N1} unexpected), MTBI {g.MtbiHours * 60:N0} min; {g.HotSpareNodes:N0} hot spare nodes{(g.HotSparesRecommended ? " recommended" : "")}");
            sb.AppendLine(inv, $"Checkpoints           {g.CheckpointTotalBytes / 1e12:N1} TB ({g.CheckpointBytesPerGpu / 1e9:N2} GB per GPU), {g.Checkpointing}, blocks {g.CheckpointBlockingSeconds:N1} s; optimal interval {Duration(g.OptimalIntervalSeconds)} (Young {Duration(g.YoungIntervalSeconds)}, Daly {Duration(g.DalyIntervalSeconds)})");
            sb.AppendLine(inv, $"Effective training    {g.EffectiveTrainingTimeRatio:P1} of wall time; lost: checkpoint saves {g.Lost.CheckpointSaves:P1}, lost work {g.Lost.LostWork:P1}, restarts {g.Lost.Restarts:P1} ({g.RestartSeconds / 60:N1} min each)");
            foreach (var err in g.Errors) sb.AppendLine(inv, $"  ✗ {err.Path}: {err.Message}");
        }
        if (r.Sites is { } st)
        {
            var need = st.SitesNeeded is { } n ? string.Create(inv, $"{n} site{(n == 1 ? "" : "s")} of at most {st.MaxSiteMw:N0} MW needed; ") : "";
            sb.AppendLine(inv, $"Sites                 {need}{st.Sites} × {st.GpusPerSite:N0} GPUs, {st.MegawattsPerSite:N1} MW per site{(st.PowerCapMw is { } cap ? string.Create(inv, $" (cap {cap:N0} MW)") : "")}");
            if (st.Sites > 1 && st.LinkGbps is not null)
            {
                sb.AppendLine(inv, $"Cross-site            {st.LinkGbps:N0} Gb/s per site pair: {st.BytesPerStep / 1e9:N1} GB per step per site, {st.ExposedSecondsPerStep:N3} s exposed per step (MFU with sites {st.Mfu:P1}); break-even {(st.BreakEvenGbps is { } be ? be.ToString("N0", inv) : "—")} Gb/s");
            }
            foreach (var err in st.Errors) sb.AppendLine(inv, $"  ✗ {err.Path}: {err.Message}");
        }
        sb.AppendLine(inv, $"Training compute      {Sci(r.TotalFlop)} FLOP (log10 {(r.Log10TotalFlop is { } l ? l.ToString("F2", inv) : "—")}), {Sci(r.TrainingTokens)} tokens for this model");
        sb.AppendLine(inv, $"Cost per 1e24 FLOP    {(r.CostPer1e24FlopUsd is { } c ? "$" + Money(c) : "—")}{(r.CostPerGpuHourUsd is { } h ? string.Create(inv, $"   (${h:0.00} per GPU-hour)") : "")}");
        sb.AppendLine(inv, $"Budget                ${Money(r.BudgetUsd)} {(r.Mode == BudgetMode.Budget ? "given" : "needed")}");
        var k = r.Costs;
        sb.AppendLine();
        sb.AppendLine("Cost breakdown (USD)");
        if (a.Acquisition == GpuAcquisition.Rent) sb.AppendLine(inv, $"  rental                {Money(k.RentalUsd),12}");
        else
        {
            sb.AppendLine(inv, $"  servers (GPUs)        {Money(k.ServersUsd),12}");
            sb.AppendLine(inv, $"  network               {Money(k.NetworkUsd),12}");
            sb.AppendLine(inv, $"  facility              {Money(k.FacilityUsd),12}");
            sb.AppendLine(inv, $"  energy                {Money(k.EnergyUsd),12}");
        }
        sb.AppendLine(inv, $"  run                   {Money(k.RunCostUsd),12}");
        sb.AppendLine(inv, $"  hyperparameter search {Money(k.HyperparameterSearchUsd),12}   ({a.HyperparameterSearchShare:P0})");
        if (k.UnallocatedUsd > 0) sb.AppendLine(inv, $"  unallocated           {Money(k.UnallocatedUsd),12}");
        sb.AppendLine(inv, $"  total                 {Money(k.TotalUsd),12}");
        if (k.CapexUsd > 0 && a.CapitalCharge == CapitalCharge.Depreciation) sb.AppendLine(inv, $"  (capex to build it     {Money(k.CapexUsd),12})");
        sb.AppendLine();
        sb.AppendLine(inv, $"Optimizer             {r.Optimizer.Name}: {r.Optimizer.StateBytesPerParameter:0.#} B/param of state ({r.OptimizerStateGiB:N0} GiB for the model), +{r.OptimizerExtraFraction:P1} step time");
        if (r.Scaling is { } s)
        {
            sb.AppendLine();
            sb.AppendLine(inv, $"Scaling law ({s.LawName})");
            sb.AppendLine(inv, $"  compute-optimal       {Sci(s.Parameters)} parameters, {Sci(s.Tokens)} tokens ({s.TokensPerParameter:N0} per parameter{(s.UniqueTokens is null ? "" : string.Create(inv, $", {s.Epochs:0.##} epochs"))})");
            sb.AppendLine(inv, $"  predicted loss        {s.PredictedLoss:F4} (reducible {s.ReducibleLoss:F4}; the last 10× of compute gained {s.LossGainPer10x:F4})");
            if (r.AlternativeScaling is { } alt)
            {
                sb.AppendLine(inv, $"  {alt.Law,-21} {Sci(alt.Parameters)} parameters, {Sci(alt.Tokens)} tokens ({alt.TokensPerParameter:N0} per parameter), loss {alt.PredictedLoss:F4}");
            }
            if (r.ScenarioModelLoss is { } ml)
            {
                sb.AppendLine(inv, $"  this model            {Sci(r.ActiveParameters)} parameters on {Sci(r.TrainingTokens)} tokens: loss {ml:F4}");
            }
        }
        sb.AppendLine();
        sb.AppendLine(inv, $"{"precision",-10} {"peak TF",9} {"MFU",7} {"FLOP",10} {"days for same FLOP",19} {"loss",8}  fits");
        foreach (var p in r.Precisions)
        {
            if (!p.Supported)
            {
                sb.AppendLine(inv, $"{p.Precision.ToId(),-10} {"—",9}  not supported by {r.ChipId}");
                continue;
            }
            sb.AppendLine(inv, $"{p.Precision.ToId(),-10} {p.PeakTflopsPerGpu,9:N0} {(p.Mfu is { } m ? m.ToString("P1", inv) : "—"),7} {Sci(p.TotalFlop),10} {(p.DaysForSameFlop is { } d ? d.ToString("N1", inv) : "—"),19} {(p.PredictedLoss is { } pl ? pl.ToString("F4", inv) : "—"),8}  {(p.FitsInMemory is { } f ? (f ? "yes" : "no") : "—")}");
        }
        if (r.Warnings.Count > 0)
        {
            sb.AppendLine();
            foreach (var w in r.Warnings) sb.AppendLine("  ! " + w);
        }
        if (r.Notes.Count > 0)
        {
            sb.AppendLine();
            foreach (var n in r.Notes) sb.AppendLine("  · " + n);
        }
        sb.AppendLine();
        sb.AppendLine("Assumptions (value, source):");
        foreach (var u in a.Used) sb.AppendLine(inv, $"  {u.Name,-26} {u.Value,-14} {u.Source}");
        return sb.ToString();
    }
}
