using System.Runtime.InteropServices;

namespace CapacityPlanner.Runner.Native;

/// <summary>
/// The CUDA driver API (libcuda.so.1) as unmanaged function pointers. Versioned symbols are bound as cuda.h maps them
/// (cuMemAlloc → cuMemAlloc_v2, …). Signatures follow cuda.h: CUresult is int, CUdevice int, CUdeviceptr 64-bit, and
/// context/stream/event/module/function handles are pointers.
/// </summary>
internal sealed unsafe class CudaDriverApi
{
    public const int CU_DEVICE_ATTRIBUTE_CLOCK_RATE = 13;
    public const int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    public const int CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE = 38;
    public const int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    public const int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    public const int CU_JIT_ERROR_LOG_BUFFER = 5;
    public const int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
    public const uint CU_STREAM_NON_BLOCKING = 1;

    public readonly NativeExports Exports;
    public readonly delegate* unmanaged<uint, int> cuInit;
    public readonly delegate* unmanaged<int*, int> cuDriverGetVersion;
    public readonly delegate* unmanaged<int*, int> cuDeviceGetCount;
    public readonly delegate* unmanaged<int*, int, int> cuDeviceGet;
    public readonly delegate* unmanaged<byte*, int, int, int> cuDeviceGetName;
    public readonly delegate* unmanaged<int*, int, int, int> cuDeviceGetAttribute;
    public readonly delegate* unmanaged<nuint*, int, int> cuDeviceTotalMem;
    public readonly delegate* unmanaged<byte*, int, int, int> cuDeviceGetPCIBusId;
    public readonly delegate* unmanaged<byte*, int, int> cuDeviceGetUuid;
    public readonly delegate* unmanaged<IntPtr*, int, int> cuDevicePrimaryCtxRetain;
    public readonly delegate* unmanaged<int, int> cuDevicePrimaryCtxRelease;
    public readonly delegate* unmanaged<IntPtr, int> cuCtxSetCurrent;
    public readonly delegate* unmanaged<int> cuCtxSynchronize;
    public readonly delegate* unmanaged<nuint*, nuint*, int> cuMemGetInfo;
    public readonly delegate* unmanaged<IntPtr*, uint, int> cuStreamCreate;
    public readonly delegate* unmanaged<IntPtr, int> cuStreamDestroy;
    public readonly delegate* unmanaged<IntPtr, int> cuStreamSynchronize;
    public readonly delegate* unmanaged<IntPtr*, uint, int> cuEventCreate;
    public readonly delegate* unmanaged<IntPtr, int> cuEventDestroy;
    public readonly delegate* unmanaged<IntPtr, IntPtr, int> cuEventRecord;
    public readonly delegate* unmanaged<IntPtr, int> cuEventSynchronize;
    public readonly delegate* unmanaged<float*, IntPtr, IntPtr, int> cuEventElapsedTime;
    public readonly delegate* unmanaged<ulong*, nuint, int> cuMemAlloc;
    public readonly delegate* unmanaged<ulong, int> cuMemFree;
    public readonly delegate* unmanaged<void**, nuint, int> cuMemAllocHost;
    public readonly delegate* unmanaged<void*, int> cuMemFreeHost;
    public readonly delegate* unmanaged<ulong, void*, nuint, int> cuMemcpyHtoD;
    public readonly delegate* unmanaged<ulong, void*, nuint, IntPtr, int> cuMemcpyHtoDAsync;
    public readonly delegate* unmanaged<void*, ulong, nuint, IntPtr, int> cuMemcpyDtoHAsync;
    public readonly delegate* unmanaged<ulong, ulong, nuint, IntPtr, int> cuMemcpyDtoDAsync;
    public readonly delegate* unmanaged<ulong, byte, nuint, IntPtr, int> cuMemsetD8Async;
    public readonly delegate* unmanaged<IntPtr*, void*, uint, int*, void**, int> cuModuleLoadDataEx;
    public readonly delegate* unmanaged<IntPtr*, IntPtr, byte*, int> cuModuleGetFunction;
    public readonly delegate* unmanaged<IntPtr, int> cuModuleUnload;
    public readonly delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int> cuLaunchKernel;
    public readonly delegate* unmanaged<int, byte**, int> cuGetErrorName;

