using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Plotly.Blazor;

namespace CapacityPlanner.Web.Shared.Charts;

/// <summary>
/// A chart's traces, layout and config as the JSON plotly.js takes (<c>{"data":[…],"layout":{…},"config":{…}}</c>),
/// written the way Plotly.Blazor writes them for its own interop: each object by its runtime type, camel-case names
/// unless the type names its JSON properties, nulls left out, and Plotly.Blazor's converters (declared on its types)
/// for enums and flags.
/// </summary>
public static class ChartJson
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The figure as one JSON document.</summary>
    public static string Figure(IEnumerable<ITrace> data, Plotly.Blazor.Layout layout, Config config)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(config);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartArray("data");
            foreach (var trace in data) Write(w, trace);
            w.WriteEndArray();
            w.WritePropertyName("layout");
            Write(w, layout);
            w.WritePropertyName("config");
            Write(w, config);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// A <see cref="Figure"/> document (written without a data revision) with <c>layout.datarevision</c> set, without
    /// writing the figure again: the same JSON plotly.js reads as a figure whose layout has <c>DataRevision</c> set.
    /// </summary>
    public static string WithDataRevision(string figureJson, int revision)
    {
        ArgumentNullException.ThrowIfNull(figureJson);
        // The figure's own "layout" property: data comes first and no trace has one, and the serializer escapes the
        // quotes inside string values, so the first occurrence is it.
        const string Marker = "\"layout\":{";
        var at = figureJson.IndexOf(Marker, StringComparison.Ordinal);
        if (at < 0) throw new ArgumentException("Not a figure document: it has no layout object.", nameof(figureJson));
        at += Marker.Length;
        var property = string.Create(CultureInfo.InvariantCulture, $"\"datarevision\":{revision}") + (figureJson[at] == '}' ? "" : ",");
        return string.Concat(figureJson.AsSpan(0, at), property, figureJson.AsSpan(at));
    }

    /// <summary>One object by its runtime type.</summary>
    public static string Of(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return JsonSerializer.Serialize(value, value.GetType(), s_options);
    }

    private static void Write(Utf8JsonWriter w, object? value)
    {
        if (value is null) w.WriteNullValue();
        else JsonSerializer.Serialize(w, value, value.GetType(), s_options);
    }
}
