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
