using System.Text.Json.Nodes;
using CapacityPlanner.Contracts.Results;
using CapacityPlanner.Core.Search;
using CapacityPlanner.Web.Api;

namespace CapacityPlanner.Web.Features.Scaling;

/// <summary>
/// The Scaling page's sweeps as CSV: one row per chip, mode and cluster size, with the columns of the sweep API's CSV
/// (<c>/api/v1/sweep?format=csv</c>: the sweep JSON of <see cref="ResultJson.WriteSweep"/> flattened by
/// <see cref="Csv.RowsOf"/>) after a chip and a mode column.
/// </summary>
public static class ScalingExport
{
    /// <summary>CSV of the finished sweeps; null when none has finished.</summary>
    public static string? Csv(IEnumerable<SweepOutcome> sweeps)
    {
        ArgumentNullException.ThrowIfNull(sweeps);
        var points = new JsonArray();
        foreach (var sweep in sweeps)
        {
            if (sweep.Result is not { } result) continue;
            var json = JsonNode.Parse(ResultJson.Serialize(w => ResultJson.WriteSweep(w, result)))!;
            foreach (var point in json["points"]!.AsArray())
            {
                var row = new JsonObject
                {
                    ["chip"] = sweep.ChipId,
                    ["chipName"] = sweep.ChipName,
                    ["mode"] = sweep.Mode == ScalingMode.Weak ? "weak" : "strong",
                };
                foreach (var (name, value) in point!.AsObject()) row[name] = value?.DeepClone();
                points.Add(row);
            }
        }
        return points.Count == 0 ? null : Api.Csv.RowsOf(new JsonObject { ["points"] = points }.ToJsonString(), "points");
    }
}
