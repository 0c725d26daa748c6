namespace CapacityPlanner.Core.Workload;

/// <summary>Mixture-of-Experts block shape.</summary>
/// <param name="Experts">Routed experts per MoE layer (E).</param>
/// <param name="ExpertsPerToken">Routed experts each token visits (top-k).</param>
/// <param name="SharedExperts">Always-on shared experts per MoE layer.</param>
/// <param name="ExpertFfnHiddenSize">FFN width of one expert (F_e).</param>
/// <param name="DenseLayers">Leading layers with a dense MLP instead of MoE (DeepSeek style).</param>
/// <param name="CapacityFactor">Tokens an expert is provisioned for, relative to perfect balance.</param>
/// <param name="RoutingGroups">Group-limited routing (DeepSeek-V2/V3 device- and node-limited routing, Megatron-Core
/// <c>moe_router_num_groups</c>, HF <c>n_group</c>): the experts split into this many contiguous groups; 1 for unrestricted routing.</param>
/// <param name="GroupsPerToken">Groups each token's experts are chosen from (<c>moe_router_group_topk</c>, HF <c>topk_group</c>);
/// equal to <paramref name="RoutingGroups"/> for unrestricted routing.</param>
public sealed record MoeConfig(
    int Experts,
    int ExpertsPerToken,
    int SharedExperts,
    int ExpertFfnHiddenSize,
    int DenseLayers,
    double CapacityFactor,
    int RoutingGroups = 1,
    int GroupsPerToken = 1)
{
    /// <summary>True when each token's experts come from a subset of the groups.</summary>
    public bool GroupLimited => RoutingGroups > 1 && GroupsPerToken < RoutingGroups;

    /// <summary>
    /// The problem with a routing-group setting, or null: the experts must split evenly into the groups, a token must
    /// choose at least one group and no more than there are, at most one group per routed expert (the group score sums each
    /// group's top <c>k / groups-per-token</c> experts, Megatron-Core <c>group_limited_topk</c>), and the chosen groups
    /// must hold the token's experts.
    /// </summary>
    public string? RoutingGroupsProblem()
    {
        if (RoutingGroups < 1) return $"routingGroups must be at least 1 (got {RoutingGroups}).";
        if (Experts % RoutingGroups != 0) return $"{Experts} experts do not split evenly into {RoutingGroups} routing groups.";
        if (GroupsPerToken < 1 || GroupsPerToken > RoutingGroups) return $"groupsPerToken must be between 1 and routingGroups ({RoutingGroups}); got {GroupsPerToken}.";
        if (GroupsPerToken > ExpertsPerToken) return $"groupsPerToken ({GroupsPerToken}) exceeds the {ExpertsPerToken} experts per token: each chosen group is scored by its top k / groupsPerToken experts.";
        if (ExpertsPerToken > (long)GroupsPerToken * (Experts / RoutingGroups))
            return $"{ExpertsPerToken} experts per token do not fit in {GroupsPerToken} groups of {Experts / RoutingGroups} experts.";
        return null;
    }
}

/// <summary>
/// Multi-head latent attention (DeepSeek-V2 §2.1, DeepSeek-V3 §2.1.1; Megatron-Core <c>MLATransformerConfig</c>): queries and
/// keys/values are projected down to small latents, normalised and projected up per head; each head's query and key carry a
/// decoupled RoPE part shared by all heads on the key side. No grouped KV heads: every head has its own key and value.
/// </summary>
/// <param name="QLoraRank">Query latent width (<c>q_lora_rank</c>); null where queries are projected from h directly (DeepSeek-V2-Lite).</param>
/// <param name="KvLoraRank">Key/value latent width (<c>kv_lora_rank</c>).</param>
/// <param name="QkNopeHeadDim">Per-head query/key width without position encoding (<c>qk_nope_head_dim</c>; Megatron <c>qk_head_dim</c>).</param>
/// <param name="QkRopeHeadDim">Per-head query/key RoPE width (<c>qk_rope_head_dim</c>; Megatron <c>qk_pos_emb_head_dim</c>), the key's shared by all heads.</param>
/// <param name="VHeadDim">Per-head value width (<c>v_head_dim</c>).</param>
public sealed record MlaConfig(int? QLoraRank, int KvLoraRank, int QkNopeHeadDim, int QkRopeHeadDim, int VHeadDim)
{
    /// <summary>Per-head query/key width: nope + rope.</summary>
    public int QkHeadDim => QkNopeHeadDim + QkRopeHeadDim;

