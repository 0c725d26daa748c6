using System.Text.Json;
using CapacityPlanner.Core.ScalingLaws;

namespace CapacityPlanner.Contracts.Results;

/// <summary>JSON of scaling predictions and ladders (camelCase; null for non-finite numbers).</summary>
public static class ScalingJson
{
    /// <summary>One prediction with the other fit alongside and optionally the ladder.</summary>
    public static string Serialize(ScalingPrediction prediction, ScalingPrediction? alternative, ComputeLadder? ladder, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        return ResultJson.Serialize(w =>
        {
            w.WriteStartObject();
            WriteBody(w, prediction);
            if (alternative is null) w.WriteNull("alternative");
            else
            {
                w.WritePropertyName("alternative");
                Write(w, alternative);
            }
            if (ladder is not null)
            {
                w.WritePropertyName("ladder");
                Write(w, ladder);
            }
            w.WriteEndObject();
        }, indented, relaxedEscaping: true);
    }

    /// <summary>Writes a prediction as one object.</summary>
    public static void Write(Utf8JsonWriter w, ScalingPrediction p)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(p);
        w.WriteStartObject();
        WriteBody(w, p);
        w.WriteEndObject();
    }

    private static void WriteBody(Utf8JsonWriter w, ScalingPrediction p)
    {
        w.WriteString("law", p.Law);
        w.WriteString("lawName", p.LawName);
        EstimateJson.Num(w, "flop", p.Flop);
        EstimateJson.Num(w, "log10Flop", p.Log10Flop);
        EstimateJson.Num(w, "parameters", p.Parameters);
        EstimateJson.Num(w, "tokens", p.Tokens);
        EstimateJson.Num(w, "tokensPerParameter", p.TokensPerParameter);
        EstimateJson.Num(w, "epochs", p.Epochs);
        EstimateJson.Num(w, "uniqueTokens", p.UniqueTokens);
        EstimateJson.Num(w, "predictedLoss", p.PredictedLoss);
        EstimateJson.Num(w, "reducibleLoss", p.ReducibleLoss);
        EstimateJson.Num(w, "lossGainPer10x", p.LossGainPer10x);
        w.WriteBoolean("dataConstrained", p.DataConstrained);
        w.WriteStartObject("unconstrained");
        EstimateJson.Num(w, "parameters", p.UnconstrainedParameters);
        EstimateJson.Num(w, "tokens", p.UnconstrainedTokens);
        EstimateJson.Num(w, "predictedLoss", p.UnconstrainedLoss);
        w.WriteEndObject();
        w.WriteStartArray("limitsReached");
        foreach (var l in p.LimitsReached) w.WriteStringValue(l.Id);
        w.WriteEndArray();
        w.WriteStartArray("warnings");
        foreach (var s in p.Warnings) w.WriteStringValue(s);
        w.WriteEndArray();
    }

    /// <summary>Writes a ladder as one object.</summary>
    public static void Write(Utf8JsonWriter w, ComputeLadder ladder)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(ladder);
        w.WriteStartObject();
        w.WriteString("law", ladder.Law);
        w.WriteString("lawName", ladder.LawName);
        EstimateJson.Num(w, "irreducibleLoss", ladder.IrreducibleLoss);
        w.WriteStartArray("points");
        foreach (var p in ladder.Points)
        {
            w.WriteStartObject();
            EstimateJson.Num(w, "flop", p.Flop);
            EstimateJson.Num(w, "log10Flop", p.Log10Flop);
            EstimateJson.Num(w, "parameters", p.Parameters);
            EstimateJson.Num(w, "tokens", p.Tokens);
            EstimateJson.Num(w, "loss", p.Loss);
            EstimateJson.Num(w, "reducibleLoss", p.ReducibleLoss);
            EstimateJson.Num(w, "lossGainPer10x", p.LossGainPer10x);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("thousandfoldSteps");
        foreach (var s in ladder.ThousandfoldSteps)
        {
            w.WriteStartObject();
            EstimateJson.Num(w, "fromFlop", s.FromFlop);
            EstimateJson.Num(w, "toFlop", s.ToFlop);
            EstimateJson.Num(w, "fromLoss", s.FromLoss);
            EstimateJson.Num(w, "toLoss", s.ToLoss);
            EstimateJson.Num(w, "lossGain", s.LossGain);
            EstimateJson.Num(w, "reducibleLossRemovedFraction", s.ReducibleLossRemovedFraction);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("limits");
        foreach (var l in ladder.Limits)
        {
            w.WriteStartObject();
            w.WriteString("id", l.Id);
            w.WriteString("label", l.Label);
            EstimateJson.Num(w, "flop", l.Flop);
            EstimateJson.Num(w, "log10Flop", Math.Log10(l.Flop));
            w.WriteString("source", l.Source);
            w.WriteString("note", l.Note);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("markers");
        foreach (var m in ladder.Markers)
        {
            w.WriteStartObject();
            w.WriteString("label", m.Label);
            EstimateJson.Num(w, "flop", m.Flop);
            EstimateJson.Num(w, "log10Flop", m.Log10Flop);
            EstimateJson.Num(w, "loss", m.Loss);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