    public CudaDriverApi(IntPtr handle)
    {
        var e = Exports = new NativeExports("libcuda.so.1", handle);
        cuInit = (delegate* unmanaged<uint, int>)e.Get("cuInit");
        cuDriverGetVersion = (delegate* unmanaged<int*, int>)e.Get("cuDriverGetVersion");
        cuDeviceGetCount = (delegate* unmanaged<int*, int>)e.Get("cuDeviceGetCount");
        cuDeviceGet = (delegate* unmanaged<int*, int, int>)e.Get("cuDeviceGet");
        cuDeviceGetName = (delegate* unmanaged<byte*, int, int, int>)e.Get("cuDeviceGetName");
        cuDeviceGetAttribute = (delegate* unmanaged<int*, int, int, int>)e.Get("cuDeviceGetAttribute");
        cuDeviceTotalMem = (delegate* unmanaged<nuint*, int, int>)e.Get("cuDeviceTotalMem_v2");
        cuDeviceGetPCIBusId = (delegate* unmanaged<byte*, int, int, int>)e.Optional("cuDeviceGetPCIBusId");
        cuDeviceGetUuid = (delegate* unmanaged<byte*, int, int>)e.Optional("cuDeviceGetUuid_v2", "cuDeviceGetUuid");
        cuDevicePrimaryCtxRetain = (delegate* unmanaged<IntPtr*, int, int>)e.Get("cuDevicePrimaryCtxRetain");
        cuDevicePrimaryCtxRelease = (delegate* unmanaged<int, int>)e.Get("cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease");
        cuCtxSetCurrent = (delegate* unmanaged<IntPtr, int>)e.Get("cuCtxSetCurrent");
        cuCtxSynchronize = (delegate* unmanaged<int>)e.Get("cuCtxSynchronize");
        cuMemGetInfo = (delegate* unmanaged<nuint*, nuint*, int>)e.Get("cuMemGetInfo_v2");
        cuStreamCreate = (delegate* unmanaged<IntPtr*, uint, int>)e.Get("cuStreamCreate");
        cuStreamDestroy = (delegate* unmanaged<IntPtr, int>)e.Get("cuStreamDestroy_v2", "cuStreamDestroy");
        cuStreamSynchronize = (delegate* unmanaged<IntPtr, int>)e.Get("cuStreamSynchronize");
        cuEventCreate = (delegate* unmanaged<IntPtr*, uint, int>)e.Get("cuEventCreate");
        cuEventDestroy = (delegate* unmanaged<IntPtr, int>)e.Get("cuEventDestroy_v2", "cuEventDestroy");
        cuEventRecord = (delegate* unmanaged<IntPtr, IntPtr, int>)e.Get("cuEventRecord");
        cuEventSynchronize = (delegate* unmanaged<IntPtr, int>)e.Get("cuEventSynchronize");
        // CUDA 12.8 added cuEventElapsedTime_v2 with the same signature; cuda.h of CUDA 13 maps the name to it.
        cuEventElapsedTime = (delegate* unmanaged<float*, IntPtr, IntPtr, int>)e.Get("cuEventElapsedTime_v2", "cuEventElapsedTime");
        cuMemAlloc = (delegate* unmanaged<ulong*, nuint, int>)e.Get("cuMemAlloc_v2");
        cuMemFree = (delegate* unmanaged<ulong, int>)e.Get("cuMemFree_v2");
        cuMemAllocHost = (delegate* unmanaged<void**, nuint, int>)e.Get("cuMemAllocHost_v2");
        cuMemFreeHost = (delegate* unmanaged<void*, int>)e.Get("cuMemFreeHost");
        cuMemcpyHtoD = (delegate* unmanaged<ulong, void*, nuint, int>)e.Get("cuMemcpyHtoD_v2");
        cuMemcpyHtoDAsync = (delegate* unmanaged<ulong, void*, nuint, IntPtr, int>)e.Get("cuMemcpyHtoDAsync_v2");
        cuMemcpyDtoHAsync = (delegate* unmanaged<void*, ulong, nuint, IntPtr, int>)e.Get("cuMemcpyDtoHAsync_v2");
        cuMemcpyDtoDAsync = (delegate* unmanaged<ulong, ulong, nuint, IntPtr, int>)e.Get("cuMemcpyDtoDAsync_v2");
        cuMemsetD8Async = (delegate* unmanaged<ulong, byte, nuint, IntPtr, int>)e.Get("cuMemsetD8Async");
        cuModuleLoadDataEx = (delegate* unmanaged<IntPtr*, void*, uint, int*, void**, int>)e.Get("cuModuleLoadDataEx");
        cuModuleGetFunction = (delegate* unmanaged<IntPtr*, IntPtr, byte*, int>)e.Get("cuModuleGetFunction");
        cuModuleUnload = (delegate* unmanaged<IntPtr, int>)e.Get("cuModuleUnload");
        cuLaunchKernel = (delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int>)e.Get("cuLaunchKernel");
        cuGetErrorName = (delegate* unmanaged<int, byte**, int>)e.Optional("cuGetErrorName");
    }

