using System.Text.Json;

namespace CapacityPlanner.Core.Workload;

/// <summary>A named model shape with its citation.</summary>
/// <param name="Id">Preset id, e.g. <c>llama3-70b</c>.</param>
/// <param name="Model">The shape.</param>
/// <param name="Source">Where the shape comes from.</param>
/// <param name="Note">Approximations made.</param>
public sealed record ModelPreset(string Id, TransformerModel Model, string Source, string? Note);

/// <summary>Model presets embedded in Core (<c>Data/model-presets.json</c>).</summary>
public static class ModelPresets
{
    private static readonly Lazy<IReadOnlyList<ModelPreset>> s_all = new(() => Parse(EmbeddedData.Read("model-presets.json")));

    /// <summary>All presets in file order.</summary>
    public static IReadOnlyList<ModelPreset> All => s_all.Value;

    /// <summary>Known ids.</summary>
    public static IEnumerable<string> Ids => All.Select(p => p.Id);

    /// <summary>Looks a preset up by id (case-insensitive).</summary>
    public static bool TryGet(string id, out ModelPreset preset)
    {
        preset = All.FirstOrDefault(p => string.Equals(p.Id, id, StringComparison.OrdinalIgnoreCase))!;
        return preset is not null;
    }

    private static List<ModelPreset> Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var list = new List<ModelPreset>();
        foreach (var p in doc.RootElement.GetProperty("presets").EnumerateArray())
        {
            MoeConfig? moe = null;
            if (p.TryGetProperty("moe", out var m) && m.ValueKind == JsonValueKind.Object)
            {
                moe = new MoeConfig(
                    m.GetProperty("experts").GetInt32(),
                    m.GetProperty("expertsPerToken").GetInt32(),
                    m.GetProperty("sharedExperts").GetInt32(),
                    m.GetProperty("expertFfnHiddenSize").GetInt32(),
                    m.GetProperty("denseLayers").GetInt32(),
                    m.GetProperty("capacityFactor").GetDouble());
                if (m.TryGetProperty("routingGroups", out var groups))
                {
                    var g = groups.GetInt32();
                    moe = moe with { RoutingGroups = g, GroupsPerToken = m.TryGetProperty("groupsPerToken", out var perToken) ? perToken.GetInt32() : g };
                    if (moe.RoutingGroupsProblem() is { } problem) throw new FormatException($"model-presets.json: {p.GetProperty("id").GetString()}: {problem}");
                }
            }
            MlaConfig? mla = null;
            if (p.TryGetProperty("mla", out var a) && a.ValueKind == JsonValueKind.Object)
            {
                mla = new MlaConfig(
                    a.TryGetProperty("qLoraRank", out var qr) ? qr.GetInt32() : null,
                    a.GetProperty("kvLoraRank").GetInt32(),
                    a.GetProperty("qkNopeHeadDim").GetInt32(),
                    a.GetProperty("qkRopeHeadDim").GetInt32(),
                    a.GetProperty("vHeadDim").GetInt32());
            }
            var id = p.GetProperty("id").GetString()!;
            var model = new TransformerModel(
                p.GetProperty("layers").GetInt32(),
                p.GetProperty("hiddenSize").GetInt32(),
                p.GetProperty("attentionHeads").GetInt32(),
                p.GetProperty("kvHeads").GetInt32(),
                p.GetProperty("ffnHiddenSize").GetInt32(),
                p.GetProperty("gatedMlp").GetBoolean(),
                p.GetProperty("vocabSize").GetInt32(),
                p.GetProperty("sequenceLength").GetInt32(),
                p.GetProperty("tiedEmbeddings").GetBoolean(),
                moe,
                p.TryGetProperty("name", out var n) ? n.GetString() ?? id : id,
                p.TryGetProperty("headDim", out var headDim) ? headDim.GetInt32() : null,
                mla);
            list.Add(new ModelPreset(id, model, p.GetProperty("source").GetString() ?? "",
                p.TryGetProperty("note", out var note) ? note.GetString() : null));
        }
        return list;
    }
}
