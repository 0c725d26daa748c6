using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Hardware;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.ScalingLaws;

namespace CapacityPlanner.Core.Budget;

/// <summary>Where the money goes, in US dollars.</summary>
/// <param name="ServersUsd">GPUs and servers (GPU price × server overhead) charged to the run.</param>
/// <param name="NetworkUsd">Cluster interconnect charged to the run.</param>
/// <param name="FacilityUsd">Facility (shell, power, cooling) charged to the run.</param>
/// <param name="EnergyUsd">Electricity over the run (buy; included in the price when renting).</param>
/// <param name="RentalUsd">GPU-hours rented.</param>
/// <param name="RunCostUsd">Cost attributable to the training run: the sum of the above.</param>
/// <param name="HyperparameterSearchUsd">Reserved for hyperparameter search and ablations.</param>
/// <param name="UnallocatedUsd">Budget left over (whole nodes, a plan-friendly cluster size).</param>
/// <param name="TotalUsd">Everything: the budget given, or the budget needed.</param>
/// <param name="CapexUsd">Full purchase price of servers, network and facility (0 when renting), whatever is charged to the run.</param>
public sealed record BudgetCostBreakdown(
    double ServersUsd,
    double NetworkUsd,
    double FacilityUsd,
    double EnergyUsd,
    double RentalUsd,
    double RunCostUsd,
    double HyperparameterSearchUsd,
    double UnallocatedUsd,
    double TotalUsd,
    double CapexUsd);

/// <summary>What one precision would cost and deliver on the same cluster and plan.</summary>
/// <param name="Precision">Precision.</param>
/// <param name="Supported">False when the chip has no peak for it.</param>
/// <param name="PeakTflopsPerGpu">Dense peak per GPU.</param>
/// <param name="Mfu">MFU against this precision's peak.</param>
/// <param name="ModelTflopsPerGpu">Achieved model TFLOP/s per GPU.</param>
/// <param name="TotalFlop">Training FLOP in the same wall time.</param>
/// <param name="Log10TotalFlop">log10 of that.</param>
/// <param name="DaysForSameFlop">Days to reach the chosen precision's FLOP.</param>
/// <param name="PredictedLoss">Compute-optimal loss at <paramref name="TotalFlop"/> (the fits carry no precision term).</param>
/// <param name="FitsInMemory">Whether the plan still fits in HBM (fp32/fp64 double the weight and activation bytes); null when unknown.</param>
public sealed record PrecisionOption(
    Precision Precision,
    bool Supported,
    double? PeakTflopsPerGpu,
    double? Mfu,
    double? ModelTflopsPerGpu,
    double? TotalFlop,
    double? Log10TotalFlop,
    double? DaysForSameFlop,
    double? PredictedLoss,
    bool? FitsInMemory);

