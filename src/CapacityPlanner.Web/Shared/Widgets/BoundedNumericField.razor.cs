using Microsoft.AspNetCore.Components;
using MudBlazor;
using CapacityPlanner.Web.Shared.Scenario;

namespace CapacityPlanner.Web.Shared.Widgets;

/// <summary>
/// A <see cref="MudNumericField{T}"/> for one <see cref="IBoundedFieldSpec{T}"/>. The inline message goes through
/// MudBlazor's own validation (<c>Validation</c>), not <c>Error</c>/<c>ErrorText</c>: MudNumericField always
/// validates (it clamps to Min/Max), and each validation pass would overwrite an error set from outside.
/// When an estimate error arrives later (debounced), the field is revalidated so the message appears.
/// </summary>
/// <typeparam name="T">int or double.</typeparam>
public partial class BoundedNumericField<T> where T : struct
{
    private readonly Func<T?, string?> _validation;
    private MudNumericField<T?>? _numeric;
    private string? _validatedMessage;
    private (object? Field, T? Value, string? ModelError, string? Placeholder)? _rendered;

    /// <summary>Creates the field.</summary>
    public BoundedNumericField() => _validation = Validate;

    /// <summary>The field's label, units and bounds.</summary>
    [Parameter, EditorRequired] public IBoundedFieldSpec<T> Field { get; set; } = default!;

    /// <summary>Current value; null when empty.</summary>
    [Parameter] public T? Value { get; set; }

    /// <summary>Raised on every edit.</summary>
    [Parameter] public EventCallback<T?> ValueChanged { get; set; }

    /// <summary>Estimate errors for this field, shown when the value itself is acceptable.</summary>
    [Parameter] public string? ModelError { get; set; }

    /// <summary>Shown inside the empty field (e.g. the chip's default or the derived value of an optional field).</summary>
    [Parameter] public string? Placeholder { get; set; }

    private string HelperText => Field.Hint is { } hint ? $"{Field.Range} {Field.Unit}. {hint}" : $"{Field.Range} {Field.Unit}.";

    // The page re-renders every field on every edit; a field whose own inputs are unchanged skips it (the numeric
    // input keeps its state either way). Its callbacks read the page's current form, so the old ones stay valid.
    /// <inheritdoc />
    protected override bool ShouldRender()
    {
        var now = ((object?)Field, Value, ModelError, Placeholder);
        if (_rendered.Equals(now)) return false;
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

    private string? Validate(T? value) => Field.Check(value) ?? ModelError;
}

/// <summary>A bounded whole-number input (GPUs, degrees, batch sizes).</summary>
public sealed class BoundedIntField : BoundedNumericField<int>;

/// <summary>A bounded decimal input (token budget, network rates, chip figures).</summary>
public sealed class BoundedDecimalField : BoundedNumericField<double>;

/// <summary>What every numeric input of the dashboard lets a key press add.</summary>
public static class NumericInput
{
    /// <summary>
    /// MudNumericField's key filter (its <c>Pattern</c>): digits, sign, separators and the exponent, so that 30e9 reaches the
    /// parser as typed (without the exponent characters MudNumericField drops them while typing: 30e9 became 309).
    /// </summary>
    public const string AllowedCharacters = @"[0-9,.\-+eE]";
}
