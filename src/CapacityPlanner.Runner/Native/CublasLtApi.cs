using System.Runtime.InteropServices;

namespace CapacityPlanner.Runner.Native;

/// <summary>cublasLtMatmulHeuristicResult_t: algo (64 bytes), workspaceSize, state, wavesCount, int reserved[4] = 96 bytes.</summary>
[StructLayout(LayoutKind.Sequential, Size = 96)]
internal unsafe struct CublasLtHeuristicResult
{
    public fixed ulong Algo[8];
    public nuint WorkspaceSize;
    public int State;
    public float WavesCount;
    public fixed int Reserved[4];
}

/// <summary>
/// cuBLASLt (libcublasLt.so.13, else .so.12) as unmanaged function pointers. Enum values from cublasLt.h / library_types.h
/// (cross-checked in several independent bindings): CUDA_R_32F 0, CUDA_R_16F 2, CUDA_R_16BF 14, CUDA_R_8F_E4M3 28;
/// CUBLAS_COMPUTE_32F 68, CUBLAS_COMPUTE_32F_FAST_TF32 77; MATMUL_DESC_TRANSA 3, TRANSB 4, A_SCALE_POINTER 17,
/// B_SCALE_POINTER 18; MATMUL_PREF_MAX_WORKSPACE_BYTES 1.
/// </summary>
internal sealed unsafe class CublasLtApi
{
    public const int CUDA_R_32F = 0;
    public const int CUDA_R_16F = 2;
    public const int CUDA_R_16BF = 14;
    public const int CUDA_R_8F_E4M3 = 28;
    public const int CUBLAS_COMPUTE_32F = 68;
    public const int CUBLAS_COMPUTE_32F_FAST_TF32 = 77;
    public const int CUBLASLT_MATMUL_DESC_TRANSA = 3;
    public const int CUBLASLT_MATMUL_DESC_TRANSB = 4;
    public const int CUBLASLT_MATMUL_DESC_A_SCALE_POINTER = 17;
    public const int CUBLASLT_MATMUL_DESC_B_SCALE_POINTER = 18;
    public const int CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1;
    public const int CUBLAS_OP_N = 0;
    public const int CUBLAS_OP_T = 1;

    public readonly NativeExports Exports;
    public readonly delegate* unmanaged<nuint> cublasLtGetVersion;
    public readonly delegate* unmanaged<IntPtr*, int> cublasLtCreate;
    public readonly delegate* unmanaged<IntPtr, int> cublasLtDestroy;
    public readonly delegate* unmanaged<IntPtr*, int, int, int> cublasLtMatmulDescCreate;
    public readonly delegate* unmanaged<IntPtr, int> cublasLtMatmulDescDestroy;
    public readonly delegate* unmanaged<IntPtr, int, void*, nuint, int> cublasLtMatmulDescSetAttribute;
    public readonly delegate* unmanaged<IntPtr*, int, ulong, ulong, long, int> cublasLtMatrixLayoutCreate;
    public readonly delegate* unmanaged<IntPtr, int> cublasLtMatrixLayoutDestroy;
    public readonly delegate* unmanaged<IntPtr*, int> cublasLtMatmulPreferenceCreate;
    public readonly delegate* unmanaged<IntPtr, int> cublasLtMatmulPreferenceDestroy;
    public readonly delegate* unmanaged<IntPtr, int, void*, nuint, int> cublasLtMatmulPreferenceSetAttribute;
    public readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, CublasLtHeuristicResult*, int*, int> cublasLtMatmulAlgoGetHeuristic;
    public readonly delegate* unmanaged<IntPtr, IntPtr, void*, ulong, IntPtr, ulong, IntPtr, void*, ulong, IntPtr, ulong, IntPtr, ulong*, ulong, nuint, IntPtr, int> cublasLtMatmul;
    public readonly delegate* unmanaged<int, byte*> cublasLtGetStatusString;
    public readonly delegate* unmanaged<int, byte*> cublasLtGetStatusName;

    public CublasLtApi(string soname, IntPtr handle)
    {
        var e = Exports = new NativeExports(soname, handle);
        cublasLtGetVersion = (delegate* unmanaged<nuint>)e.Get("cublasLtGetVersion");
        cublasLtCreate = (delegate* unmanaged<IntPtr*, int>)e.Get("cublasLtCreate");
        cublasLtDestroy = (delegate* unmanaged<IntPtr, int>)e.Get("cublasLtDestroy");
        cublasLtMatmulDescCreate = (delegate* unmanaged<IntPtr*, int, int, int>)e.Get("cublasLtMatmulDescCreate");
        cublasLtMatmulDescDestroy = (delegate* unmanaged<IntPtr, int>)e.Get("cublasLtMatmulDescDestroy");
        cublasLtMatmulDescSetAttribute = (delegate* unmanaged<IntPtr, int, void*, nuint, int>)e.Get("cublasLtMatmulDescSetAttribute");
        cublasLtMatrixLayoutCreate = (delegate* unmanaged<IntPtr*, int, ulong, ulong, long, int>)e.Get("cublasLtMatrixLayoutCreate");
        cublasLtMatrixLayoutDestroy = (delegate* unmanaged<IntPtr, int>)e.Get("cublasLtMatrixLayoutDestroy");
        cublasLtMatmulPreferenceCreate = (delegate* unmanaged<IntPtr*, int>)e.Get("cublasLtMatmulPreferenceCreate");
        cublasLtMatmulPreferenceDestroy = (delegate* unmanaged<IntPtr, int>)e.Get("cublasLtMatmulPreferenceDestroy");
        cublasLtMatmulPreferenceSetAttribute = (delegate* unmanaged<IntPtr, int, void*, nuint, int>)e.Get("cublasLtMatmulPreferenceSetAttribute");
        cublasLtMatmulAlgoGetHeuristic = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, CublasLtHeuristicResult*, int*, int>)e.Get("cublasLtMatmulAlgoGetHeuristic");
        cublasLtMatmul = (delegate* unmanaged<IntPtr, IntPtr, void*, ulong, IntPtr, ulong, IntPtr, void*, ulong, IntPtr, ulong, IntPtr, ulong*, ulong, nuint, IntPtr, int>)e.Get("cublasLtMatmul");
        cublasLtGetStatusString = (delegate* unmanaged<int, byte*>)e.Optional("cublasLtGetStatusString");
        cublasLtGetStatusName = (delegate* unmanaged<int, byte*>)e.Optional("cublasLtGetStatusName");
    }

    /// <summary>cuBLASLt's version (e.g. 130100 for 13.1.0).</summary>
    public long Version => cublasLtGetVersion == null ? 0 : (long)cublasLtGetVersion();

    public void Check(int status, string call)
    {
        if (status == 0) return;
        // "set TRANSA failed: CUBLAS_STATUS_INVALID_VALUE (7): an unsupported value or parameter was passed to the function".
        var name = cublasLtGetStatusName != null ? Marshal.PtrToStringUTF8((IntPtr)cublasLtGetStatusName(status)) : null;
        var text = cublasLtGetStatusString != null ? Marshal.PtrToStringUTF8((IntPtr)cublasLtGetStatusString(status)) : null;
        throw new NativeCallException($"{call} failed: {name ?? "cublasStatus"} ({status}){(text is null ? "" : ": " + text)}");
    }
}
