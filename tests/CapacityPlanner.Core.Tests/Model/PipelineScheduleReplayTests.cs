using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Core.Tests.Model;

/// <summary>
/// Where <c>pipelineTransfersPerMicroBatch</c> comes from (software-stacks.json, docs/model.md §Communication): the two
/// pipeline engines' own instruction streams, replayed with rendezvous point-to-point semantics (a send or receive
/// completes when its partner has reached the matching call, both then take one transfer time). DeepSpeed's
/// <c>TrainSchedule</c> (deepspeed/runtime/pipe/schedule.py) issues four blocking calls per micro-batch; Megatron's 1F1B
/// (megatron/schedules.py, p2p_communication.batch_isend_irecv) batches the send and the receive with one neighbour.
/// Without transfer time both replay to the 1F1B formula (m + p − 1)·(forward + backward) the estimator uses: the blocking
/// calls add their transfers, not a lockstep of every stage on the slower pass.
/// </summary>
public sealed class PipelineScheduleReplayTests
{
    private abstract record Op;
    private sealed record Compute(double Seconds) : Op;
    // A rendezvous with a neighbour; the partner holds the same key.
    private sealed record Exchange(int Peer, string Key) : Op;

    private static double Replay(IReadOnlyList<List<Op>> stages, double transfer)
    {
        var p = stages.Count;
        var next = new int[p];
        var clock = new double[p];
        while (true)
        {
            var finished = true;
            var progressed = false;
            for (var s = 0; s < p; s++)
            {
                if (next[s] >= stages[s].Count) continue;
                finished = false;
                switch (stages[s][next[s]])
                {
                    case Compute c:
                        clock[s] += c.Seconds;
                        next[s]++;
                        progressed = true;
                        break;
                    case Exchange x when next[x.Peer] < stages[x.Peer].Count
                        && stages[x.Peer][next[x.Peer]] is Exchange y && y.Peer == s && y.Key == x.Key:
                        clock[s] = clock[x.Peer] = Math.Max(clock[s], clock[x.Peer]) + transfer;
                        next[s]++;
                        next[x.Peer]++;
                        progressed = true;
                        break;
                }
            }
            if (finished) return clock.Max();
            Assert.True(progressed, "the schedule deadlocked");
        }
    }

    // deepspeed/runtime/pipe/schedule.py TrainSchedule.steps and _step_to_micro_batch (2022).
    private static List<Op>[] DeepSpeed(int p, int m, double forward, double backward)
    {
        var stages = new List<Op>[p];
        for (var s = 0; s < p; s++)
        {
            var ops = new List<Op>();
            var prev = -1;
            bool Valid(int mb) => mb >= 0 && mb < m;
            for (var step = 0; step < 2 * (m + p - 1); step++)
            {
                var evenStep = step % 2 == 0;
                var evenStage = s % 2 == 0;
                var isForward = evenStep == evenStage;
                var mb = (evenStep, evenStage) switch
                {
                    (true, true) => step / 2 - s / 2,
                    (false, false) => (step - 1) / 2 - s / 2,
                    (true, false) => step / 2 - p + (s + 1) / 2,
                    _ => (step - 1) / 2 - p + 1 + s / 2,
                };
                if (isForward)
                {
                    if (Valid(mb) && s > 0) ops.Add(new Exchange(s - 1, $"act{mb}"));   // RecvActivation
                    if (Valid(prev) && s > 0) ops.Add(new Exchange(s - 1, $"grad{prev}")); // SendGrad
                }
                else
                {
                    if (Valid(prev) && s < p - 1) ops.Add(new Exchange(s + 1, $"act{prev}")); // SendActivation
                    if (Valid(mb) && s < p - 1) ops.Add(new Exchange(s + 1, $"grad{mb}"));    // RecvGrad
                }
                if (Valid(mb)) ops.Add(new Compute(isForward ? forward : backward));
                prev = mb;
            }
            stages[s] = ops;
        }
        return stages;
    }

