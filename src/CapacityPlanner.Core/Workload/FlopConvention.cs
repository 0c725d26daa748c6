namespace CapacityPlanner.Core.Workload;

/// <summary>
/// How papers count model FLOPs per token (MFU depends on it; docs/model.md §FLOP conventions). Comparisons with
/// published runs use tokens/s, which no convention changes.
/// </summary>
public enum FlopConvention
{
    /// <summary>Megatron/NeMo: 3 × forward with full (non-causal) attention and the logits, no recompute
    /// (Narayanan et al. 2021 eq. 3 without the recompute term; NVIDIA's model TFLOP/s).</summary>
    Megatron,
    /// <summary>PaLM (Chowdhery et al. 2022 App. B): 6·N over all parameters + 12·l·h·s for attention (non-causal).</summary>
    Palm,
    /// <summary>Megatron's count with the attention scores and context counted causally (half the s×s product;
    /// MaxText and TorchTitan since 2024).</summary>
    Causal,
}

/// <summary>Names and per-token counts of the FLOP conventions.</summary>
public static class FlopConventions
{
    /// <summary>Every convention, in display order.</summary>
    public static IReadOnlyList<FlopConvention> All { get; } = [FlopConvention.Megatron, FlopConvention.Palm, FlopConvention.Causal];

    /// <summary>Id used in JSON and on the command line.</summary>
    public static string ToId(this FlopConvention c) => c switch
    {
        FlopConvention.Megatron => "megatron",
        FlopConvention.Palm => "palm",
        _ => "causal",
    };

    /// <summary>One-line description with its source.</summary>
    public static string Describe(this FlopConvention c) => c switch
    {
        FlopConvention.Megatron => "Megatron/NeMo: 3 × forward, full attention, logits, no recompute",
        FlopConvention.Palm => "PaLM: 6·N + 12·l·h·s (non-causal attention)",
        _ => "causal: Megatron's count with attention scores halved",
    };

    /// <summary>Parses an id; false for an unknown one.</summary>
    public static bool TryParse(string? id, out FlopConvention convention)
    {
        (var ok, convention) = id switch
        {
            "megatron" => (true, FlopConvention.Megatron),
            "palm" => (true, FlopConvention.Palm),
            "causal" => (true, FlopConvention.Causal),
            _ => (false, FlopConvention.Megatron),
        };
        return ok;
    }

    /// <summary>Model FLOPs per token (forward + backward, no recompute) under a convention.</summary>
    public static double FlopsPerToken(this TransformerModel m, FlopConvention c)
    {
        ArgumentNullException.ThrowIfNull(m);
        return c switch
        {
            FlopConvention.Megatron => m.ModelFlopsPerToken,
            // 6·N counts the active parameters a token touches (MoE: routed top-k, not every expert).
            FlopConvention.Palm => 6 * m.ActiveParameters + 3 * m.Layers * m.AttentionCoreFlopsPerToken,
            _ => m.ModelFlopsPerToken - 3 * m.Layers * m.AttentionCoreFlopsPerToken / 2,
        };
    }
}
