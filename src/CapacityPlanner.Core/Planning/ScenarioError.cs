namespace CapacityPlanner.Core.Planning;

/// <summary>
/// A problem with a scenario, a plan, a budget or a link, addressed by JSON path of the scenario document: the error
/// type of the model's results (plan rules, goodput, sites, budget inputs) and of the scenario contract that reads and
/// resolves documents (parser, resolver, share links). Invalid input is reported with it, never thrown.
/// </summary>
/// <param name="Path">JSON path of the offending field, e.g. <c>$.parallelism.tensor</c>.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record ScenarioError(string Path, string Message);