    // megatron/schedules.py forward_backward_pipelining_without_interleaving with p2p_communication's batched pairs.
    private static List<Op>[] Megatron(int p, int m, double forward, double backward)
    {
        var stages = new List<Op>[p];
        for (var s = 0; s < p; s++)
        {
            var ops = new List<Op>();
            var warmup = Math.Min(p - s - 1, m);
            var remaining = m - warmup;
            for (var i = 0; i < warmup; i++)
            {
                if (s > 0) ops.Add(new Exchange(s - 1, $"f{i}"));      // recv_forward
                ops.Add(new Compute(forward));
                if (s < p - 1) ops.Add(new Exchange(s + 1, $"f{i}"));  // send_forward
            }
            if (remaining > 0 && s > 0) ops.Add(new Exchange(s - 1, $"f{warmup}"));
            for (var k = 0; k < remaining; k++)
            {
                ops.Add(new Compute(forward));
                if (s < p - 1) ops.Add(new Exchange(s + 1, $"fb{warmup + k}/{k}")); // send_forward_recv_backward
                ops.Add(new Compute(backward));
                if (s > 0)
                {
                    ops.Add(k == remaining - 1
                        ? new Exchange(s - 1, $"b{k}")                              // send_backward
                        : new Exchange(s - 1, $"fb{warmup + k + 1}/{k}")); // send_backward_recv_forward
                }
            }
            for (var k = 0; k < warmup; k++)
            {
                var mb = remaining + k;
                if (s < p - 1) ops.Add(new Exchange(s + 1, $"b{mb}")); // recv_backward
                ops.Add(new Compute(backward));
                if (s > 0) ops.Add(new Exchange(s - 1, $"b{mb}"));     // send_backward
            }
            stages[s] = ops;
        }
        return stages;
    }

    public static TheoryData<int, int, double> Pipelines => new()
    {
        { 35, 240, 3.0 }, // MT-NLG 530B: 35 stages, full recompute (backward = recompute + 2 × forward)
        { 12, 128, 3.0 }, // BLOOM-176B
        { 4, 32, 3.0 },   // GPT-NeoX-20B
        { 8, 64, 2.0 },   // no recompute
    };

    [Theory]
    [MemberData(nameof(Pipelines))]
    public void Without_transfer_time_both_engines_take_the_1F1B_time(int p, int m, double backward)
    {
        var formula = (m + p - 1) * (1 + backward);
        Assert.Equal(formula, Replay(DeepSpeed(p, m, 1, backward), 0), 6);
        Assert.Equal(formula, Replay(Megatron(p, m, 1, backward), 0), 6);
    }

    [Theory]
    [MemberData(nameof(Pipelines))]
    public void Each_engine_waits_for_the_transfers_its_stack_profile_names(int p, int m, double backward)
    {
        const double transfer = 0.05;
        double PerSlot(List<Op>[] stages) => (Replay(stages, transfer) - (m + p - 1) * (1 + backward)) / (m + p - 1) / transfer;
        var stacks = SoftwareStackCatalog.Standard;

        var megatron = PerSlot(Megatron(p, m, 1, backward));
        var deepSpeed = PerSlot(DeepSpeed(p, m, 1, backward));

        Assert.InRange(megatron, 1.85, 2.0);
        Assert.InRange(deepSpeed, 3.5, 4.0);
        Assert.Equal(2, stacks.Find("megatron-lm-2022")!.PipelineTransfersPerMicroBatch);
        Assert.Equal(2, stacks.Find("megatron-core")!.PipelineTransfersPerMicroBatch);
        Assert.Equal(4, stacks.Find("deepspeed")!.PipelineTransfersPerMicroBatch);
    }

    [Fact]
    public void The_estimate_waits_for_twice_the_stage_to_stage_transfers_on_DeepSpeeds_engine()
    {
        // BLOOM's plan (TP4 PP12, full recompute) on both 2021-23 stacks: same bytes per transfer (both split the
        // activation over TP ranks), twice the transfers on DeepSpeed's engine.
        string Scenario(string stack) => $$"""
            { "schemaVersion": 1, "model": { "preset": "gpt3-175b" },
              "training": { "globalBatchSequences": 1536, "precision": "bf16", "stack": "{{stack}}" },
              "system": { "chip": "a100-sxm-80gb", "gpus": 384 },
              "parallelism": { "tensor": 4, "pipeline": 12, "data": 8, "microBatchSize": 2, "zeroStage": 1, "recompute": "full" } }
            """;
        var megatron = TestSupport.TestScenarios.Estimate(Scenario("megatron-lm-2022")).Breakdown!.Communication.PipelineParallel;
        var deepSpeed = TestSupport.TestScenarios.Estimate(Scenario("deepspeed")).Breakdown!.Communication.PipelineParallel;

        Assert.True(megatron.LinkSeconds > 0);
        Assert.Equal(2 * megatron.LinkSeconds, deepSpeed.LinkSeconds, 9);
        Assert.Equal(deepSpeed.LinkSeconds, deepSpeed.ExposedSeconds, 9);
    }
}
