using System.Globalization;
using System.Text.Json.Nodes;
using CapacityPlanner.Contracts.Scenarios;
using CapacityPlanner.Core.Budget;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Sites;

namespace CapacityPlanner.Web.Features.Budget;

/// <summary>
/// One editable column of the Budget page: the fields a person changes, on top of a base scenario document (the
/// example's model, training and system sections). <see cref="ToJson"/> writes the scenario document the budget
/// planner parses, with the contracts' <see cref="ScenarioWriter"/>; empty optional fields are left out so the planner's
/// defaults (and the chip's catalog prices) apply.
/// </summary>
public sealed class BudgetScenario
{
    // The base of a column whose document does not read (its errors are shown): training and system as ToJson wrote
    // them for a document without those sections.
    private static readonly ScenarioDocument s_emptyBase = new()
    {
        Training = new TrainingSection { GlobalBatchSequences = 8192 },
        System = new SystemSection { Gpus = 8192 },
    };

    private readonly ScenarioDocument _base;

    private BudgetScenario(ScenarioDocument document, IReadOnlyList<ScenarioError> documentErrors)
    {
        _base = document;
        DocumentErrors = documentErrors;
    }

    /// <summary>
    /// What is wrong with the opened document outside the fields this page edits (only a hand-made link has such
    /// errors: the page writes valid base sections); the column shows them and is not planned.
    /// </summary>
    public IReadOnlyList<ScenarioError> DocumentErrors { get; }

    /// <summary>Column title.</summary>
    public string Name { get; set; } = "";

    /// <summary>Catalog chip id.</summary>
    public string ChipId { get; set; } = "h100-sxm";

    /// <summary>Model preset id; null keeps the document's own model (the example's dense ~2T model).</summary>
    public string? ModelPreset { get; set; }

    /// <summary>Budget in US dollars (required on this page).</summary>
    public double? BudgetUsd { get; set; }

    /// <summary>Wall-clock days.</summary>
    public double? DurationDays { get; set; }

    /// <summary>"buy" or "rent".</summary>
    public string Acquisition { get; set; } = "buy";

    /// <summary>GPU purchase price (buy); null: the catalog's.</summary>
    public double? GpuPriceUsd { get; set; }

    /// <summary>Rental price per GPU-hour (rent); null: the catalog's.</summary>
    public double? RentUsdPerGpuHour { get; set; }

    /// <summary>Power usage effectiveness; null: the default.</summary>
    public double? Pue { get; set; }

    /// <summary>Electricity price; null: the default.</summary>
    public double? ElectricityUsdPerKWh { get; set; }

    /// <summary>Fraction of wall time that trains; null: the default.</summary>
    public double? Goodput { get; set; }

    /// <summary>What fits in this many MW per site (<c>sites.powerCapMw</c>): the cluster is sized to the cap; null: no cap.</summary>
    public double? PowerCapMw { get; set; }

    /// <summary>Largest site in MW (<c>sites.maxSiteMw</c>): how many sites the cluster needs; null: one site of any size.</summary>
    public double? MaxSiteMw { get; set; }

    /// <summary>Training precision id (bf16, fp8, …).</summary>
    public string Precision { get; set; } = "bf16";

    /// <summary>Optimizer id of the budget section.</summary>
    public string Optimizer { get; set; } = "adamw";

    /// <summary>MFU override; null: the plan search's.</summary>
    public double? Mfu { get; set; }

    /// <summary>Budget share for hyperparameter search; null: the default.</summary>
    public double? HyperparameterSearchShare { get; set; }

    /// <summary>Scaling-law fit id.</summary>
    public string ScalingLaw { get; set; } = "epoch";

    /// <summary>The price field that applies to the acquisition.</summary>
    public double? Price
    {
        get => IsRent ? RentUsdPerGpuHour : GpuPriceUsd;
        set
        {
            if (IsRent) RentUsdPerGpuHour = value;
            else GpuPriceUsd = value;
        }
    }


    /// <summary>How bought hardware is charged: "purchase" (the whole purchase) or "depreciation" (the run's share).</summary>
    public string CapitalCost { get; set; } = "purchase";

    /// <summary>Server cost ÷ GPU price; null: the default (1 for catalog prices that include the system).</summary>
    public double? ServerOverheadFactor { get; set; }

    /// <summary>Interconnect share of the cluster cost; null: the default.</summary>
    public double? NetworkShareOfClusterCost { get; set; }

    /// <summary>Facility build cost per MW of IT load; null: the default.</summary>
    public double? FacilityUsdPerMegawatt { get; set; }

