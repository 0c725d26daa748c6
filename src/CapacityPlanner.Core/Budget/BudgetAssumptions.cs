using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.ScalingLaws;

namespace CapacityPlanner.Core.Budget;

/// <summary>Which question the budget planner answers.</summary>
public enum BudgetMode
{
    /// <summary>A budget and a duration: what does it buy?</summary>
    Budget,
    /// <summary>A FLOP target: what budget and time does it need?</summary>
    TargetFlop,
    /// <summary>The scenario's cluster: what does it cost and deliver?</summary>
    Cluster,
}

/// <summary>How the GPUs are obtained.</summary>
public enum GpuAcquisition
{
    /// <summary>Bought: servers, network, facility and energy.</summary>
    Buy,
    /// <summary>Rented per GPU-hour (power and facility included in the price).</summary>
    Rent,
}

/// <summary>How bought capital is charged to the run.</summary>
public enum CapitalCharge
{
    /// <summary>The whole purchase (what it takes to build the cluster).</summary>
    Purchase,
    /// <summary>Straight-line depreciation over the run's duration (the run's share of the assets).</summary>
    Depreciation,
}

/// <summary>One assumption as used, with where it came from.</summary>
/// <param name="Name">Field name.</param>
/// <param name="Value">Value used (numbers formatted invariantly, or a choice).</param>
/// <param name="Source">"scenario" when given in the document, otherwise the source key or catalog reference.</param>
/// <param name="Note">What the default stands for.</param>
public sealed record BudgetAssumptionUsed(string Name, string Value, string Source, string Note);

/// <summary>The budget section with every default applied, checked against the chip.</summary>
public sealed record BudgetAssumptions
{
    /// <summary>Question answered.</summary>
    public required BudgetMode Mode { get; init; }
    /// <summary>Budget, in budget mode.</summary>
    public double? BudgetUsd { get; init; }
    /// <summary>FLOP target, in target-FLOP mode.</summary>
    public double? TargetFlop { get; init; }
    /// <summary>Wall-clock days; null when the planner computes the time (target FLOP on a fixed cluster, or training.tokens).</summary>
    public double? DurationDays { get; init; }
    /// <summary>Buy or rent.</summary>
    public required GpuAcquisition Acquisition { get; init; }
    /// <summary>How bought capital is charged.</summary>
    public required CapitalCharge CapitalCharge { get; init; }
    /// <summary>GPU purchase price (buy).</summary>
    public double? GpuPriceUsd { get; init; }
    /// <summary>Rental price per GPU-hour (rent).</summary>
    public double? RentUsdPerGpuHour { get; init; }
    /// <summary>Server cost ÷ GPU price.</summary>
    public required double ServerOverheadFactor { get; init; }
    /// <summary>Interconnect share of total cluster cost.</summary>
    public required double NetworkShareOfClusterCost { get; init; }
    /// <summary>Facility build cost per MW of critical IT load.</summary>
    public required double FacilityUsdPerMegawatt { get; init; }
    /// <summary>Hardware depreciation years.</summary>
    public required double DepreciationYears { get; init; }
    /// <summary>Facility depreciation years.</summary>
    public required double FacilityLifeYears { get; init; }
    /// <summary>Server power ÷ GPU TDP.</summary>
    public required double ServerPowerFactor { get; init; }
    /// <summary>Average draw during training ÷ server power.</summary>
    public required double AverageLoad { get; init; }
    /// <summary>Power usage effectiveness.</summary>
    public required double Pue { get; init; }
    /// <summary>Electricity $/kWh.</summary>
    public required double ElectricityUsdPerKWh { get; init; }
    /// <summary>Fraction of wall time that trains when the reliability model cannot be run (no plan); see <see cref="GoodputOverride"/>.</summary>
    public required double Goodput { get; init; }
    /// <summary>Goodput given in the scenario (budget.goodput); null: the reliability model computes it for the cluster (docs/reliability.md).</summary>
    public double? GoodputOverride { get; init; }
    /// <summary>User MFU override.</summary>
    public double? MfuOverride { get; init; }
    /// <summary>MFU used when no plan fits and no override is given.</summary>
    public required double FallbackMfu { get; init; }
    /// <summary>Optimizer.</summary>
    public required BudgetOptimizer Optimizer { get; init; }
    /// <summary>Budget share reserved for hyperparameter search and ablations.</summary>
    public required double HyperparameterSearchShare { get; init; }
    /// <summary>Unique tokens available.</summary>
    public double? UniqueTokens { get; init; }
    /// <summary>Scaling-law fit.</summary>
    public required ParametricFit ScalingLaw { get; init; }
    /// <summary>Every assumption with its provenance, for display.</summary>
    public required IReadOnlyList<BudgetAssumptionUsed> Used { get; init; }

