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
/// 2023 base: query width n_h·d_h other than h); null for <c>h / n_h</c>.</param>
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
    int? HeadDimension = null)
{
    /// <summary>Head dimension d_h: as given, else h / n_h.</summary>
    public double HeadDim => HeadDimension ?? (double)HiddenSize / AttentionHeads;

    /// <summary>Query projection width q = n_h·d_h.</summary>
    public double QueryWidth => AttentionHeads * HeadDim;

    /// <summary>Key (or value) projection width kv = n_kv·d_h.</summary>
    public double KvWidth => KvHeads * HeadDim;

    /// <summary>Matrices in one MLP: 3 for gated (SwiGLU), 2 for plain.</summary>
    public int MlpMatrices => GatedMlp ? 3 : 2;

    /// <summary>Layers with a dense MLP.</summary>
    public int DenseMlpLayers => Moe is null ? Layers : Math.Min(Moe.DenseLayers, Layers);

    /// <summary>Layers with an MoE MLP.</summary>
    public int MoeLayers => Layers - DenseMlpLayers;

    /// <summary>Attention parameters of one layer: h·q + 2·h·kv + q·h (no biases).</summary>
    public double AttentionParametersPerLayer => HiddenSize * QueryWidth + 2 * HiddenSize * KvWidth + QueryWidth * HiddenSize;

    /// <summary>Norm parameters per layer: two norms, LayerNorm (2h) for plain-MLP models, RMSNorm (h) for gated ones.</summary>
    public double NormParametersPerLayer => 2.0 * (GatedMlp ? HiddenSize : 2 * HiddenSize);

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
    /// Forward FLOPs of the projections (QKV + output) of one layer per token: 2·(h·(q+2kv) + q·h).
    /// </summary>
    public double AttentionProjectionFlopsPerToken => 2 * (HiddenSize * (QueryWidth + 2 * KvWidth) + QueryWidth * HiddenSize);

    /// <summary>
    /// Forward FLOPs of the attention core (scores and context) of one layer per token, counting the
    /// full s×s product (κ = 1, the convention of Narayanan et al. 2021 eq. 3 and PaLM App. B): 4·s·q.
    /// </summary>
    public double AttentionCoreFlopsPerToken => 4.0 * SequenceLength * QueryWidth;

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