/// <summary>The budget planner's answer for one scenario.</summary>
public sealed record BudgetResult
{
    /// <summary>Scenario name.</summary>
    public required string ScenarioName { get; init; }
    /// <summary>Question answered.</summary>
    public required BudgetMode Mode { get; init; }
    /// <summary>Chip id.</summary>
    public required string ChipId { get; init; }
    /// <summary>Training precision.</summary>
    public required Precision Precision { get; init; }
    /// <summary>GPUs in the cluster the result describes.</summary>
    public required long Gpus { get; init; }
    /// <summary>GPUs the budget pays for (budget mode), before rounding to a size the plan tiles.</summary>
    public long? AffordableGpus { get; init; }
    /// <summary>Servers (nodes).</summary>
    public required long Nodes { get; init; }
    /// <summary>GPUs per server.</summary>
    public required int GpusPerNode { get; init; }
    /// <summary>Wall-clock days of the run.</summary>
    public required double DurationDays { get; init; }
    /// <summary>Days asked for, when they differ from <see cref="DurationDays"/>.</summary>
    public double? RequestedDurationDays { get; init; }
    /// <summary>Days that train (duration × goodput).</summary>
    public required double TrainingDays { get; init; }
    /// <summary>Goodput used: budget.goodput, or the reliability model's effective training time ratio for the cluster.</summary>
    public double Goodput { get; init; }
    /// <summary>Failures, checkpoints and goodput of the cluster (null without a cluster).</summary>
    public Reliability.GoodputReport? Reliability { get; init; }
    /// <summary>Power per site and sites needed (null without a plan and without sites.maxSiteMw).</summary>
    public Sites.CrossSiteReport? Sites { get; init; }
    /// <summary>MFU used.</summary>
    public required double Mfu { get; init; }
    /// <summary>"plan search", "override" or "fallback".</summary>
    public required string MfuSource { get; init; }
    /// <summary>Best plan at the cluster size, when the search found one.</summary>
    public ParallelismPlan? Plan { get; init; }
    /// <summary>Its estimate.</summary>
    public Estimate? PlanEstimate { get; init; }
    /// <summary>Critical IT power (servers at nameplate).</summary>
    public required double ItMegawatts { get; init; }
    /// <summary>Facility power: IT × PUE (the grid connection to build).</summary>
    public required double FacilityMegawatts { get; init; }
    /// <summary>Energy over the run (average load × PUE).</summary>
    public required double EnergyMegawattHours { get; init; }
    /// <summary>Training FLOP (model FLOPs) delivered.</summary>
    public required double TotalFlop { get; init; }
    /// <summary>log10 of <see cref="TotalFlop"/>; null when no FLOP.</summary>
    public double? Log10TotalFlop { get; init; }
    /// <summary>Tokens the scenario's model trains on.</summary>
    public required double TrainingTokens { get; init; }
    /// <summary>Model total parameters.</summary>
    public required double TotalParameters { get; init; }
    /// <summary>Model active parameters per token.</summary>
    public required double ActiveParameters { get; init; }
    /// <summary>Run cost per 10^24 FLOP; null when no FLOP.</summary>
    public double? CostPer1e24FlopUsd { get; init; }
    /// <summary>The budget given (budget mode) or needed (other modes).</summary>
    public required double BudgetUsd { get; init; }
    /// <summary>Where the money goes.</summary>
    public required BudgetCostBreakdown Costs { get; init; }
    /// <summary>Run cost per GPU-hour of wall time.</summary>
    public double? CostPerGpuHourUsd { get; init; }
    /// <summary>Optimizer figures used.</summary>
    public required BudgetOptimizer Optimizer { get; init; }
    /// <summary>Step time added for the optimizer beyond the analytic model's.</summary>
    public required double OptimizerExtraFraction { get; init; }
    /// <summary>Optimizer state for the whole model, in GiB (before sharding).</summary>
    public required double OptimizerStateGiB { get; init; }
    /// <summary>Compute-optimal allocation and loss under the chosen fit; null when no FLOP.</summary>
    public ScalingPrediction? Scaling { get; init; }
    /// <summary>The same under the other fit (Chinchilla vs Epoch), shown side by side.</summary>
    public ScalingPrediction? AlternativeScaling { get; init; }
    /// <summary>Loss of the scenario's own model trained on <see cref="TrainingTokens"/>; null when no FLOP.</summary>
    public double? ScenarioModelLoss { get; init; }
    /// <summary>What each precision would deliver on the same cluster.</summary>
    public required IReadOnlyList<PrecisionOption> Precisions { get; init; }
    /// <summary>The assumptions used, with sources.</summary>
    public required BudgetAssumptions Assumptions { get; init; }
    /// <summary>Caveats the reader must see.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }
    /// <summary>Explanations of how figures were obtained.</summary>
    public required IReadOnlyList<string> Notes { get; init; }
    /// <summary>Plan searches run.</summary>
    public required int Searches { get; init; }
    /// <summary>Wall time of the planner.</summary>
    public required double ElapsedMilliseconds { get; init; }
}

/// <summary>The planner's outcome: a result, or every input error with its path.</summary>
/// <param name="Result">The result when the inputs were valid.</param>
/// <param name="Errors">Input errors (JSON path + message).</param>
public sealed record BudgetOutcome(BudgetResult? Result, IReadOnlyList<ScenarioError> Errors)
{
    /// <summary>True when a result was computed.</summary>
    public bool Success => Result is not null && Errors.Count == 0;
}
