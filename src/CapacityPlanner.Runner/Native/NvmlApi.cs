using System.Runtime.InteropServices;
using CapacityPlanner.Measurements;

namespace CapacityPlanner.Runner.Native;

/// <summary>NVML (libnvidia-ml.so.1): clocks, power, temperature and clock-event (throttle) reasons while tests run.</summary>
internal sealed unsafe class NvmlApi : IDisposable
{
    private const int NVML_CLOCK_SM = 1;
    private const int NVML_CLOCK_MEM = 2;
    private const int NVML_TEMPERATURE_GPU = 0;

    /// <summary>nvmlClocksEventReasons bits (nvml.h).</summary>
    private static readonly (ulong Bit, string Name)[] s_reasons =
    [
        (0x1, "gpu_idle"), (0x2, "applications_clocks_setting"), (0x4, "sw_power_cap"), (0x8, "hw_slowdown"),
        (0x10, "sync_boost"), (0x20, "sw_thermal_slowdown"), (0x40, "hw_thermal_slowdown"), (0x80, "hw_power_brake_slowdown"),
        (0x100, "display_clock_setting"),
    ];

    /// <summary>Reasons that mean a measured figure is below what the chip can do.</summary>
    public const ulong LimitingReasons = 0x4 | 0x8 | 0x20 | 0x40 | 0x80;

    public readonly NativeExports Exports;
    private readonly delegate* unmanaged<int> _init;
    private readonly delegate* unmanaged<int> _shutdown;
    private readonly delegate* unmanaged<byte*, uint, int> _driverVersion;
    private readonly delegate* unmanaged<byte*, IntPtr*, int> _byPci;
    private readonly delegate* unmanaged<uint, IntPtr*, int> _byIndex;
    private readonly delegate* unmanaged<IntPtr, int, uint*, int> _clock;
    private readonly delegate* unmanaged<IntPtr, int, uint*, int> _maxClock;
    private readonly delegate* unmanaged<IntPtr, uint*, int> _power;
    private readonly delegate* unmanaged<IntPtr, uint*, int> _powerLimit;
    private readonly delegate* unmanaged<IntPtr, int, uint*, int> _temperature;
    private readonly delegate* unmanaged<IntPtr, ulong*, int> _reasons;
    private readonly delegate* unmanaged<IntPtr, uint*, int> _pcieGen;
    private readonly delegate* unmanaged<IntPtr, uint*, int> _pcieWidth;
    private readonly delegate* unmanaged<int, byte*> _errorString;
    private bool _initialized;

    public NvmlApi(IntPtr handle)
    {
        var e = Exports = new NativeExports("libnvidia-ml.so.1", handle);
        _init = (delegate* unmanaged<int>)e.Get("nvmlInit_v2", "nvmlInit");
        _shutdown = (delegate* unmanaged<int>)e.Get("nvmlShutdown");
        _driverVersion = (delegate* unmanaged<byte*, uint, int>)e.Get("nvmlSystemGetDriverVersion");
        _byPci = (delegate* unmanaged<byte*, IntPtr*, int>)e.Get("nvmlDeviceGetHandleByPciBusId_v2", "nvmlDeviceGetHandleByPciBusId");
        _byIndex = (delegate* unmanaged<uint, IntPtr*, int>)e.Get("nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex");
        _clock = (delegate* unmanaged<IntPtr, int, uint*, int>)e.Get("nvmlDeviceGetClockInfo");
        _maxClock = (delegate* unmanaged<IntPtr, int, uint*, int>)e.Get("nvmlDeviceGetMaxClockInfo");
        _power = (delegate* unmanaged<IntPtr, uint*, int>)e.Get("nvmlDeviceGetPowerUsage");
        _powerLimit = (delegate* unmanaged<IntPtr, uint*, int>)e.Get("nvmlDeviceGetEnforcedPowerLimit");
        _temperature = (delegate* unmanaged<IntPtr, int, uint*, int>)e.Get("nvmlDeviceGetTemperature");
        _reasons = (delegate* unmanaged<IntPtr, ulong*, int>)e.Get("nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons");
        _pcieGen = (delegate* unmanaged<IntPtr, uint*, int>)e.Optional("nvmlDeviceGetCurrPcieLinkGeneration");
        _pcieWidth = (delegate* unmanaged<IntPtr, uint*, int>)e.Optional("nvmlDeviceGetCurrPcieLinkWidth");
        _errorString = (delegate* unmanaged<int, byte*>)e.Optional("nvmlErrorString");
    }

