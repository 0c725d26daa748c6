namespace CapacityPlanner.Core.Hardware;

/// <summary>One catalog number with where it came from.</summary>
/// <param name="Value">The figure in the unit the field name states.</param>
/// <param name="Source">Source key (see the catalog's <c>sources</c> table).</param>
/// <param name="Basis">verified, derived, secondary, memory or assumed.</param>
/// <param name="Note">Optional explanation.</param>
public sealed record CatalogFigure(double Value, string Source, string Basis, string? Note = null);