    /// <summary>
    /// Catalog chips whose purchase price already covers the whole server (a DGX system or an NVL72 rack divided by
    /// its GPUs), with why: the server-overhead factor (server cost ÷ GPU price) would count the system twice, so it
    /// is 1 for them unless the scenario gives its own GPU price or factor.
    /// </summary>
    public static IReadOnlyDictionary<string, string> SystemPricedChips { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["b200"] = "the catalog B200 price is a DGX B200 per GPU: the system is included",
        ["gb200"] = "the catalog GB200 price is an NVL72 rack ÷ 72: the system (CPUs, NVSwitch, rack) is included",
    };

    /// <summary>
    /// Applies the defaults of <paramref name="defaults"/> and the chip's catalog prices to <paramref name="section"/>;
    /// reports what cannot be priced (a chip without a catalog price and no price given) with the field path.
    /// </summary>
    public static (BudgetAssumptions? Assumptions, IReadOnlyList<ScenarioError> Errors) Resolve(BudgetSection? section, ResolvedScenario scenario,
        BudgetDefaults defaults, ScalingLawCatalog laws)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(laws);
        var s = section ?? new BudgetSection();
        var errors = new List<ScenarioError>();
        var used = new List<BudgetAssumptionUsed>();
        var chip = scenario.System.Chip;
        static string Show(double v) => v.ToString(Math.Abs(v) >= 1e6 ? "0.###e+0" : "G6", System.Globalization.CultureInfo.InvariantCulture);

        double Pick(double? given, string name)
        {
            if (given is { } g)
            {
                used.Add(new BudgetAssumptionUsed(name, Show(g), "scenario", ""));
                return g;
            }
            var f = defaults.Figures[name];
            used.Add(new BudgetAssumptionUsed(name, Show(f.Value), f.Source, f.Note));
            return f.Value;
        }
        double NoOverhead(string why)
        {
            used.Add(new BudgetAssumptionUsed("serverOverheadFactor", "1", $"catalog {chip.Id} price.purchaseUsd", why));
            return 1;
        }
        string Choose(string? given, string name, string fallback)
        {
            if (given is not null)
            {
                used.Add(new BudgetAssumptionUsed(name, given, "scenario", ""));
                return given;
            }
            if (defaults.Choices.TryGetValue(name, out var c))
            {
                used.Add(new BudgetAssumptionUsed(name, c.Value, c.Source, c.Note));
                return c.Value;
            }
            used.Add(new BudgetAssumptionUsed(name, fallback, "assumed", ""));
            return fallback;
        }

        var mode = s.BudgetUsd is not null ? BudgetMode.Budget : s.TargetFlop is not null ? BudgetMode.TargetFlop : BudgetMode.Cluster;
        if (s.BudgetUsd is { } b) used.Add(new BudgetAssumptionUsed("budgetUsd", Show(b), "scenario", ""));
        if (s.TargetFlop is { } tf) used.Add(new BudgetAssumptionUsed("targetFlop", Show(tf), "scenario", ""));
        double? duration = s.DurationDays;
        if (duration is { } dd) used.Add(new BudgetAssumptionUsed("durationDays", Show(dd), "scenario", ""));
        else if (mode == BudgetMode.Budget || (mode == BudgetMode.Cluster && scenario.Training.Tokens is null)) duration = Pick(null, "durationDays");

        var acquisition = Choose(s.Acquisition, "acquisition", "buy") == "rent" ? GpuAcquisition.Rent : GpuAcquisition.Buy;
        var charge = CapitalCharge.Purchase;
        double? price = null, rent = null;
        if (acquisition == GpuAcquisition.Buy)
        {
            charge = Choose(s.CapitalCost, "capitalCost", "purchase") == "depreciation" ? CapitalCharge.Depreciation : CapitalCharge.Purchase;
            price = s.GpuPriceUsd ?? chip.Price.PurchaseUsd;
            if (price is null)
            {
                errors.Add(new ScenarioError("$.budget.gpuPriceUsd",
                    $"{chip.Id} has no purchase price in the catalog: give budget.gpuPriceUsd, or rent with budget.acquisition \"rent\" and a rentUsdPerGpuHour."));
            }
            else
            {
                used.Add(new BudgetAssumptionUsed("gpuPriceUsd", Show(price.Value), s.GpuPriceUsd is null ? $"catalog {chip.Id} price.purchaseUsd" : "scenario", ""));
            }
        }
        else
        {
            rent = s.RentUsdPerGpuHour ?? chip.Price.RentUsdPerGpuHour;
            if (rent is null)
            {
                errors.Add(new ScenarioError("$.budget.rentUsdPerGpuHour",
                    $"{chip.Id} has no rental price in the catalog: give budget.rentUsdPerGpuHour, or buy with a gpuPriceUsd."));
            }
            else
            {
                used.Add(new BudgetAssumptionUsed("rentUsdPerGpuHour", Show(rent.Value), s.RentUsdPerGpuHour is null ? $"catalog {chip.Id} price.rentUsdPerGpuHour" : "scenario", ""));
            }
        }
        if (chip.PeakFor(scenario.Training.Precision) is null)
        {
            errors.Add(new ScenarioError("$.training.precision",
                $"{chip.Id} has no {scenario.Training.Precision.ToId()} peak; choose one of: {string.Join(", ", PrecisionExtensions.All.Where(p => chip.PeakFor(p) is not null).Select(p => p.ToId()))}."));
        }