    /// <summary>Initialises NVML; the error when it cannot.</summary>
    public string? Init()
    {
        if (_init == null) return "nvmlInit_v2 missing";
        var r = _init();
        _initialized = r == 0;
        if (_initialized) return null;
        var text = _errorString != null ? Marshal.PtrToStringUTF8((IntPtr)_errorString(r)) : null;
        return $"nvmlInit_v2 failed: {text ?? "nvmlReturn"} ({r})";
    }

    public string? DriverVersion()
    {
        if (!_initialized || _driverVersion == null) return null;
        var buf = stackalloc byte[96];
        return _driverVersion(buf, 96) == 0 ? Marshal.PtrToStringUTF8((IntPtr)buf) : null;
    }

    /// <summary>The NVML handle of a CUDA device, found by PCI bus id (CUDA and NVML may number devices differently).</summary>
    public IntPtr Device(string? pciBusId, int fallbackIndex)
    {
        if (!_initialized) return IntPtr.Zero;
        IntPtr h;
        if (pciBusId is not null && _byPci != null)
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes(pciBusId + "\0");
            fixed (byte* p = bytes)
            {
                if (_byPci(p, &h) == 0) return h;
            }
        }
        return _byIndex != null && _byIndex((uint)fallbackIndex, &h) == 0 ? h : IntPtr.Zero;
    }

    public TelemetrySample? Sample(IntPtr device)
    {
        if (device == IntPtr.Zero) return null;
        uint sm = 0, mem = 0, power = 0, limit = 0, temp = 0;
        ulong reasons = 0;
        var hasSm = _clock != null && _clock(device, NVML_CLOCK_SM, &sm) == 0;
        var hasMem = _clock != null && _clock(device, NVML_CLOCK_MEM, &mem) == 0;
        var hasPower = _power != null && _power(device, &power) == 0;
        var hasLimit = _powerLimit != null && _powerLimit(device, &limit) == 0;
        var hasTemp = _temperature != null && _temperature(device, NVML_TEMPERATURE_GPU, &temp) == 0;
        var hasReasons = _reasons != null && _reasons(device, &reasons) == 0;
        return new TelemetrySample
        {
            SmClockMHz = hasSm ? sm : null,
            MemClockMHz = hasMem ? mem : null,
            PowerWatts = hasPower ? power / 1000.0 : null,
            PowerLimitWatts = hasLimit ? limit / 1000.0 : null,
            TemperatureC = hasTemp ? temp : null,
            ClockEventReasons = hasReasons ? reasons : null,
            ClockEventReasonNames = hasReasons ? ReasonNames(reasons) : [],
        };
    }

    public static IReadOnlyList<string> ReasonNames(ulong reasons) => s_reasons.Where(r => (reasons & r.Bit) != 0).Select(r => r.Name).ToList();

    public double? MaxSmClockMHz(IntPtr device)
    {
        uint v = 0;
        return device != IntPtr.Zero && _maxClock != null && _maxClock(device, NVML_CLOCK_SM, &v) == 0 ? v : null;
    }

    public double? PowerLimitWatts(IntPtr device)
    {
        uint v = 0;
        return device != IntPtr.Zero && _powerLimit != null && _powerLimit(device, &v) == 0 ? v / 1000.0 : null;
    }

    public (int? Gen, int? Width) Pcie(IntPtr device)
    {
        uint g = 0, w = 0;
        var hasGen = device != IntPtr.Zero && _pcieGen != null && _pcieGen(device, &g) == 0;
        var hasWidth = device != IntPtr.Zero && _pcieWidth != null && _pcieWidth(device, &w) == 0;
        return (hasGen ? (int)g : null, hasWidth ? (int)w : null);
    }

    public void Dispose()
    {
        if (_initialized && _shutdown != null) _shutdown();
        _initialized = false;
    }
}
