using System.Diagnostics;
using System.Globalization;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.ScalingLaws;
using CapacityPlanner.Core.Search;

namespace CapacityPlanner.Core.Budget;

/// <summary>
/// The budget planner: a budget and a duration → GPUs, power, energy, FLOP, cost per 10^24 FLOP and the
/// compute-optimal model; or the reverse (a FLOP target or the scenario's cluster → the budget and time needed).
/// MFU is the analytic model's best plan for the scenario's model at the cluster size (<see cref="PlanSearch"/>), so
/// losses at scale are priced, not a constant; a user override replaces it.
/// </summary>
public static class BudgetPlanner
{
    /// <summary>Largest cluster the plan search is run for; beyond it the fallback MFU is used, with a warning.</summary>
    public const long MaxSearchedGpus = 100_000_000;

    /// <summary>Largest GPU count the planner reports (keeps every figure finite).</summary>
    public const double MaxGpus = 1e15;

    /// <summary>Plan searches tried when rounding to a size the plan tiles.</summary>
    public const int MaxSearchAttempts = 8;

    /// <summary>Sizes with a plan compared before the one delivering the most FLOP/s is kept.</summary>
    public const int FeasibleSizesCompared = 3;

    /// <summary>Precisions compared in every result (the scenario's own is added when it is another).</summary>
    public static IReadOnlyList<Precision> ComparedPrecisions { get; } = [Precision.Fp8, Precision.Bf16, Precision.Tf32, Precision.Fp32, Precision.Fp64];

    /// <summary>Plans with the shipped defaults, catalog and fits.</summary>
    /// <param name="scenario">The resolved scenario (its model, training, cluster, reliability and sites).</param>
    /// <param name="budget">The budget inputs (null: the scenario's cluster for the default duration).</param>
    /// <param name="constraints">The plan fields the scenario fixes; the data-parallel degree always follows the cluster size.</param>
    /// <param name="cancellationToken">Stops the plan searches inside.</param>
    public static BudgetOutcome Plan(ResolvedScenario scenario, BudgetSection? budget, SearchConstraints constraints, CancellationToken cancellationToken = default) =>
        Plan(scenario, budget, constraints, BudgetDefaults.Standard, ScalingLawCatalog.Default, cancellationToken);

    /// <summary>Plans the budget inputs (absent: the scenario's cluster for the default duration).</summary>
    public static BudgetOutcome Plan(ResolvedScenario scenario, BudgetSection? budget, SearchConstraints constraints, BudgetDefaults defaults, ScalingLawCatalog laws,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(constraints);
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(laws);
        var (a, errors) = BudgetAssumptions.Resolve(budget, scenario, defaults, laws);
        if (a is null) return new BudgetOutcome(null, errors);
        return new BudgetOutcome(new Run(scenario, constraints, a, laws, cancellationToken).Execute(), []);
    }

    /// <summary>
    /// Candidate cluster sizes at or below <paramref name="n"/>, largest first: n itself down to 1 when n ≤ 32, else
    /// m·2^k with m in 16..31 (steps of at most 6.25%), sizes whose many factors of two let TP, PP, CP and DP tile them.
    /// </summary>
    internal static IEnumerable<long> NiceAtOrBelow(long n)
    {
        if (n <= 32)
        {
            for (var k = n; k >= 1; k--) yield return k;
            yield break;
        }
        for (var q = 1L << (Log2Floor(n) - 4); q >= 1; q /= 2)
        {
            for (var m = Math.Min(31, n / q); m >= 16; m--) yield return m * q;
        }
    }

    /// <summary>Candidate cluster sizes at or above <paramref name="n"/>, smallest first (the same grid).</summary>
    internal static IEnumerable<long> NiceAtOrAbove(long n)
    {
        n = Math.Max(1, n);
        if (n <= 32)
        {
            for (var k = n; k <= 32; k++) yield return k;
            n = 33;
        }
        var q = 1L << (Log2Floor(n) - 4);
        var m = (n + q - 1) / q;
        for (var i = 0; i < 64 && q < long.MaxValue / 64; i++)
        {
            for (; m <= 31; m++) yield return m * q;
            q *= 2;
            m = 16;
        }
    }

