using System.Runtime.InteropServices;

namespace CapacityPlanner.Runner.Native;

/// <summary>ncclUniqueId: 128 opaque bytes, passed by value to ncclCommInitRank.</summary>
[StructLayout(LayoutKind.Sequential, Size = 128)]
internal unsafe struct NcclUniqueId
{
    public fixed byte Internal[128];
}

/// <summary>
/// NCCL (libnccl.so.2) as unmanaged function pointers; signatures from nccl.h. ncclAlltoAll exists from NCCL 2.28;
/// older libraries get grouped ncclSend/ncclRecv instead (as nccl-tests' alltoall.cu does).
/// </summary>
internal sealed unsafe class NcclApi
{
    public const int ncclFloat32 = 7;
    public const int ncclSum = 0;

    public readonly NativeExports Exports;
    public readonly delegate* unmanaged<int*, int> ncclGetVersion;
    public readonly delegate* unmanaged<NcclUniqueId*, int> ncclGetUniqueId;
    public readonly delegate* unmanaged<IntPtr*, int, NcclUniqueId, int, int> ncclCommInitRank;
    public readonly delegate* unmanaged<IntPtr*, int, int*, int> ncclCommInitAll;
    public readonly delegate* unmanaged<IntPtr, int> ncclCommDestroy;
    public readonly delegate* unmanaged<int, byte*> ncclGetErrorString;
    public readonly delegate* unmanaged<int> ncclGroupStart;
    public readonly delegate* unmanaged<int> ncclGroupEnd;
    public readonly delegate* unmanaged<ulong, ulong, nuint, int, int, IntPtr, IntPtr, int> ncclAllReduce;
    public readonly delegate* unmanaged<ulong, ulong, nuint, int, IntPtr, IntPtr, int> ncclAllGather;
    public readonly delegate* unmanaged<ulong, ulong, nuint, int, int, IntPtr, IntPtr, int> ncclReduceScatter;
    public readonly delegate* unmanaged<ulong, ulong, nuint, int, IntPtr, IntPtr, int> ncclAlltoAll;
    public readonly delegate* unmanaged<ulong, nuint, int, int, IntPtr, IntPtr, int> ncclSend;
    public readonly delegate* unmanaged<ulong, nuint, int, int, IntPtr, IntPtr, int> ncclRecv;

    public NcclApi(IntPtr handle)
    {
        var e = Exports = new NativeExports("libnccl.so.2", handle);
        ncclGetVersion = (delegate* unmanaged<int*, int>)e.Get("ncclGetVersion");
        ncclGetUniqueId = (delegate* unmanaged<NcclUniqueId*, int>)e.Get("ncclGetUniqueId");
        ncclCommInitRank = (delegate* unmanaged<IntPtr*, int, NcclUniqueId, int, int>)e.Get("ncclCommInitRank");
        ncclCommInitAll = (delegate* unmanaged<IntPtr*, int, int*, int>)e.Get("ncclCommInitAll");
        ncclCommDestroy = (delegate* unmanaged<IntPtr, int>)e.Get("ncclCommDestroy");
        ncclGetErrorString = (delegate* unmanaged<int, byte*>)e.Optional("ncclGetErrorString");
        ncclGroupStart = (delegate* unmanaged<int>)e.Get("ncclGroupStart");
        ncclGroupEnd = (delegate* unmanaged<int>)e.Get("ncclGroupEnd");
        ncclAllReduce = (delegate* unmanaged<ulong, ulong, nuint, int, int, IntPtr, IntPtr, int>)e.Get("ncclAllReduce");
        ncclAllGather = (delegate* unmanaged<ulong, ulong, nuint, int, IntPtr, IntPtr, int>)e.Get("ncclAllGather");
        ncclReduceScatter = (delegate* unmanaged<ulong, ulong, nuint, int, int, IntPtr, IntPtr, int>)e.Get("ncclReduceScatter");
        // NVIDIA spells it ncclAlltoAll; NCCLX and other forks export ncclAllToAll with the same signature.
        ncclAlltoAll = (delegate* unmanaged<ulong, ulong, nuint, int, IntPtr, IntPtr, int>)e.Optional("ncclAlltoAll", "ncclAllToAll");
        ncclSend = (delegate* unmanaged<ulong, nuint, int, int, IntPtr, IntPtr, int>)e.Optional("ncclSend");
        ncclRecv = (delegate* unmanaged<ulong, nuint, int, int, IntPtr, IntPtr, int>)e.Optional("ncclRecv");
    }

    /// <summary>NCCL's version code, e.g. 22703 for 2.27.3.</summary>
    public int VersionCode
    {
        get
        {
            int v = 0;
            return ncclGetVersion != null && ncclGetVersion(&v) == 0 ? v : 0;
        }
    }

    /// <summary>"2.27.3" from a version code (major·10000 + minor·100 + patch since 2.9).</summary>
    public static string VersionText(int code) =>
        code >= 20900 ? $"{code / 10000}.{code / 100 % 100}.{code % 100}" : $"{code / 1000}.{code / 100 % 10}.{code % 100}";

    public void Check(int result, string call)
    {
        if (result == 0) return;
        var text = ncclGetErrorString != null ? Marshal.PtrToStringUTF8((IntPtr)ncclGetErrorString(result)) : null;
        throw new NativeCallException($"{call} failed: {text ?? "ncclResult"} ({result})");
    }
}
