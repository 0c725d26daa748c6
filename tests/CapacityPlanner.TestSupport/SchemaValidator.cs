using CapacityPlanner.TestSupport;
using System.Text.Json;

namespace CapacityPlanner.TestSupport;

/// <summary>
/// The subset of JSON Schema 2020-12 that bench-result-v1.schema.json uses ($ref to $defs, type, const, enum, required,
/// properties, additionalProperties, items, minimum, exclusiveMinimum), enough to check documents against it in tests.
/// </summary>
public static class SchemaValidator
{
    /// <summary>Every place <paramref name="document"/> breaks the schema (JSON path and reason); empty when it conforms.</summary>
    public static List<string> Validate(JsonElement schemaRoot, JsonElement document)
    {
        var errors = new List<string>();
        Check(schemaRoot, schemaRoot, document, "$", errors);
        return errors;
    }

    private static void Check(JsonElement root, JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        if (schema.TryGetProperty("$ref", out var r))
        {
            var name = r.GetString()!.Replace("#/$defs/", "", StringComparison.Ordinal);
            Check(root, root.GetProperty("$defs").GetProperty(name), value, path, errors);
            return;
        }
        if (schema.TryGetProperty("const", out var c) && c.GetRawText() != value.GetRawText()) errors.Add($"{path}: expected {c.GetRawText()}");
        if (schema.TryGetProperty("enum", out var e) && !e.EnumerateArray().Any(x => x.GetRawText() == value.GetRawText())) errors.Add($"{path}: {value.GetRawText()} not in enum");
        if (schema.TryGetProperty("type", out var t))
        {
            var types = t.ValueKind == JsonValueKind.Array ? t.EnumerateArray().Select(x => x.GetString()!).ToList() : [t.GetString()!];
            if (!types.Any(ty => Is(ty, value))) errors.Add($"{path}: {value.ValueKind} is not {string.Join("|", types)}");
        }
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (schema.TryGetProperty("minimum", out var min) && value.GetDouble() < min.GetDouble()) errors.Add($"{path}: below minimum");
            if (schema.TryGetProperty("exclusiveMinimum", out var xmin) && value.GetDouble() <= xmin.GetDouble()) errors.Add($"{path}: not above exclusiveMinimum");
        }
        if (value.ValueKind == JsonValueKind.Object)
        {
            if (schema.TryGetProperty("required", out var req))
            {
                foreach (var name in req.EnumerateArray().Select(x => x.GetString()!))
                {
                    if (!value.TryGetProperty(name, out _)) errors.Add($"{path}: missing required '{name}'");
                }
            }
            var props = schema.TryGetProperty("properties", out var p) ? p : default;
            foreach (var prop in value.EnumerateObject())
            {
                if (props.ValueKind == JsonValueKind.Object && props.TryGetProperty(prop.Name, out var ps))
                {
                    Check(root, ps, prop.Value, $"{path}.{prop.Name}", errors);
                }
                else if (schema.TryGetProperty("additionalProperties", out var ap))
                {
                    if (ap.ValueKind == JsonValueKind.False) errors.Add($"{path}: unexpected property '{prop.Name}'");
                    else if (ap.ValueKind == JsonValueKind.Object) Check(root, ap, prop.Value, $"{path}.{prop.Name}", errors);
                }
            }
        }
        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray()) Check(root, items, item, $"{path}[{i++}]", errors);
        }
    }

    private static bool Is(string type, JsonElement v) => type switch
    {
        "object" => v.ValueKind == JsonValueKind.Object,
        "array" => v.ValueKind == JsonValueKind.Array,
        "string" => v.ValueKind == JsonValueKind.String,
        "number" => v.ValueKind == JsonValueKind.Number,
        "integer" => v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out _) || v.ValueKind == JsonValueKind.Number && v.TryGetUInt64(out _),
        "boolean" => v.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => v.ValueKind == JsonValueKind.Null,
        _ => false,
    };
}