    private static int Log2Floor(long n) => 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)n);

    /// <summary>The MFU found for a cluster size and how.</summary>
    private sealed record Utilization(long Gpus, double Mfu, string Source, ParallelismPlan? Plan, Estimate? Estimate);

    private sealed class Run
    {
        private readonly ResolvedScenario _scenario;
        private readonly BudgetAssumptions _a;
        private readonly ScalingLawCatalog _laws;
        private readonly ChipSpec _chip;
        private readonly double _peak;
        private readonly SearchConstraints _fixed;
        private readonly int _domain;
        private readonly List<string> _warnings = [];
        private readonly List<string> _notes = [];
        private readonly CultureInfo _inv = CultureInfo.InvariantCulture;
        private readonly Stopwatch _sw = Stopwatch.StartNew();
        private readonly CancellationToken _cancellation;
        private int _searches;
        private double _goodput;
        private double _siteFactor = 1;

        public Run(ResolvedScenario scenario, SearchConstraints constraints, BudgetAssumptions a, ScalingLawCatalog laws, CancellationToken cancellation)
        {
            _cancellation = cancellation;
            _a = a;
            _laws = laws;
            _scenario = scenario with { Training = scenario.Training with { Optimizer = a.Optimizer.EstimatorOptimizer } };
            _chip = scenario.System.Chip;
            _peak = _chip.PeakFor(scenario.Training.Precision)!.Value;
            // The data-parallel degree follows the cluster size; every other fixed plan field stays fixed.
            _fixed = constraints with { Data = null };
            var chipDomain = _chip.ScaleUp.DomainSize;
            _domain = scenario.System.ScaleUpDomainGpus < Math.Min(chipDomain, scenario.System.Gpus) ? scenario.System.ScaleUpDomainGpus : chipDomain;
        }

        private string F(FormattableString s) => s.ToString(_inv);

        public BudgetResult Execute()
        {
            var model = _scenario.Model;
            var secondsPerDay = Units.SecondsPerDay;
            long gpus;
            long? affordable = null;
            Utilization u;
            double durationDays;
            double? requested = null;
            var perNode = _scenario.System.GpusPerNode;

            switch (_a.Mode)
            {
                case BudgetMode.Budget:
                {
                    var days = _a.DurationDays!.Value;
                    var available = _a.BudgetUsd!.Value * (1 - _a.HyperparameterSearchShare);
                    var perGpu = BudgetCostModel.RunCost(_a, _chip, 1, days * 24).RunCostUsd;
                    var count = Math.Floor(available / perGpu);
                    if (count > MaxGpus)
                    {
                        _warnings.Add(F($"The budget pays for {count:0.##e+0} GPUs; the planner stops at {MaxGpus:0e+0}."));
                        count = MaxGpus;
                    }
                    var aff = (long)count;
                    if (aff >= perNode) aff = aff / perNode * perNode;
                    if (PowerCapGpus() is { } capped && capped < aff)
                    {
                        _warnings.Add(F($"The budget pays for {aff:N0} GPUs; {capped:N0} fit under the power cap ({_scenario.Sites!.PowerCapMw:N0} MW per site × {_scenario.Sites.Count ?? 1} site(s)): the cluster is sized to the cap and the rest of the budget stays unallocated."));
                        aff = capped;
                    }
                    affordable = aff;
                    durationDays = days;
                    if (aff < 1)
                    {
                        _warnings.Add(F($"The budget (${available:N0} after the hyperparameter-search share) does not pay for one GPU for {days:0.#} days: one {_chip.Id} costs ${perGpu:N0} over that time."));
                        gpus = 0;
                        u = new Utilization(0, _a.MfuOverride ?? _a.FallbackMfu, _a.MfuOverride is null ? "fallback" : "override", null, null);
                        break;
                    }
                    u = SizeAtOrBelow(aff);
                    gpus = u.Gpus;
                    if (gpus < aff)
                    {
                        _warnings.Add(F($"The budget pays for {aff:N0} GPUs; the result uses {gpus:N0}, of the sizes at or below it that tile well (m·2^k, m = 16..31) the one that delivers the most training FLOP/s (MFU of its best plan, times what the cross-site reduction and interruptions leave). The difference stays unallocated."));
                    }
                    break;
                }
                case BudgetMode.TargetFlop when _a.DurationDays is { } days:
                {
                    requested = days;
                    var target = _a.TargetFlop!.Value;
                    var mfu = _a.MfuOverride ?? _a.FallbackMfu;
                    var searched = false;
                    u = new Utilization(1, mfu, "fallback", null, null);
                    long previous = -1;
                    var goodput = _a.GoodputOverride ?? _a.Goodput;
                    // Size the cluster for the MFU (and goodput) of the last size tried until the size stops changing.
                    for (var i = 0; i < 6; i++)
                    {
                        var need = Math.Ceiling(target * (1 + ExtraFraction(searched)) / (mfu * _peak * goodput * days * secondsPerDay));
                        var n = (long)Math.Clamp(need, 1, MaxGpus);
                        if (n >= perNode) n = (n + perNode - 1) / perNode * perNode;
                        if (PowerCapGpus() is { } capped && capped < n) n = capped;
                        u = SizeAtOrAbove(n);
                        if (u.Gpus == previous) break;
                        previous = u.Gpus;
                        mfu = u.Mfu;
                        goodput = GoodputFor(u);
                        searched = u.Source == "plan search";
                    }
                    gpus = u.Gpus;
                    durationDays = target * (1 + ExtraFraction(u.Source == "plan search")) / (gpus * u.Mfu * _peak * GoodputFor(u)) / secondsPerDay;
                    // MFU is not monotonic in the cluster size (plans tile some sizes better), so the fixed point can land on
                    // a size that misses the deadline: take the next larger tiled sizes until one meets it.
                    for (var i = 0; i < 24 && durationDays > days * 1.0001 && gpus < MaxGpus; i++)
                    {
                        var larger = SizeAtOrAbove(gpus + 1);
                        if (larger.Gpus <= gpus) break;
                        u = larger;
                        gpus = u.Gpus;
                        durationDays = target * (1 + ExtraFraction(u.Source == "plan search")) / (gpus * u.Mfu * _peak * GoodputFor(u)) / secondsPerDay;
                    }
                    if (durationDays > days * 1.0001)
                    {
                        _warnings.Add(F($"{gpus:N0} GPUs at MFU {u.Mfu:P1} need {durationDays:F1} days, more than the {days:0.#} asked for: MFU falls as the cluster grows."));
                    }
                    break;
                }
                default:
                {
                    gpus = _scenario.System.Gpus;
                    u = SizeExact(gpus);
                    var rate = gpus * u.Mfu * _peak * GoodputFor(u) / (1 + ExtraFraction(u.Source == "plan search"));
                    if (_a.Mode == BudgetMode.TargetFlop) durationDays = _a.TargetFlop!.Value / rate / secondsPerDay;
                    else if (_a.DurationDays is { } d) durationDays = d;
                    else
                    {
                        durationDays = _scenario.Training.Tokens!.Value * model.ModelFlopsPerToken / rate / secondsPerDay;
                        _notes.Add(F($"Duration: the time {gpus:N0} GPUs take to train training.tokens = {_scenario.Training.Tokens:0.###e+0} tokens."));
                    }
                    break;
                }
            }

            var fromSearch = u.Source == "plan search";
            var extra = ExtraFraction(fromSearch);
            var hours = durationDays * 24;
            var flopRate = gpus * u.Mfu * _peak;
            _goodput = GoodputFor(u);
            var (reliability, sites) = ReliabilityOf(u);
            if (_a.GoodputOverride is null && reliability is { EffectiveTrainingTimeRatio: <= 0 } never)
            {
                // A cluster that restarts more often than it trains delivers no training, whatever a default would say.
                _goodput = 0;
                _warnings.Add(F($"The reliability model finds that {u.Gpus:N0} GPUs never train: an interruption every {never.MtbiHours * 60:0.#} min against {never.RestartSeconds / 60:0.#} min per restart, so they deliver no training FLOP. Give faster restarts (reliability.detectionMinutes, initMinutes, spareSwapMinutes), asynchronous checkpoints or budget.goodput, or a smaller budget."));
            }
            // Across sites the cross-site reduction adds exposed time to every step (docs/reliability.md §Training across sites).
            var siteFactor = _siteFactor = SiteFactor(sites, u.Estimate);
            if (siteFactor < 1)
            {
                _notes.Add(F($"The cluster spans {sites!.Sites} sites: the cross-site gradient reduction adds {sites.ExposedSecondsPerStep:0.###} s to each step, {1 - siteFactor:P1} of the throughput."));
            }
            var totalFlop = flopRate * siteFactor * _goodput / (1 + extra) * durationDays * secondsPerDay;
            if (!double.IsFinite(totalFlop)) totalFlop = 0;
            if (_a.Mode == BudgetMode.TargetFlop && _a.TargetFlop is { } asked && totalFlop < asked * 0.999)
            {
                // The size was chosen on MFU and goodput; the cross-site reduction (or a cluster that never trains) takes
                // the rest: say so rather than print a shortfall beside "what the target needs".
                _warnings.Add(F($"These {gpus:N0} GPUs deliver {totalFlop:0.###e+0} of the {asked:0.###e+0} FLOP asked ({totalFlop / asked:P0}) in {durationDays:0.#} days: {(siteFactor < 1 ? $"the cross-site reduction leaves {siteFactor:P0} of their throughput, which the sizing did not count" : "interruptions leave less training time than the sizing counted")}. Allow more days, or larger sites (sites.maxSiteMw) so that fewer are needed."));
            }
            var power = BudgetCostModel.Power(_a, _chip, gpus, hours);
            var run = BudgetCostModel.RunCost(_a, _chip, gpus, hours);
            double hp, unallocated, total;
            if (_a.Mode == BudgetMode.Budget)
            {
                total = _a.BudgetUsd!.Value;
                hp = total * _a.HyperparameterSearchShare;
                unallocated = Math.Max(0, total - hp - run.RunCostUsd);
            }
            else
            {
                hp = run.RunCostUsd * _a.HyperparameterSearchShare / (1 - _a.HyperparameterSearchShare);
                unallocated = 0;
                total = run.RunCostUsd + hp;
            }
            var costs = run with { HyperparameterSearchUsd = hp, UnallocatedUsd = unallocated, TotalUsd = total };

            ScalingPrediction? scaling = null, alternative = null;
            double? scenarioLoss = null;
            var tokens = totalFlop / model.ModelFlopsPerToken;
            if (totalFlop > 0 && totalFlop <= ScalingPredictor.MaxFlop)
            {
                scaling = ScalingPredictor.Predict(totalFlop, _a.ScalingLaw, _a.UniqueTokens, _laws);
                var otherId = _a.ScalingLaw.Id == "chinchilla" ? "epoch" : "chinchilla";
                alternative = ScalingPredictor.Predict(totalFlop, _laws.Get(otherId), _a.UniqueTokens, _laws);
                scenarioLoss = ScalingPredictor.LossOf(_a.ScalingLaw, model.ActiveParameters, tokens, _a.UniqueTokens, _laws);
                _warnings.AddRange(scaling.Warnings);
                CompareWithOptimum(model.ActiveParameters, tokens, scaling, scenarioLoss.Value);
            }
            else if (totalFlop > ScalingPredictor.MaxFlop)
            {
                _warnings.Add(F($"{totalFlop:0.##e+0} FLOP is beyond the scaling-law range (1e40): no loss is predicted."));
            }
            if (model.Moe is not null)
            {
                _warnings.Add(F($"The scaling-law fits are for dense models; this MoE model is placed by its {model.ActiveParameters:0.###e+0} active parameters, which understates what its {model.TotalParameters:0.###e+0} total parameters buy."));
            }
            if (durationDays > 3650) _warnings.Add(F($"The run takes {durationDays / 365.25:N0} years of wall time."));
            if (_a.Acquisition == GpuAcquisition.Buy && _a.CapitalCharge == CapitalCharge.Depreciation && hours > _a.DepreciationYears * BudgetCostModel.HoursPerYear)
            {
                _warnings.Add(F($"The run outlasts the {_a.DepreciationYears:0.#}-year hardware life: the whole purchase is charged."));
            }
            Notes(extra, fromSearch);

            var precisions = ComparePrecisions(gpus, u, durationDays, totalFlop, extra);
            return new BudgetResult
            {
                ScenarioName = _scenario.Name,
                Mode = _a.Mode,
                ChipId = _chip.Id,
                Precision = _scenario.Training.Precision,
                Gpus = gpus,
                AffordableGpus = affordable,
                Nodes = gpus == 0 ? 0 : (gpus + perNode - 1) / perNode,
                GpusPerNode = perNode,
                DurationDays = durationDays,
                RequestedDurationDays = requested,
                TrainingDays = durationDays * _goodput,
                Goodput = _goodput,
                Reliability = reliability,
                Sites = sites,
                Mfu = u.Mfu,
                MfuSource = u.Source,
                Plan = u.Plan,
                PlanEstimate = u.Estimate,
                ItMegawatts = power.ItMegawatts,
                FacilityMegawatts = power.FacilityMegawatts,
                EnergyMegawattHours = power.EnergyMegawattHours,
                TotalFlop = totalFlop,
                Log10TotalFlop = totalFlop > 0 ? Math.Log10(totalFlop) : null,
                TrainingTokens = tokens,
                TotalParameters = model.TotalParameters,
                ActiveParameters = model.ActiveParameters,
                CostPer1e24FlopUsd = totalFlop > 0 ? run.RunCostUsd / (totalFlop / 1e24) : null,
                BudgetUsd = total,
                Costs = costs,
                CostPerGpuHourUsd = gpus > 0 && hours > 0 ? run.RunCostUsd / (gpus * hours) : null,
                Optimizer = _a.Optimizer,
                OptimizerExtraFraction = extra,
                OptimizerStateGiB = model.TotalParameters * _a.Optimizer.StateBytesPerParameter / Units.GiB,
                Scaling = scaling,
                AlternativeScaling = alternative,
                ScenarioModelLoss = scenarioLoss,
                Precisions = precisions,
                Assumptions = _a,
                Warnings = _warnings.Distinct(StringComparer.Ordinal).ToList(),
                Notes = _notes,
                Searches = _searches,
                ElapsedMilliseconds = _sw.Elapsed.TotalMilliseconds,
            };
        }

        /// <summary>
        /// Step time the optimizer adds beyond what the MFU already prices: Shampoo's and SOAP's measured overheads always
        /// (the analytic model prices their state memory and block products, not their root-inverse or eigenbasis refreshes
        /// and extra communication); Muon's Newton–Schulz bound only when the MFU did not come from the analytic model,
        /// which prices it itself.
        /// </summary>
        private double ExtraFraction(bool fromSearch)
        {
            var o = _a.Optimizer;
            var extra = o.ExtraStepTimeFraction;
            if (!fromSearch)
            {
                extra += o.ExtraFlopFraction(_scenario.Model.HiddenSize, (double)_scenario.Training.GlobalBatchSequences * _scenario.Model.SequenceLength);
            }
            return extra;
        }

        // GPUs that fit under sites.powerCapMw (per site × sites.count), whole nodes; null without a cap.
        private long? PowerCapGpus()
        {
            if (_scenario.Sites?.PowerCapMw is not { } cap) return null;
            var watts = Sites.SitePower.FacilityWattsPerGpu(_chip, _scenario.Power);
            return Sites.SitePower.GpusThatFit(cap, watts, _scenario.System.GpusPerNode) * (_scenario.Sites.Count ?? 1);
        }

        /// <summary>Most smaller tiled sizes a budget compares below the largest it affords.</summary>
        private const int SmallerSizesTried = 48;

        /// <summary>Smaller sizes in a row that do worse than the best before the comparison stops.</summary>
        private const int SmallerSizesWorse = 16;

        // GPUs' worth of training a size delivers: GPUs × MFU × what the cross-site reduction leaves × goodput (a size
        // that never trains delivers nothing). What a budget's cluster size is chosen on.
        private double EffectiveRate(Utilization u) =>
            u.Gpus <= 0 ? 0 : u.Gpus * u.Mfu * SiteFactor(u) * (_a.GoodputOverride ?? ModelledGoodput(u));

        // What the cross-site gradient reduction leaves of a size's throughput (1 on one site).
        private double SiteFactor(Utilization u) =>
            u.Estimate?.StepTimeSeconds is > 0 ? SiteFactor(Sites.CrossSiteModel.Evaluate(SizedFor(u), u.Estimate), u.Estimate) : 1;

        // The same from a sites report already made: step time alone over step time with the cross-site reduction.
        private static double SiteFactor(Sites.CrossSiteReport? sites, Estimate? estimate) =>
            sites is { Sites: > 1, StepTimeSeconds: { } withSites } && estimate?.StepTimeSeconds is { } alone && withSites > 0 ? alone / withSites : 1;

        // Goodput of a cluster size: the override, else the reliability model on the size's plan (docs/reliability.md).
        private double GoodputFor(Utilization u)
        {
            if (_a.GoodputOverride is { } g) return g;
            if (u.Gpus <= 0) return _a.Goodput;
            return ModelledGoodput(u) is > 0 and var modelled ? modelled : _a.Goodput;
        }

        // The reliability model's goodput for a size on its plan: 0 where it never trains.
        private double ModelledGoodput(Utilization u) =>
            CapacityPlanner.Core.Reliability.GoodputModel.Evaluate(SizedFor(u), EstimateFor(u)).EffectiveTrainingTimeRatio;

        private ResolvedScenario SizedFor(Utilization u) => u.Plan is null ? Sized(u.Gpus) : Sized(u.Gpus) with { Plan = u.Plan };

        private Estimate EstimateFor(Utilization u) => u.Estimate ?? new Estimate
        {
            Feasible = false,
            Errors = [],
            Warnings = [],
            HbmCapacityGiB = _chip.HbmCapacityGiB,
            TotalParameters = _scenario.Model.TotalParameters,
            ActiveParameters = _scenario.Model.ActiveParameters,
        };

        private (CapacityPlanner.Core.Reliability.GoodputReport? Goodput, Sites.CrossSiteReport? Sites) ReliabilityOf(Utilization u)
        {
            if (u.Gpus <= 0) return (null, null);
            var scenario = SizedFor(u);
            var estimate = EstimateFor(u);
            var sites = estimate.StepTimeSeconds is null ? null : Sites.CrossSiteModel.Evaluate(scenario, estimate);
            if (sites is null && _scenario.Sites?.MaxSiteMw is { } max)
            {
                var watts = Sites.SitePower.FacilityWattsPerGpu(_chip, _scenario.Power);
                var needed = Sites.SitePower.SitesNeeded(u.Gpus, max, watts, _scenario.System.GpusPerNode);
                sites = new Sites.CrossSiteReport
                {
                    Sites = _scenario.Sites.Count ?? needed,
                    GpusPerSite = u.Gpus / Math.Max(1, _scenario.Sites.Count ?? needed),
                    FacilityWattsPerGpu = watts,
                    FacilityMegawatts = u.Gpus * watts / 1e6,
                    MegawattsPerSite = u.Gpus * watts / 1e6 / Math.Max(1, _scenario.Sites.Count ?? needed),
                    MaxSiteMw = max,
                    SitesNeeded = needed,
                    Errors = [],
                };
            }
            return (CapacityPlanner.Core.Reliability.GoodputModel.Evaluate(scenario, estimate), sites);
        }

        private ResolvedScenario Sized(long n) => _scenario with
        {
            System = _scenario.System with { Gpus = n, ScaleUpDomainGpus = (int)Math.Min(_domain, n) },
        };

        private Utilization? Search(long n, bool reportWarnings)
        {
            _searches++;
            var result = PlanSearch.Search(Sized(n), _fixed, new SearchOptions(Top: 1) { Cancellation = _cancellation });
            if (result.Best.Count == 0) return null;
            if (reportWarnings) _warnings.AddRange(result.Warnings);
            var best = result.Best[0];
            return best.Estimate.Mfu is { } m && m > 0 && double.IsFinite(m)
                ? new Utilization(n, m, "plan search", best.Plan, best.Estimate)
                : null;
        }

        private Utilization Fallback(long n, string why)
        {
            if (_a.MfuOverride is { } o) return new Utilization(n, o, "override", null, null);
            _warnings.Add(F($"{why} MFU falls back to {_a.FallbackMfu:P1}, the median of frontier runs (Epoch AI), not a figure for this model and cluster."));
            return new Utilization(n, _a.FallbackMfu, "fallback", null, null);
        }

        private Utilization SizeExact(long n)
        {
            if (_a.MfuOverride is { } o) return new Utilization(n, o, "override", null, null);
            if (n > MaxSearchedGpus) return Fallback(n, F($"{n:N0} GPUs is beyond the plan search's range ({MaxSearchedGpus:N0})."));
            var found = Search(n, reportWarnings: true);
            if (found is not null) return found;
            var reason = PlanSearch.Search(Sized(n), _fixed, new SearchOptions(Top: 1)).EmptyReason;
            return Fallback(n, F($"No plan for the model fits {n:N0} GPUs ({reason})."));
        }

        private Utilization SizeAtOrBelow(long n)
        {
            if (_a.MfuOverride is { } o) return new Utilization(n, o, "override", null, null);
            if (n > MaxSearchedGpus) return Fallback(n, F($"{n:N0} GPUs is beyond the plan search's range ({MaxSearchedGpus:N0})."));
            // The largest size is not always the best: an odd factor can force an awkward pipeline. Compare the first few
            // sizes that have a plan and keep the one that delivers the most training (EffectiveRate).
            // Each size's rate is worked out once (a goodput and a cross-site model each) and kept beside it.
            Utilization? best = null;
            var bestRate = 0.0;
            bool Better(Utilization? u)
            {
                if (u is null) return false;
                var rate = EffectiveRate(u);
                if (best is not null && rate <= bestRate) return false;
                (best, bestRate) = (u, rate);
                return true;
            }
            var found = 0;
            foreach (var candidate in NiceAtOrBelow(n).Take(MaxSearchAttempts))
            {
                if (best is not null && candidate * 1.0 <= bestRate) break;
                var u = Search(candidate, reportWarnings: false);
                if (u is null) continue;
                Better(u);
                if (++found == FeasibleSizesCompared) break;
            }
            if (best is null)
            {
                return Fallback(n, F($"The plan search found no plan for the model at {n:N0} GPUs or the {MaxSearchAttempts - 1} plan-friendly sizes below it (check that the global batch of {_scenario.Training.GlobalBatchSequences:N0} sequences divides by the data-parallel degree and that the model fits)."));
            }
            // Past some size more GPUs train less: interruptions eat the goodput and a second site adds its cross-site
            // reduction to every step. The smaller tiled sizes are tried, largest first, until a run of them does worse
            // than the best so far (or none could do better even at 100% MFU).
            var worse = 0;
            var tried = 0;
            foreach (var smaller in NiceAtOrBelow(best.Gpus - 1))
            {
                if (smaller * 1.0 <= bestRate || worse >= SmallerSizesWorse || ++tried > SmallerSizesTried) break;
                worse = Better(Search(smaller, reportWarnings: false)) ? 0 : worse + 1;
            }
            return best;
        }

        private Utilization SizeAtOrAbove(long n)
        {
            if (_a.MfuOverride is { } o) return new Utilization(n, o, "override", null, null);
            if (n > MaxSearchedGpus) return Fallback(n, F($"{n:N0} GPUs is beyond the plan search's range ({MaxSearchedGpus:N0})."));
            foreach (var candidate in NiceAtOrAbove(n).Take(MaxSearchAttempts))
            {
                if (candidate > MaxSearchedGpus) break;
                var found = Search(candidate, reportWarnings: false);
                if (found is not null) return found;
            }
            return Fallback(n, F($"The plan search found no plan for the model at {n:N0} GPUs or the plan-friendly sizes above it."));
        }

        private void CompareWithOptimum(double parameters, double tokens, ScalingPrediction optimum, double loss)
        {
            var ratio = parameters / optimum.Parameters;
            if (ratio is > 1.0 / 3 and < 3) return;
            _warnings.Add(F($"The scenario's model ({parameters:0.###e+0} parameters) would train on {tokens:0.###e+0} tokens ({tokens / parameters:N0} per parameter); the compute-optimal model for this FLOP under {optimum.Law} has {optimum.Parameters:0.###e+0} parameters and {optimum.Tokens:0.###e+0} tokens (loss {optimum.PredictedLoss:F4} vs {loss:F4})."));
        }

        private void Notes(double extra, bool fromSearch)
        {
            if (_a.Acquisition == GpuAcquisition.Rent)
            {
                _notes.Add("Renting: power and facility are included in the GPU-hour price; energy is reported, not charged.");
            }
            else if (_a.CapitalCharge == CapitalCharge.Purchase)
            {
                _notes.Add("Buying, purchase: the budget pays the whole cluster and facility (acquisition cost); capitalCost \"depreciation\" charges only the run's straight-line share.");
            }
            else
            {
                _notes.Add(F($"Buying, depreciation: the run is charged its share of the hardware over {_a.DepreciationYears:0.#} years and of the facility over {_a.FacilityLifeYears:0.#} years (amortized cost)."));
            }
            if (extra > 0)
            {
                _notes.Add(F($"{_a.Optimizer.Name} adds {extra:P1} to the step time ({_a.Optimizer.Note})."));
            }
            _notes.Add("Training FLOP are model FLOPs (≈ 6·N·D plus attention); the scaling laws use C = 6·N·D. Precision changes the FLOPs a budget buys, not the loss per FLOP: the fits carry no precision term.");
        }

        private List<PrecisionOption> ComparePrecisions(long gpus, Utilization u, double durationDays, double totalFlop, double extra)
        {
            var list = ComparedPrecisions.ToList();
            if (!list.Contains(_scenario.Training.Precision)) list.Add(_scenario.Training.Precision);
            var options = new List<PrecisionOption>();
            var seconds = durationDays * Units.SecondsPerDay;
            // With a plan, each precision's throughput comes from the analytic model on that plan; with an override, the
            // override scales by the analytic model's ratio; without a plan, the same MFU is assumed for every precision.
            double? mainModelRate = u.Estimate?.ModelTflopsPerGpu;
            foreach (var p in list)
            {
                var peak = _chip.PeakFor(p);
                if (peak is null || gpus == 0)
                {
                    options.Add(new PrecisionOption(p, peak is not null, peak / Units.Tera, null, null, null, null, null, null, null));
                    continue;
                }
                double mfu;
                bool? fits = null;
                if (u.Plan is not null)
                {
                    var e = p == _scenario.Training.Precision && u.Estimate is not null
                        ? u.Estimate
                        : Estimator.Estimate(Sized(gpus) with { Training = _scenario.Training with { Precision = p }, Plan = u.Plan });
                    if (e.Mfu is not { } m || !double.IsFinite(m) || m <= 0)
                    {
                        options.Add(new PrecisionOption(p, true, peak / Units.Tera, null, null, null, null, null, null, null));
                        continue;
                    }
                    mfu = m;
                    fits = e.Feasible;
                    if (u.Source == "override" && mainModelRate is { } main && e.ModelTflopsPerGpu is { } rate) mfu = u.Mfu * _peak / peak.Value * (rate / main);
                }
                else
                {
                    mfu = u.Mfu;
                }
                var perSecond = gpus * mfu * peak.Value * _siteFactor * _goodput / (1 + extra);
                var flop = perSecond * seconds;
                double? loss = flop > 0 && flop <= ScalingPredictor.MaxFlop
                    ? ScalingPredictor.Predict(flop, _a.ScalingLaw, _a.UniqueTokens, _laws).PredictedLoss
                    : null;
                options.Add(new PrecisionOption(p, true, peak / Units.Tera, mfu, mfu * peak / Units.Tera, flop, flop > 0 ? Math.Log10(flop) : null,
                    totalFlop > 0 && perSecond > 0 ? totalFlop / perSecond / Units.SecondsPerDay : null, loss, fits));
            }
            return options;
        }
    }
}