    /// <summary>The shape in words ("query latent 1536, key/value latent 512, query/key heads 128 + 64 RoPE, value heads 128"),
    /// as the Planner and the CLI show it.</summary>
    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"query latent {(QLoraRank is { } qr ? qr.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}, key/value latent {KvLoraRank}, query/key heads {QkNopeHeadDim} + {QkRopeHeadDim} RoPE, value heads {VHeadDim}");
}

/// <summary>How a projection's weight is split over the tensor-parallel group (Megatron-LM column/row parallel linear layers).</summary>
public enum ProjectionSplit
{
    /// <summary>Output columns split: each rank produces out/t of every token's outputs (input gathered under SP).</summary>
    Column,

    /// <summary>Input rows split: each rank reads in/t and the outputs are reduced (scattered under SP).</summary>
    Row,

    /// <summary>Whole weight on every rank (MLA's down-projections, Megatron-Core <c>parallel_mode="duplicated"</c>): under
    /// sequence parallelism each rank projects its own 1/t of the tokens, without it every rank projects all of them.</summary>
    Replicated,
}

/// <summary>One attention projection GEMM of a layer: [tokens × <paramref name="In"/>]·[<paramref name="In"/> × <paramref name="Out"/>].</summary>
public readonly record struct AttentionProjection(string Name, double In, double Out, ProjectionSplit Split);