    /// <summary>Throws with the driver's error name unless <paramref name="result"/> is CUDA_SUCCESS.</summary>
    public void Check(int result, string call)
    {
        if (result != 0) throw new NativeCallException($"{call} failed: {ErrorName(result)}");
    }

    public string ErrorName(int result)
    {
        if (cuGetErrorName != null)
        {
            byte* name = null;
            if (cuGetErrorName(result, &name) == 0 && name != null) return $"{Marshal.PtrToStringUTF8((IntPtr)name)} ({result})";
        }
        return result switch
        {
            100 => "CUDA_ERROR_NO_DEVICE (100)",
            999 => "CUDA_ERROR_UNKNOWN (999)",
            3 => "CUDA_ERROR_NOT_INITIALIZED (3)",
            35 => "CUDA_ERROR_INSUFFICIENT_DRIVER (35)",
            _ => $"CUresult {result}",
        };
    }

    /// <summary>"12.4 (12040)" from cuDriverGetVersion's code (major·1000 + minor·10).</summary>
    public static string VersionText(int code) => $"{code / 1000}.{code % 1000 / 10} ({code})";

    public string DeviceName(int device)
    {
        var buf = stackalloc byte[256];
        Check(cuDeviceGetName(buf, 256, device), "cuDeviceGetName");
        return Marshal.PtrToStringUTF8((IntPtr)buf) ?? "";
    }

    public int Attribute(int device, int attribute)
    {
        int v;
        Check(cuDeviceGetAttribute(&v, attribute, device), "cuDeviceGetAttribute");
        return v;
    }

    public string? PciBusId(int device)
    {
        if (cuDeviceGetPCIBusId == null) return null;
        var buf = stackalloc byte[64];
        return cuDeviceGetPCIBusId(buf, 64, device) == 0 ? Marshal.PtrToStringUTF8((IntPtr)buf) : null;
    }

    public string? Uuid(int device)
    {
        if (cuDeviceGetUuid == null) return null;
        var b = stackalloc byte[16];
        if (cuDeviceGetUuid(b, device) != 0) return null;
        var g = new Span<byte>(b, 16).ToArray();
        return $"GPU-{Convert.ToHexStringLower(g, 0, 4)}-{Convert.ToHexStringLower(g, 4, 2)}-{Convert.ToHexStringLower(g, 6, 2)}-{Convert.ToHexStringLower(g, 8, 2)}-{Convert.ToHexStringLower(g, 10, 6)}";
    }
}
