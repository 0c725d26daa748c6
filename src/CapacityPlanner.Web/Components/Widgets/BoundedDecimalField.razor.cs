using CapacityPlanner.Web.Estimates;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CapacityPlanner.Web.Components.Widgets;

/// <summary>
/// A <see cref="MudNumericField{T}"/> for one <see cref="DecimalFieldSpec"/>; the decimal twin of
/// <see cref="BoundedIntField"/> (messages go through MudBlazor's validation so that they survive revalidation).
/// </summary>
public partial class BoundedDecimalField
{
    private readonly Func<double?, string?> _validation;
    private MudNumericField<double?>? _numeric;
    private string? _validatedMessage;
    private (object? Field, double? Value, string? ModelError, string? Placeholder)? _rendered;

    /// <summary>Creates the field.</summary>
    public BoundedDecimalField() => _validation = Validate;

    /// <summary>The field's label, units and bounds.</summary>
    [Parameter, EditorRequired] public DecimalFieldSpec Field { get; set; } = default!;

    /// <summary>Current value; null when empty.</summary>
    [Parameter] public double? Value { get; set; }

    /// <summary>Raised on every edit.</summary>
    [Parameter] public EventCallback<double?> ValueChanged { get; set; }

    /// <summary>Estimate errors for this field, shown when the value itself is acceptable.</summary>
    [Parameter] public string? ModelError { get; set; }

    /// <summary>Shown inside the empty field (e.g. the chip's default).</summary>
    [Parameter] public string? Placeholder { get; set; }

    private string HelperText => Field.Hint is { } hint ? $"{Field.Range} {Field.Unit}. {hint}" : $"{Field.Range} {Field.Unit}.";

    // The page re-renders every field on every edit; a field whose own inputs are unchanged skips it (the numeric
    // input keeps its state either way). Its callbacks read the page's current form, so the old ones stay valid.
    /// <inheritdoc />
    protected override bool ShouldRender()
    {
        var now = ((object?)Field, Value, ModelError, Placeholder);
        if (_rendered == now) return false;
        _rendered = now;
        return true;
    }

    /// <inheritdoc />
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        var message = Validate(Value);
        if (_numeric is not null && !string.Equals(message, _validatedMessage, StringComparison.Ordinal))
        {
            _validatedMessage = message;
            await _numeric.ValidateAsync();
        }
    }

    private string? Validate(double? value) => Field.Check(value) ?? ModelError;
}
