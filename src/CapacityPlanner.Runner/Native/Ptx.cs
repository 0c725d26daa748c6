namespace CapacityPlanner.Runner.Native;

/// <summary>
/// Hand-written PTX for the device-memory tests, loaded with cuModuleLoadDataEx so that the driver JIT-compiles it for
/// whatever GPU is present: no nvcc or NVRTC on the node. ISA 7.0 for sm_70 is accepted by every driver since CUDA 11
/// and runs on every later architecture. Each thread moves one float4 (16 bytes) and the grid covers the array: one
/// launch of n/4 threads, no loop. Sources are read through the non-coherent path (ld.global.nc): they are never written
/// by the same launch.
/// <para>Why this shape, measured on an H200 against cudaMemcpyAsync device-to-device (what torch's copy_ runs, 4,195 GB/s
/// counting read + write, 1 GiB; tools/gpu/diagnose.py, docs/measurements/h200-2026-12-04b): grid-stride loops over
/// SM-multiple grids reached 3,785–3,966 GB/s whatever the loads in flight per thread (one or four), the block size
/// (256–1,024) or streaming cache hints; the flat launch reached 4,131 (one float4 per thread, 256 threads per block).
/// The runner's first two versions were grid-stride loops and measured 93–95 % of torch's copy.</para>
/// </summary>
internal static class Ptx
{
    public const string CopyKernel = "capplan_copy";
    public const string TriadKernel = "capplan_triad";

    /// <summary>Threads per block of both kernels (each thread moves one float4).</summary>
    public const uint ThreadsPerBlock = 256;

    /// <summary>capplan_copy(dst, src, n4): dst[i] = src[i]; capplan_triad(a, b, c, s, n4): a[i] = b[i] + s·c[i].</summary>
    public const string Source = """
        .version 7.0
        .target sm_70
        .address_size 64

        .visible .entry capplan_copy(
            .param .u64 capplan_copy_param_0,
            .param .u64 capplan_copy_param_1,
            .param .u64 capplan_copy_param_2
        )
        {
            .reg .pred %p<2>;
            .reg .b32 %r<4>;
            .reg .f32 %f<5>;
            .reg .b64 %rd<11>;

            ld.param.u64 %rd1, [capplan_copy_param_0];
            ld.param.u64 %rd2, [capplan_copy_param_1];
            ld.param.u64 %rd3, [capplan_copy_param_2];
            mov.u32 %r1, %ctaid.x;
            mov.u32 %r2, %ntid.x;
            mov.u32 %r3, %tid.x;
            mul.wide.u32 %rd4, %r1, %r2;
            cvt.u64.u32 %rd5, %r3;
            add.s64 %rd4, %rd4, %rd5;
            setp.ge.u64 %p1, %rd4, %rd3;
            @%p1 bra COPY_DONE;
            cvta.to.global.u64 %rd6, %rd1;
            cvta.to.global.u64 %rd7, %rd2;
            shl.b64 %rd8, %rd4, 4;
            add.s64 %rd9, %rd7, %rd8;
            ld.global.nc.v4.f32 {%f1, %f2, %f3, %f4}, [%rd9];
            add.s64 %rd10, %rd6, %rd8;
            st.global.v4.f32 [%rd10], {%f1, %f2, %f3, %f4};
        COPY_DONE:
            ret;
        }

        .visible .entry capplan_triad(
            .param .u64 capplan_triad_param_0,
            .param .u64 capplan_triad_param_1,
            .param .u64 capplan_triad_param_2,
            .param .f32 capplan_triad_param_3,
            .param .u64 capplan_triad_param_4
        )
        {
            .reg .pred %p<2>;
            .reg .b32 %r<4>;
            .reg .f32 %f<14>;
            .reg .b64 %rd<15>;

            ld.param.u64 %rd1, [capplan_triad_param_0];
            ld.param.u64 %rd2, [capplan_triad_param_1];
            ld.param.u64 %rd3, [capplan_triad_param_2];
            ld.param.f32 %f1, [capplan_triad_param_3];
            ld.param.u64 %rd4, [capplan_triad_param_4];
            mov.u32 %r1, %ctaid.x;
            mov.u32 %r2, %ntid.x;
            mov.u32 %r3, %tid.x;
            mul.wide.u32 %rd5, %r1, %r2;
            cvt.u64.u32 %rd6, %r3;
            add.s64 %rd5, %rd5, %rd6;
            setp.ge.u64 %p1, %rd5, %rd4;
            @%p1 bra TRIAD_DONE;
            cvta.to.global.u64 %rd7, %rd1;
            cvta.to.global.u64 %rd8, %rd2;
            cvta.to.global.u64 %rd9, %rd3;
            shl.b64 %rd10, %rd5, 4;
            add.s64 %rd11, %rd8, %rd10;
            add.s64 %rd12, %rd9, %rd10;
            ld.global.nc.v4.f32 {%f2, %f3, %f4, %f5}, [%rd11];
            ld.global.nc.v4.f32 {%f6, %f7, %f8, %f9}, [%rd12];
            fma.rn.f32 %f10, %f1, %f6, %f2;
            fma.rn.f32 %f11, %f1, %f7, %f3;
            fma.rn.f32 %f12, %f1, %f8, %f4;
            fma.rn.f32 %f13, %f1, %f9, %f5;
            add.s64 %rd13, %rd7, %rd10;
            st.global.v4.f32 [%rd13], {%f10, %f11, %f12, %f13};
        TRIAD_DONE:
            ret;
        }
        """;
}