    /// <summary>Server power ÷ GPU TDP; null: the default.</summary>
    public double? ServerPowerFactor { get; set; }

    /// <summary>Average draw ÷ server power; null: the default.</summary>
    public double? AverageLoad { get; set; }

    /// <summary>Hardware depreciation years; null: the default.</summary>
    public double? DepreciationYears { get; set; }

    /// <summary>Facility depreciation years; null: the default.</summary>
    public double? FacilityLifeYears { get; set; }

    /// <summary>"purchase", "depreciation" or "rent": the acquisition and capital charge as one choice.</summary>
    public string Payment
    {
        get => IsRent ? "rent" : CapitalCost == "depreciation" ? "depreciation" : "purchase";
        set
        {
            Acquisition = value == "rent" ? "rent" : "buy";
            if (value is "purchase" or "depreciation") CapitalCost = value;
        }
    }

    /// <summary>True when renting.</summary>
    public bool IsRent => string.Equals(Acquisition, "rent", StringComparison.Ordinal);

    /// <summary>The JSON path of the price field that applies.</summary>
    public string PricePath => IsRent ? "$.budget.rentUsdPerGpuHour" : "$.budget.gpuPriceUsd";

    /// <summary>Opens a built-in example (its document becomes the base; its budget section the editable fields).</summary>
    public static BudgetScenario FromExample(BudgetExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        var doc = JsonNode.Parse(example.DocumentJson)?.AsObject() ?? throw new InvalidOperationException($"example {example.Id} is not a JSON object");
        var (document, errors) = Base(doc);
        var s = new BudgetScenario(document, errors)
        {
            Name = (string?)doc["name"] ?? example.Title,
            ChipId = doc["system"]?["chip"] is JsonValue chip && chip.TryGetValue<string>(out var id) ? id : "h100-sxm",
            Precision = (string?)doc["training"]?["precision"] ?? "bf16",
        };
        if (doc["sites"] is JsonObject sites)
        {
            s.PowerCapMw = Num(sites, "powerCapMw");
            s.MaxSiteMw = Num(sites, "maxSiteMw");
        }
        if (doc["budget"] is JsonObject b)
        {
            s.BudgetUsd = Num(b, "budgetUsd");
            s.DurationDays = Num(b, "durationDays");
            s.Acquisition = (string?)b["acquisition"] ?? "buy";
            s.GpuPriceUsd = Num(b, "gpuPriceUsd");
            s.RentUsdPerGpuHour = Num(b, "rentUsdPerGpuHour");
            s.Pue = Num(b, "pue");
            s.ElectricityUsdPerKWh = Num(b, "electricityUsdPerKWh");
            s.Goodput = Num(b, "goodput");
            s.Optimizer = (string?)b["optimizer"] ?? "adamw";
            s.Mfu = Num(b, "mfu");
            s.HyperparameterSearchShare = Num(b, "hyperparameterSearchShare");
            s.ScalingLaw = (string?)b["scalingLaw"] ?? "epoch";
            s.CapitalCost = (string?)b["capitalCost"] ?? "purchase";
            s.ServerOverheadFactor = Num(b, "serverOverheadFactor");
            s.NetworkShareOfClusterCost = Num(b, "networkShareOfClusterCost");
            s.FacilityUsdPerMegawatt = Num(b, "facilityUsdPerMegawatt");
            s.ServerPowerFactor = Num(b, "serverPowerFactor");
            s.AverageLoad = Num(b, "averageLoad");
            s.DepreciationYears = Num(b, "depreciationYears");
            s.FacilityLifeYears = Num(b, "facilityLifeYears");
        }
        return s;
    }

    /// <summary>A column from a scenario document with a budget section (a shared link or a saved scenario).</summary>
    public static BudgetScenario FromDocument(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var name = JsonNode.Parse(json) is JsonObject o && o["name"] is JsonValue n && n.TryGetValue<string>(out var text) ? text : "Scenario";
        return FromExample(new BudgetExample("shared", name, "", json));
    }

