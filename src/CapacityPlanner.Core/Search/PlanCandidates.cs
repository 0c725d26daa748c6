using CapacityPlanner.Core.Estimation;
using CapacityPlanner.Core.Planning;
using CapacityPlanner.Core.Workload;

namespace CapacityPlanner.Core.Search;

/// <summary>One candidate of the enumeration: a structurally valid plan, or the rule that rejected a partial one.</summary>
/// <param name="Plan">The plan (the partial plan when rejected).</param>
/// <param name="Rejected">The broken rule, or null for a valid plan.</param>
internal readonly record struct Candidate(PlanSpec Plan, PlanRule? Rejected);

/// <summary>
/// Enumerates candidate plans for a model on a cluster, outermost TP, then CP, PP, virtual stages, micro-batch, EP,
/// recompute, placement, ZeRO stage and shard scope; each group of <see cref="PlanRules"/> is checked as soon as its
/// fields are chosen, so a broken rule prunes everything inside it (and is reported once). Costing and ranking are the
/// search's business (<see cref="PlanSearch"/>).
/// </summary>
internal static class PlanCandidates
{
    private static readonly RecomputeMode[] s_recompute = [RecomputeMode.None, RecomputeMode.Selective, RecomputeMode.Full];
    private static readonly int[] s_allZeroStages = [0, 1, 2, 3];