/// <summary>
/// A decoder-only Transformer. Parameter and FLOP counts follow the formula sheet §1–§2
/// (Megatron-LM <c>num_floating_point_operations</c>, Narayanan et al. 2021 eq. 3, Korthikanti et al. 2022).
/// </summary>
/// <param name="Layers">Transformer layers (L).</param>
/// <param name="HiddenSize">Model width (h).</param>
/// <param name="AttentionHeads">Query heads (n_h).</param>
/// <param name="KvHeads">Key/value heads (GQA/MQA: fewer than query heads).</param>
/// <param name="FfnHiddenSize">Dense MLP width (F).</param>
/// <param name="GatedMlp">SwiGLU-style three-matrix MLP.</param>
/// <param name="VocabSize">Vocabulary (V).</param>
/// <param name="SequenceLength">Training sequence length (s).</param>
/// <param name="TiedEmbeddings">Output head shares the input embedding.</param>
/// <param name="Moe">MoE shape, or null for a dense model.</param>
/// <param name="Name">Display name.</param>
/// <param name="HeadDimension">Width of one attention head where it is not <c>h / n_h</c> (Qwen3, Gemma, GPT-OSS, MaxText's
/// 2023 base: query width n_h·d_h other than h); null for <c>h / n_h</c>. Not used with <paramref name="Mla"/>.</param>
/// <param name="Mla">Multi-head latent attention shape, or null for multi-head / grouped-query attention.</param>
public sealed record TransformerModel(
    int Layers,
    int HiddenSize,
    int AttentionHeads,
    int KvHeads,
    int FfnHiddenSize,
    bool GatedMlp,
    int VocabSize,
    int SequenceLength,
    bool TiedEmbeddings,
    MoeConfig? Moe = null,
    string Name = "custom",
    int? HeadDimension = null,
    MlaConfig? Mla = null)
{
    /// <summary>Head dimension d_h: as given, else h / n_h; under MLA the query/key head width (nope + rope).</summary>
    public double HeadDim => Mla is { } mla ? mla.QkHeadDim : HeadDimension ?? (double)HiddenSize / AttentionHeads;

    /// <summary>Query width q = n_h·d_h (under MLA n_h·(nope + rope)): the width of the attention scores' left operand.</summary>
    public double QueryWidth => AttentionHeads * HeadDim;

    /// <summary>Key (or value) projection width kv = n_kv·d_h under MHA/GQA; under MLA the key width (every head its own).</summary>
    public double KvWidth => Mla is null ? KvHeads * HeadDim : KeyWidth;

    /// <summary>Key width per token that the attention core reads: n_kv·d_h; under MLA n_h·(nope + rope).</summary>
    public double KeyWidth => Mla is { } mla ? (double)AttentionHeads * mla.QkHeadDim : KvHeads * HeadDim;

    /// <summary>Value width per token that the attention core reads: n_kv·d_h; under MLA n_h·d_v.</summary>
    public double ValueWidth => Mla is { } mla ? (double)AttentionHeads * mla.VHeadDim : KvHeads * HeadDim;

    /// <summary>Width of the attention core's output (the output projection's input): q; under MLA n_h·d_v.</summary>
    public double ContextWidth => Mla is { } mla ? (double)AttentionHeads * mla.VHeadDim : QueryWidth;

    /// <summary>
    /// Width of the attention block's input that tensor parallelism gathers under SP (or reduces the gradient of without it):
    /// h, except under MLA with compressed queries, where only the latents and the shared RoPE key are gathered before the
    /// column-parallel up-projections (Megatron-Core <c>MLASelfAttention</c>: the down-projections run on each rank's own
    /// tokens).
    /// </summary>
    public double AttentionInputWidth => Mla is { QLoraRank: { } qr } mla ? qr + mla.KvLoraRank + mla.QkRopeHeadDim : HiddenSize;

    /// <summary>Number of attention projection GEMMs of one layer (<see cref="AttentionProjectionAt"/>).</summary>
    public int AttentionProjectionCount => Mla is null ? 2 : Mla.QLoraRank is null ? 4 : 5;

    /// <summary>
    /// The attention projections of one layer, in order (formula sheet §1): MHA/GQA the fused QKV (column-parallel) and the
    /// output projection (row-parallel); MLA the query down- and up-projections (or one query projection without a query
    /// latent), the key/value down-projection with the shared RoPE key, the key/value up-projection and the output projection
    /// (Megatron-Core <c>multi_latent_attention.py</c>). Allocation-free: the estimator's hot path indexes it.
    /// </summary>
    public AttentionProjection AttentionProjectionAt(int index)
    {
        double h = HiddenSize, heads = AttentionHeads;
        if (Mla is not { } mla)
        {
            return index switch
            {
                0 => new("QKV projection", h, QueryWidth + 2 * KvWidth, ProjectionSplit.Column),
                1 => new("Attention output projection", QueryWidth, h, ProjectionSplit.Row),
                _ => throw new ArgumentOutOfRangeException(nameof(index)),
            };
        }
        var kvDown = new AttentionProjection("KV down-projection", h, mla.KvLoraRank + mla.QkRopeHeadDim, ProjectionSplit.Replicated);
        var kvUp = new AttentionProjection("KV up-projection", mla.KvLoraRank, heads * (mla.QkNopeHeadDim + mla.VHeadDim), ProjectionSplit.Column);
        var output = new AttentionProjection("Attention output projection", ContextWidth, h, ProjectionSplit.Row);
        if (mla.QLoraRank is not { } qr)
        {
            return index switch
            {
                0 => new("Q projection", h, QueryWidth, ProjectionSplit.Column),
                1 => kvDown,
                2 => kvUp,
                3 => output,
                _ => throw new ArgumentOutOfRangeException(nameof(index)),
            };
        }
        return index switch
        {
            0 => new("Q down-projection", h, qr, ProjectionSplit.Replicated),
            1 => kvDown,
            2 => new("Q up-projection", qr, QueryWidth, ProjectionSplit.Column),
            3 => kvUp,
            4 => output,
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };
    }

    /// <summary>Sum over the attention projections of in × out, split or replicated as given (no biases).</summary>
    private double AttentionProjectionParameters(bool replicated)
    {
        var sum = 0.0;
        for (var i = 0; i < AttentionProjectionCount; i++)
        {
            var p = AttentionProjectionAt(i);
            if ((p.Split == ProjectionSplit.Replicated) == replicated) sum += p.In * p.Out;
        }
        return sum;
    }

    /// <summary>Attention parameters of one layer that tensor parallelism does not split (MLA's down-projections and latent norms).</summary>
    public double ReplicatedAttentionParametersPerLayer => Mla is { } mla
        ? AttentionProjectionParameters(replicated: true) + (mla.QLoraRank ?? 0) + mla.KvLoraRank
        : 0;

    /// <summary>Attention and norm parameters of one layer held by each of <paramref name="tensor"/> tensor-parallel ranks.</summary>
    public double AttentionAndNormParametersPerRank(int tensor) =>
        PerRank(AttentionParametersPerLayer + NormParametersPerLayer, ReplicatedAttentionParametersPerLayer, tensor);

    /// <summary>Of <paramref name="total"/> parameters, <paramref name="replicated"/> whole on every rank and the rest split over
    /// <paramref name="tensor"/> ranks: what one rank holds (the one rule; the estimator applies it to cached counts).</summary>
    public static double PerRank(double total, double replicated, int tensor) => replicated + (total - replicated) / tensor;

    /// <summary>True for MLA's up-projections (the column-parallel projections of a latent-attention model): what Megatron-Core's
    /// <c>mla_up_proj</c> recompute runs again.</summary>
    public bool IsMlaUpProjection(in AttentionProjection projection) => Mla is not null && projection.Split == ProjectionSplit.Column;

    /// <summary>Sum of the attention projections' output widths (the tensors a per-op recompute policy may keep).</summary>
    public double AttentionProjectionOutputWidth
    {
        get
        {
            var sum = 0.0;
            for (var i = 0; i < AttentionProjectionCount; i++) sum += AttentionProjectionAt(i).Out;
            return sum;
        }
    }

    /// <summary>Matrices in one MLP: 3 for gated (SwiGLU), 2 for plain.</summary>
    public int MlpMatrices => GatedMlp ? 3 : 2;

    /// <summary>Layers with a dense MLP.</summary>
    public int DenseMlpLayers => Moe is null ? Layers : Math.Min(Moe.DenseLayers, Layers);

    /// <summary>Layers with an MoE MLP.</summary>
    public int MoeLayers => Layers - DenseMlpLayers;

    /// <summary>Attention parameters of one layer: h·q + 2·h·kv + q·h (no biases); under MLA the five projections
    /// h·r_q + r_q·n_h·(d_nope + d_rope) + h·(r_kv + d_rope) + r_kv·n_h·(d_nope + d_v) + n_h·d_v·h.</summary>
    public double AttentionParametersPerLayer => AttentionProjectionParameters(replicated: false) + AttentionProjectionParameters(replicated: true);

    /// <summary>Norm parameters per layer: two norms, LayerNorm (2h) for plain-MLP models, RMSNorm (h) for gated ones; MLA
    /// adds the RMSNorms of its query and key/value latents.</summary>
    public double NormParametersPerLayer => 2.0 * (GatedMlp ? HiddenSize : 2 * HiddenSize) + (Mla is { } mla ? (mla.QLoraRank ?? 0) + mla.KvLoraRank : 0);

    /// <summary>Dense MLP parameters of one layer: g_m·h·F.</summary>
    public double DenseMlpParameters => (double)MlpMatrices * HiddenSize * FfnHiddenSize;

    /// <summary>Parameters of one routed expert.</summary>
    public double ExpertParameters => Moe is null ? 0 : (double)MlpMatrices * HiddenSize * Moe.ExpertFfnHiddenSize;

    /// <summary>Shared-expert plus router parameters of one MoE layer.</summary>
    public double MoeSharedAndRouterParameters => Moe is null ? 0
        : Moe.SharedExperts * ExpertParameters + (double)HiddenSize * Moe.Experts;

    /// <summary>Embedding (and untied head) parameters.</summary>
    public double EmbeddingParameters => (double)VocabSize * HiddenSize * (TiedEmbeddings ? 1 : 2);

    /// <summary>Total parameters N (formula sheet §1, router counted).</summary>
    public double TotalParameters =>
        Layers * (AttentionParametersPerLayer + NormParametersPerLayer)
        + DenseMlpLayers * DenseMlpParameters
        + MoeLayers * (Moe is null ? 0 : Moe.Experts * ExpertParameters + MoeSharedAndRouterParameters)
        + EmbeddingParameters + (GatedMlp ? HiddenSize : 2 * HiddenSize);

    /// <summary>Parameters a token touches, N_act.</summary>
    public double ActiveParameters =>
        Layers * (AttentionParametersPerLayer + NormParametersPerLayer)
        + DenseMlpLayers * DenseMlpParameters
        + MoeLayers * (Moe is null ? 0 : Moe.ExpertsPerToken * ExpertParameters + MoeSharedAndRouterParameters)
        + EmbeddingParameters + (GatedMlp ? HiddenSize : 2 * HiddenSize);

    /// <summary>
    /// Forward FLOPs of the attention projections of one layer per token: 2·(h·(q+2kv) + q·h); under MLA twice the five
    /// projections' parameters.
    /// </summary>
    public double AttentionProjectionFlopsPerToken => 2 * AttentionParametersPerLayer;

    /// <summary>
    /// Forward FLOPs of the attention core (scores and context) of one layer per token, counting the
    /// full s×s product (κ = 1, the convention of Narayanan et al. 2021 eq. 3 and PaLM App. B): 2·s·(q + q) = 4·s·q; under
    /// MLA the scores run at the query/key head width and the context at the value width, 2·s·n_h·(d_nope + d_rope + d_v).
    /// </summary>
    public double AttentionCoreFlopsPerToken => 2.0 * SequenceLength * (QueryWidth + ContextWidth);

    /// <summary>Forward FLOPs of one dense MLP per token: 2·g_m·h·F.</summary>
    public double DenseMlpFlopsPerToken => 2 * DenseMlpParameters;

    /// <summary>Forward FLOPs of one MoE MLP per token: routed top-k experts, shared experts and the router.</summary>
    public double MoeMlpFlopsPerToken => Moe is null ? 0
        : 2 * (Moe.ExpertsPerToken * ExpertParameters + Moe.SharedExperts * ExpertParameters + (double)HiddenSize * Moe.Experts);

    /// <summary>Forward FLOPs per token of every layer's last projection (the MLP down-projection: 2·h·F dense; top-k and shared experts under MoE).</summary>
    public double DownProjectionFlopsPerToken =>
        2.0 * HiddenSize * (DenseMlpLayers * (double)FfnHiddenSize
            + MoeLayers * (Moe is null ? 0 : (double)(Moe.ExpertsPerToken + Moe.SharedExperts) * Moe.ExpertFfnHiddenSize));

    /// <summary>Forward FLOPs of the logits GEMM per token: 2·h·V.</summary>
    public double LogitsFlopsPerToken => 2.0 * HiddenSize * VocabSize;

    /// <summary>
    /// Model FLOPs per token, forward and backward, without recompute: 3 × forward
    /// (formula sheet §2.2, κ = 1). For GPT shapes this equals 72·s·L·h²·(1 + s/6h + V/12Lh)/s exactly.
    /// </summary>
    public double ModelFlopsPerToken => 3 * ForwardFlopsPerToken;

    /// <summary>Forward FLOPs per token of the whole model.</summary>
    public double ForwardFlopsPerToken =>
        Layers * (AttentionProjectionFlopsPerToken + AttentionCoreFlopsPerToken)
        + DenseMlpLayers * DenseMlpFlopsPerToken
        + MoeLayers * MoeMlpFlopsPerToken
        + LogitsFlopsPerToken;
}