    /// <summary>A copy to edit independently.</summary>
    public BudgetScenario Duplicate(string name)
    {
        var copy = this;
        return new BudgetScenario(_base, DocumentErrors)
        {
            Name = name,
            ChipId = copy.ChipId,
            ModelPreset = copy.ModelPreset,
            BudgetUsd = copy.BudgetUsd,
            DurationDays = copy.DurationDays,
            Acquisition = copy.Acquisition,
            GpuPriceUsd = copy.GpuPriceUsd,
            RentUsdPerGpuHour = copy.RentUsdPerGpuHour,
            Pue = copy.Pue,
            ElectricityUsdPerKWh = copy.ElectricityUsdPerKWh,
            Goodput = copy.Goodput,
            PowerCapMw = copy.PowerCapMw,
            MaxSiteMw = copy.MaxSiteMw,
            Precision = copy.Precision,
            Optimizer = copy.Optimizer,
            Mfu = copy.Mfu,
            HyperparameterSearchShare = copy.HyperparameterSearchShare,
            ScalingLaw = copy.ScalingLaw,
            CapitalCost = copy.CapitalCost,
            ServerOverheadFactor = copy.ServerOverheadFactor,
            NetworkShareOfClusterCost = copy.NetworkShareOfClusterCost,
            FacilityUsdPerMegawatt = copy.FacilityUsdPerMegawatt,
            ServerPowerFactor = copy.ServerPowerFactor,
            AverageLoad = copy.AverageLoad,
            DepreciationYears = copy.DepreciationYears,
            FacilityLifeYears = copy.FacilityLifeYears,
        };
    }

    /// <summary>The scenario document (schema v1, compact) with a <c>budget</c> section.</summary>
    public string ToJson()
    {
        var rent = IsRent;
        var sites = (_base.Sites ?? new SitesSection()) with { PowerCapMw = Finite(PowerCapMw), MaxSiteMw = Finite(MaxSiteMw) };
        var document = _base with
        {
            Name = Name,
            Model = ModelPreset is { Length: > 0 } preset ? new ModelSection { Preset = preset } : _base.Model,
            Training = _base.Training with { Precision = Precision },
            System = _base.System with { ChipId = ChipId, CustomChip = null },
            Budget = new BudgetSection
            {
                BudgetUsd = Finite(BudgetUsd),
                DurationDays = Finite(DurationDays),
                Acquisition = Acquisition,
                CapitalCost = rent ? null : CapitalCost,
                GpuPriceUsd = rent ? null : Finite(GpuPriceUsd),
                ServerOverheadFactor = rent ? null : Finite(ServerOverheadFactor),
                NetworkShareOfClusterCost = rent ? null : Finite(NetworkShareOfClusterCost),
                FacilityUsdPerMegawatt = rent ? null : Finite(FacilityUsdPerMegawatt),
                DepreciationYears = rent ? null : Finite(DepreciationYears),
                FacilityLifeYears = rent ? null : Finite(FacilityLifeYears),
                RentUsdPerGpuHour = rent ? Finite(RentUsdPerGpuHour) : null,
                ServerPowerFactor = Finite(ServerPowerFactor),
                AverageLoad = Finite(AverageLoad),
                Pue = Finite(Pue),
                ElectricityUsdPerKWh = Finite(ElectricityUsdPerKWh),
                Goodput = Finite(Goodput),
                Mfu = Finite(Mfu),
                HyperparameterSearchShare = Finite(HyperparameterSearchShare),
                Optimizer = Optimizer,
                ScalingLaw = ScalingLaw,
            },
            // A sites section with nothing in it is left out.
            Sites = sites == new SitesSection() ? null : sites,
        };
        return ScenarioWriter.ToJson(document, indented: false);
    }

    /// <summary>A short description of the column ("h100-sxm · buy · bf16").</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{ChipId} · {Acquisition} · {Precision}");

    // Non-finite numbers cannot be written as JSON; the page never holds them, but guard anyway.
    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    // The base document: the opened one read with the scenario parser, without the fields this page reads and writes
    // itself (name, training precision, system chip, budget, the sites' power cap and largest site). Those may hold values
    // the parser refuses (a column shared while one of its fields was out of range); they come back into the form as they
    // were and are checked when the column is planned.
    private static (ScenarioDocument Document, IReadOnlyList<ScenarioError> Errors) Base(JsonObject opened)
    {
        var doc = (JsonObject)opened.DeepClone();
        doc.Remove("name");
        doc.Remove("budget");
        (doc["training"] as JsonObject)?.Remove("precision");
        // The page names the chip itself; a placeholder keeps the required member.
        if (doc["system"] is JsonObject system) system["chip"] = "";
        if (doc["sites"] is JsonObject sites)
        {
            sites.Remove("powerCapMw");
            sites.Remove("maxSiteMw");
        }
        var parsed = ScenarioParser.Parse(doc.ToJsonString());
        return parsed.Success ? (parsed.Document!, []) : (s_emptyBase, parsed.Errors);
    }

    private static double? Num(JsonObject o, string name) =>
        o[name] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
}