    public static IEnumerable<Candidate> Enumerate(TransformerModel m, long batch, long gpus, int scaleUpDomain, SoftwareStack stack, SearchConstraints f, CancellationToken cancellation)
    {
        var placements = f.Placement is { Count: 5 } fixedOrder
            ? [PlanSpec.Pack(fixedOrder)]
            : new[] { PlanSpec.DefaultPlacement, PlanSpec.PipelineInsideData };
        var maxTensor = Math.Max(8, scaleUpDomain);
        // The stages the stack runs; a stage the scenario fixes is offered as it is and rejected below when the stack lacks it.
        var zeroStages = f.ZeroStage is { } z ? [z] : Array.FindAll(s_allZeroStages, stage => stack.RunsZeroStage(stage));
        var zeroStagesPipelined = f.ZeroStage is { } zp ? [zp] : Array.FindAll(s_allZeroStages, stage => stack.RunsZeroStage(stage, pipelined: true));
        var fixedZeroRejected = f.ZeroStage is { } fz && !stack.RunsZeroStage(fz);
        var fixedZeroRejectedPipelined = f.ZeroStage is { } fzp && !stack.RunsZeroStage(fzp, pipelined: true);
        var recomputes = f.Recompute is { } r ? [r] : s_recompute;

        foreach (var t in Divisors(f.Tensor, gpus, maxTensor))
        {
            var plan = new PlanSpec(t, 1, 1, 1, 1, false, 1, 1, 1, RecomputeMode.None, PlanSpec.DefaultPlacement);
            if (PlanRules.FirstViolation(PlanRules.TensorRules, m, batch, gpus, stack, plan) is { } tensorRule) { yield return new(plan, tensorRule); continue; }
            foreach (var c in Divisors(f.Context, gpus / t, 64))
            {
                plan = plan with { Context = c };
                if (PlanRules.FirstViolation(PlanRules.ContextRules, m, batch, gpus, stack, plan) is { } contextRule) { yield return new(plan, contextRule); continue; }
                foreach (var p in Divisors(f.Pipeline, gpus / t / c, int.MaxValue))
                {
                    // Checked once per (TP, CP, PP) triple: cheap against the thousands of plans costed inside.
                    cancellation.ThrowIfCancellationRequested();
                    plan = plan with { Pipeline = p, VirtualStages = 1 };
                    if (PlanRules.FirstViolation(PlanRules.PipelineRules, m, batch, gpus, stack, plan) is { } pipelineRule) { yield return new(plan, pipelineRule); continue; }
                    var dLong = gpus / ((long)t * c * p);
                    if (dLong > int.MaxValue) continue;
                    var d = (int)dLong;
                    if (f.Data is { } fd && fd != d) continue;
                    plan = plan with { Data = d, SequenceParallel = f.SequenceParallel ?? t > 1 };
                    foreach (var v in VirtualCandidates(f.VirtualStages, p, m.Layers, stack.Interleaving))
                    {
                        plan = plan with { VirtualStages = v };
                        // A virtual-stage count the scenario fixes is checked here; the ones proposed below already hold.
                        if (v > 1 && PlanRules.FirstViolation(PlanRules.PipelineRules, m, batch, gpus, stack, plan) is { } virtualRule) { yield return new(plan, virtualRule); continue; }
                        // A stack without gradient accumulation runs each replica's whole share in one pass.
                        foreach (var b in MicroBatchCandidates(stack.GradientAccumulation ? f.MicroBatchSize : SoftwareStack.StepMicroBatch(batch, d), batch, d))
                        {
                            plan = plan with { MicroBatchSize = b };
                            if (PlanRules.FirstViolation(PlanRules.BatchRules, m, batch, gpus, stack, plan) is { } batchRule) { yield return new(plan, batchRule); continue; }
                            foreach (var e in ExpertCandidates(f.Expert, m.Moe?.Experts ?? 1, (long)d * c))
                            {
                                plan = plan with { Expert = e };
                                if (PlanRules.FirstViolation(PlanRules.ExpertRules, m, batch, gpus, stack, plan) is { } expertRule) { yield return new(plan, expertRule); continue; }
                                foreach (var rc in recomputes)
                                {
                                    foreach (var placement in placements)
                                    {
                                        foreach (var zero in p > 1 ? zeroStagesPipelined : zeroStages)
                                        {
                                            plan = plan with { Recompute = rc, PackedPlacement = placement, ZeroStage = zero, ShardWithinDomain = false };
                                            if (p > 1 ? fixedZeroRejectedPipelined : fixedZeroRejected) { yield return new(plan, PlanRule.StackRunsZeroStage); continue; }
                                            // Full sharding unless the scenario asks for hybrid; hybrid as well where it is a real choice.
                                            if (!(zero == 3 && f.ShardScope == ZeroShardScope.Domain)) yield return new(plan, null);
                                            if (f.ShardScope != ZeroShardScope.All && PlanLayout.HybridShardingApplies(plan, scaleUpDomain))
                                                yield return new(plan with { ShardWithinDomain = true }, null);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static IEnumerable<int> Divisors(int? fixedValue, long n, int max)
    {
        if (fixedValue is { } v)
        {
            if (n % v == 0) yield return v;
            yield break;
        }
        foreach (var d in PlanSearch.Divisors(n))
        {
            if (d > max) yield break;
            yield return (int)d;
        }
    }

    private static IEnumerable<int> VirtualCandidates(int? fixedValue, int p, int layers, bool stackInterleaves)
    {
        if (fixedValue is { } v)
        {
            if (v == 1 || p > 1) yield return v;
            yield break;
        }
        yield return 1;
        if (p == 1 || !stackInterleaves) yield break;
        // Chunks of equal layers, or of equal units where the embedding and the loss count as layers (PlanRule.ChunksWithinLayers).
        for (var k = 2; k <= Math.Min(8, (layers + PlanRules.NonLayerPipelineUnits) / p); k++)
        {
            if (PlanRules.ChunksSplitEvenly(layers, p, k)) yield return k;
        }
    }

    private static IEnumerable<int> MicroBatchCandidates(int? fixedValue, long batch, int d)
    {
        if (fixedValue is { } b)
        {
            yield return b;
            yield break;
        }
        var perReplica = batch / Math.Max(1, d);
        var any = false;
        for (var b2 = 1; b2 <= 16 && b2 <= Math.Max(1, perReplica); b2 *= 2)
        {
            any = true;
            yield return b2;
        }
        if (!any) yield return 1;
    }

    private static IEnumerable<int> ExpertCandidates(int? fixedValue, int experts, long dataTimesContext)
    {
        if (fixedValue is { } e)
        {
            yield return e;
            yield break;
        }
        if (experts <= 1)
        {
            yield return 1;
            yield break;
        }
        for (var k = 1; k <= experts && k <= dataTimesContext; k *= 2)
        {
            if (experts % k == 0 && dataTimesContext % k == 0) yield return k;
        }
    }
}
