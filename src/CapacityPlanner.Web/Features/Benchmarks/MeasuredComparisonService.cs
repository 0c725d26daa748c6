using CapacityPlanner.Measurements.Calibration;
using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Contracts.Scenarios;

namespace CapacityPlanner.Web.Features.Benchmarks;

/// <summary>A scenario estimated twice: on the datasheet chip and on its measured profile.</summary>
/// <param name="Profile">The profile used.</param>
/// <param name="DatasheetChip">Name of the datasheet (catalog) chip.</param>
/// <param name="MeasuredChip">Name of the measured profile.</param>
/// <param name="Datasheet">Estimate with the datasheet chip.</param>
/// <param name="Measured">Estimate with the measured profile.</param>
public sealed record MeasuredComparisonResult(RegisteredProfile Profile, string DatasheetChip, string MeasuredChip, Estimate Datasheet, Estimate Measured)
{
    /// <summary>Measured step time ÷ datasheet step time; null when either is missing.</summary>
    public double? StepTimeRatio => Datasheet.StepTimeSeconds is > 0 && Measured.StepTimeSeconds is { } m ? m / Datasheet.StepTimeSeconds : null;
}

/// <summary>Estimates a scenario with the datasheet chip and with the newest measured profile of that chip.</summary>
public sealed class MeasuredComparisonService(BenchmarkCalibrationService calibrations)
{
    /// <summary>
    /// The comparison for a scenario document, or null when it does not resolve or no measured profile exists for its
    /// chip. "Datasheet" is always the profile's catalog chip: a scenario already on a measured chip is resolved again
    /// with the catalog chip in its place, so the NIC and scale-up figures that the measured chip's inline definition
    /// folds in do not stay behind; "measured" is that catalog scenario with the calibration applied once.
    /// </summary>
    public MeasuredComparisonResult? Compare(string? scenarioJson)
    {
        if (string.IsNullOrWhiteSpace(scenarioJson)) return null;
        ScenarioDocument document;
        CapacityPlanner.Core.Planning.ResolvedScenario scenario;
        try
        {
            var loaded = ScenarioLoader.Load(scenarioJson);
            if (!loaded.Success) return null;
            (document, scenario) = (loaded.Document!, loaded.Scenario!);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.Text.Json.JsonException)
        {
            return null;
        }
        var profile = calibrations.FindProfile(scenario.System.Chip.Id);
        if (profile is null) return null;
        var cal = profile.Calibration;
        var onCatalog = ScenarioResolver.Resolve(document with { System = document.System with { ChipId = cal.BaseChip.Id, CustomChip = null } });
        if (!onCatalog.Success || onCatalog.Scenario is null) return null;
        var datasheet = onCatalog.Scenario;
        var measured = ChipCalibrator.Apply(datasheet, cal);
        return new MeasuredComparisonResult(profile, cal.BaseChip.Name, cal.Chip.Name, Estimator.Estimate(datasheet), Estimator.Estimate(measured));
    }
}
