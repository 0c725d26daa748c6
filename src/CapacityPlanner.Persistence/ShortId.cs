using System.Security.Cryptography;

namespace CapacityPlanner.Persistence;

/// <summary>Short random ids for links: 10 characters of [A-Za-z0-9] (about 59 bits), from a cryptographic generator.</summary>
public static class ShortId
{
    /// <summary>Characters per id.</summary>
    public const int Length = 10;

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>A new id.</summary>
    public static string New() => RandomNumberGenerator.GetString(Alphabet, Length);

    /// <summary>True when <paramref name="id"/> has the shape of an id (cheap check before touching the database).</summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: Length } && id.All(char.IsAsciiLetterOrDigit);
}
