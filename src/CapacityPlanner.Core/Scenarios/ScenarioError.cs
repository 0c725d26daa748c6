namespace CapacityPlanner.Core.Scenarios;

/// <summary>
/// A problem with a scenario, a plan, a budget or a link, addressed by JSON path: the error type of the scenario contract
/// (parser, resolver, plan rules, share links, budget inputs). Invalid input is reported with it, never thrown.
/// </summary>
/// <param name="Path">JSON path of the offending field, e.g. <c>$.parallelism.tensor</c>.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record ScenarioError(string Path, string Message);
