namespace CapacityPlanner.Runner.Native;

/// <summary>
/// The cuBLASLt descriptors of one benchmark GEMM: the operation (compute type, TN transposes, FP8 scale pointers),
/// the A, B and C/D layouts and the algorithm preference. Creating them is host-only work (no device, no handle), so
/// the attribute values and sizes can be checked against a real libcublasLt on machines without a GPU.
/// </summary>
/// <remarks>
/// TN layout, column-major: A is stored K×M and transposed, B is K×N, C and D are M×N. It is the one layout every
/// precision supports; FP8 (E4M3) on Hopper and Ada requires it (cuBLASLt documentation, cublasLtMatmul, FP8 notes).
/// FP8 outputs BF16 with unit A/B scales, so the figure is the tensor-core rate with the cast cost a training step pays.
/// </remarks>
internal sealed unsafe class GemmDescriptors : IDisposable
{
    private readonly CublasLtApi _lt;

    public IntPtr Operation { get; private set; }
    public IntPtr LayoutA { get; private set; }
    public IntPtr LayoutB { get; private set; }
    public IntPtr LayoutC { get; private set; }
    public IntPtr Preference { get; private set; }

    /// <summary>cuBLASLt input type, output type, compute type and element sizes of a benchmark dtype.</summary>
    public static (int Input, int Output, int Compute, int InputBytes, int OutputBytes) Types(string dtype) => dtype switch
    {
        "bf16" => (CublasLtApi.CUDA_R_16BF, CublasLtApi.CUDA_R_16BF, CublasLtApi.CUBLAS_COMPUTE_32F, 2, 2),
        "fp16" => (CublasLtApi.CUDA_R_16F, CublasLtApi.CUDA_R_16F, CublasLtApi.CUBLAS_COMPUTE_32F, 2, 2),
        "tf32" => (CublasLtApi.CUDA_R_32F, CublasLtApi.CUDA_R_32F, CublasLtApi.CUBLAS_COMPUTE_32F_FAST_TF32, 4, 4),
        "fp8" => (CublasLtApi.CUDA_R_8F_E4M3, CublasLtApi.CUDA_R_16BF, CublasLtApi.CUBLAS_COMPUTE_32F, 1, 2),
        _ => throw new NativeCallException($"unknown dtype {dtype}"),
    };

    private GemmDescriptors(CublasLtApi lt) => _lt = lt;

    /// <summary>Creates every descriptor; throws <see cref="NativeCallException"/> with cuBLASLt's status on the first failure (nothing leaks).</summary>
    /// <param name="lt">The bound library.</param>
    /// <param name="dtype">bf16, fp16, tf32 or fp8.</param>
    /// <param name="m">Rows of C.</param>
    /// <param name="n">Columns of C.</param>
    /// <param name="k">Inner dimension.</param>
    /// <param name="scalePointer">Device address of a float 1.0 used as the A and B scale for FP8 (ignored otherwise).</param>
    /// <param name="workspaceBytes">Largest workspace the heuristic may ask for.</param>
    public static GemmDescriptors Create(CublasLtApi lt, string dtype, long m, long n, long k, ulong scalePointer, long workspaceBytes)
    {
        ArgumentNullException.ThrowIfNull(lt);
        var (input, output, compute, _, _) = Types(dtype);
        var d = new GemmDescriptors(lt);
        try
        {
            IntPtr desc, la, lb, lc, pref;
            lt.Check(lt.cublasLtMatmulDescCreate(&desc, compute, CublasLtApi.CUDA_R_32F), "cublasLtMatmulDescCreate");
            d.Operation = desc;
            int opT = CublasLtApi.CUBLAS_OP_T, opN = CublasLtApi.CUBLAS_OP_N;
            lt.Check(lt.cublasLtMatmulDescSetAttribute(desc, CublasLtApi.CUBLASLT_MATMUL_DESC_TRANSA, &opT, sizeof(int)), "set TRANSA");
            lt.Check(lt.cublasLtMatmulDescSetAttribute(desc, CublasLtApi.CUBLASLT_MATMUL_DESC_TRANSB, &opN, sizeof(int)), "set TRANSB");
            if (dtype == "fp8")
            {
                var sp = scalePointer;
                lt.Check(lt.cublasLtMatmulDescSetAttribute(desc, CublasLtApi.CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &sp, sizeof(ulong)), "set A_SCALE_POINTER");
                lt.Check(lt.cublasLtMatmulDescSetAttribute(desc, CublasLtApi.CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &sp, sizeof(ulong)), "set B_SCALE_POINTER");
            }
            lt.Check(lt.cublasLtMatrixLayoutCreate(&la, input, (ulong)k, (ulong)m, k), "cublasLtMatrixLayoutCreate(A)");
            d.LayoutA = la;
            lt.Check(lt.cublasLtMatrixLayoutCreate(&lb, input, (ulong)k, (ulong)n, k), "cublasLtMatrixLayoutCreate(B)");
            d.LayoutB = lb;
            lt.Check(lt.cublasLtMatrixLayoutCreate(&lc, output, (ulong)m, (ulong)n, m), "cublasLtMatrixLayoutCreate(C)");
            d.LayoutC = lc;
            lt.Check(lt.cublasLtMatmulPreferenceCreate(&pref), "cublasLtMatmulPreferenceCreate");
            d.Preference = pref;
            var ws = (ulong)workspaceBytes;
            lt.Check(lt.cublasLtMatmulPreferenceSetAttribute(pref, CublasLtApi.CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ulong)), "set MAX_WORKSPACE_BYTES");
            return d;
        }
        catch
        {
            d.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (Preference != 0) _lt.cublasLtMatmulPreferenceDestroy(Preference);
        if (LayoutA != 0) _lt.cublasLtMatrixLayoutDestroy(LayoutA);
        if (LayoutB != 0) _lt.cublasLtMatrixLayoutDestroy(LayoutB);
        if (LayoutC != 0) _lt.cublasLtMatrixLayoutDestroy(LayoutC);
        if (Operation != 0) _lt.cublasLtMatmulDescDestroy(Operation);
        Preference = LayoutA = LayoutB = LayoutC = Operation = 0;
    }
}
