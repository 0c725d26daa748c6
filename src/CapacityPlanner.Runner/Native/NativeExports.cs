using System.Runtime.InteropServices;

namespace CapacityPlanner.Runner.Native;

/// <summary>Resolves entry points of a loaded library with TryGetExport and remembers which are missing.</summary>
internal sealed class NativeExports(string library, IntPtr handle)
{
    private readonly List<string> _missing = [];

    public string Library { get; } = library;
    public IntPtr Handle { get; } = handle;

    /// <summary>Entry points the library does not export.</summary>
    public IReadOnlyList<string> Missing => _missing;

    /// <summary>The first of <paramref name="symbols"/> that is exported (versioned names first), or zero (recorded).</summary>
    public IntPtr Get(params string[] symbols)
    {
        foreach (var s in symbols)
        {
            if (NativeLibrary.TryGetExport(Handle, s, out var p)) return p;
        }
        _missing.Add(symbols[0]);
        return IntPtr.Zero;
    }

    /// <summary>Like <see cref="Get"/>, but an absent optional entry point is not recorded as missing.</summary>
    public IntPtr Optional(params string[] symbols)
    {
        foreach (var s in symbols)
        {
            if (NativeLibrary.TryGetExport(Handle, s, out var p)) return p;
        }
        return IntPtr.Zero;
    }

    /// <summary>A message naming the missing entry points, or null when all required ones are there.</summary>
    public string? MissingMessage() =>
        _missing.Count == 0 ? null : $"{Library} lacks {string.Join(", ", _missing)} (too old a version?)";
}

/// <summary>A failed native call, with the library's own error name.</summary>
internal sealed class NativeCallException(string message) : Exception(message);
