namespace CapacityPlanner.Core;

/// <summary>Unit constants. Bandwidths are decimal (GB/s = 1e9 B/s) as vendors quote them; memory capacities binary.</summary>
public static class Units
{
    /// <summary>2^30 bytes.</summary>
    public const double GiB = 1024.0 * 1024 * 1024;
    /// <summary>1e9 bytes.</summary>
    public const double GB = 1e9;
    /// <summary>1e12.</summary>
    public const double Tera = 1e12;
    /// <summary>Seconds per microsecond.</summary>
    public const double Microsecond = 1e-6;
    /// <summary>Seconds in a day.</summary>
    public const double SecondsPerDay = 86400;
    /// <summary>Seconds in an hour.</summary>
    public const double SecondsPerHour = 3600;
}
