using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CapacityPlanner.Web.Features.Budget;

/// <summary>
/// A <see cref="MudNumericField{T}"/> for one <see cref="BudgetFieldSpec"/>. The planner's message goes through
/// MudBlazor's validation (an <c>Error</c> parameter would be reset by the field's own validation on the next input),
/// and the field revalidates whenever the message changes.
/// </summary>
public partial class BudgetNumberField
{
    private readonly Func<double?, string?> _validation;
    private MudNumericField<double?>? _numeric;
    private string? _validatedMessage;

    /// <summary>Creates the field.</summary>
    public BudgetNumberField() => _validation = _ => Message;

    /// <summary>Label, help and path.</summary>
    [Parameter, EditorRequired] public BudgetFieldSpec Field { get; set; } = default!;

    /// <summary>Test id of the input.</summary>
    [Parameter, EditorRequired] public string TestId { get; set; } = "";

    /// <summary>Current value; null when empty.</summary>
    [Parameter] public double? Value { get; set; }

    /// <summary>Raised on every edit.</summary>
    [Parameter] public EventCallback<double?> ValueChanged { get; set; }

    /// <summary>The planner's message for this field, if any.</summary>
    [Parameter] public string? Message { get; set; }

    /// <summary>Shown in the empty field (the default or the catalog price).</summary>
    [Parameter] public string? Placeholder { get; set; }

    /// <inheritdoc />
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (_numeric is not null && !string.Equals(Message, _validatedMessage, StringComparison.Ordinal))
        {
            _validatedMessage = Message;
            await _numeric.ValidateAsync();
        }
    }
}