        // The budget's optimizer from the scenario's: LAMB and Lion have no budget figures of their own and count as AdamW.
        var optimizerId = s.Optimizer ?? scenario.Training.Optimizer switch
        {
            OptimizerKind.Sgd => "sgd",
            OptimizerKind.Adafactor => "adafactor",
            OptimizerKind.Muon => "muon",
            OptimizerKind.Shampoo => "shampoo",
            OptimizerKind.Soap => "soap",
            _ => "adamw",
        };
        used.Add(new BudgetAssumptionUsed("optimizer", optimizerId, s.Optimizer is null ? "training.optimizer" : "scenario", ""));
        var lawId = Choose(s.ScalingLaw, "scalingLaw", "epoch");
        if (errors.Count > 0) return (null, errors);

        var assumptions = new BudgetAssumptions
        {
            Mode = mode,
            BudgetUsd = s.BudgetUsd,
            TargetFlop = s.TargetFlop,
            DurationDays = duration,
            Acquisition = acquisition,
            CapitalCharge = charge,
            GpuPriceUsd = price,
            RentUsdPerGpuHour = rent,
            ServerOverheadFactor = acquisition != GpuAcquisition.Buy
                ? s.ServerOverheadFactor ?? defaults.Value("serverOverheadFactor")
                : s.ServerOverheadFactor is null && s.GpuPriceUsd is null && SystemPricedChips.TryGetValue(chip.Id, out var why)
                    ? NoOverhead(why)
                    : Pick(s.ServerOverheadFactor, "serverOverheadFactor"),
            NetworkShareOfClusterCost = acquisition == GpuAcquisition.Buy ? Pick(s.NetworkShareOfClusterCost, "networkShareOfClusterCost") : s.NetworkShareOfClusterCost ?? defaults.Value("networkShareOfClusterCost"),
            FacilityUsdPerMegawatt = acquisition == GpuAcquisition.Buy ? Pick(s.FacilityUsdPerMegawatt, "facilityUsdPerMegawatt") : s.FacilityUsdPerMegawatt ?? defaults.Value("facilityUsdPerMegawatt"),
            DepreciationYears = acquisition == GpuAcquisition.Buy ? Pick(s.DepreciationYears, "depreciationYears") : s.DepreciationYears ?? defaults.Value("depreciationYears"),
            FacilityLifeYears = acquisition == GpuAcquisition.Buy ? Pick(s.FacilityLifeYears, "facilityLifeYears") : s.FacilityLifeYears ?? defaults.Value("facilityLifeYears"),
            ServerPowerFactor = Pick(s.ServerPowerFactor, "serverPowerFactor"),
            AverageLoad = Pick(s.AverageLoad, "averageLoad"),
            Pue = Pick(s.Pue, "pue"),
            ElectricityUsdPerKWh = Pick(s.ElectricityUsdPerKWh, "electricityUsdPerKWh"),
            Goodput = s.Goodput ?? defaults.Value("goodput"),
            GoodputOverride = s.Goodput,
            MfuOverride = s.Mfu,
            FallbackMfu = defaults.Value("fallbackMfu"),
            Optimizer = defaults.Optimizers[optimizerId],
            HyperparameterSearchShare = Pick(s.HyperparameterSearchShare, "hyperparameterSearchShare"),
            UniqueTokens = s.UniqueTokens,
            ScalingLaw = laws.Get(lawId),
            Used = used,
        };
        used.Add(s.Goodput is { } gp
            ? new BudgetAssumptionUsed("goodput", Show(gp), "scenario", "")
            : new BudgetAssumptionUsed("goodput", "reliability model", "Data/reliability.json",
                "effective training time ratio of the sized cluster: interruptions per GPU-hour (Llama 3), checkpoint and restart times, optimal checkpoint interval"));
        if (s.Mfu is { } mfu) used.Add(new BudgetAssumptionUsed("mfu", Show(mfu), "scenario", ""));
        if (s.UniqueTokens is { } u) used.Add(new BudgetAssumptionUsed("uniqueTokens", Show(u), "scenario", ""));
        return (assumptions, errors);
    }
}
