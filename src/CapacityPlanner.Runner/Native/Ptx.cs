namespace CapacityPlanner.Runner.Native;

/// <summary>
/// Hand-written PTX for the device-memory tests, loaded with cuModuleLoadDataEx so that the driver JIT-compiles it for
/// whatever GPU is present: no nvcc or NVRTC on the node. ISA 7.0 for sm_70 is accepted by every driver since CUDA 11
/// and runs on every later architecture. Both kernels walk float4 (128-bit) elements with a grid-stride loop, unrolled so
/// that each thread has four 16-byte loads in flight (copy: four elements; triad: two elements of b and c) before its
/// first store, then a one-element tail loop. The first version had one load in flight per thread and reached 95 % of
/// torch's device copy on an H200 (3,883 vs 4,088 GB/s, 1 GiB, 2026-12-04) while the triad, with two loads in flight,
/// reached 4,135: the copy was latency-bound (Little's law: bytes in flight = bandwidth × latency), not bandwidth-bound.
/// Sources are read through the non-coherent path (ld.global.nc): they are never written by the same launch.
/// </summary>
internal static class Ptx
{
    public const string CopyKernel = "capplan_copy";
    public const string TriadKernel = "capplan_triad";

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
            .reg .pred %p<3>;
            .reg .b32 %r<5>;
            .reg .f32 %f<17>;
            .reg .b64 %rd<24>;

            ld.param.u64 %rd1, [capplan_copy_param_0];
            ld.param.u64 %rd2, [capplan_copy_param_1];
            ld.param.u64 %rd3, [capplan_copy_param_2];
            cvta.to.global.u64 %rd4, %rd1;
            cvta.to.global.u64 %rd5, %rd2;
            mov.u32 %r1, %ctaid.x;
            mov.u32 %r2, %ntid.x;
            mov.u32 %r3, %tid.x;
            mov.u32 %r4, %nctaid.x;
            mul.wide.u32 %rd6, %r1, %r2;
            cvt.u64.u32 %rd7, %r3;
            add.s64 %rd6, %rd6, %rd7;
            mul.wide.u32 %rd8, %r4, %r2;
            shl.b64 %rd12, %rd8, 4;
            shl.b64 %rd13, %rd8, 2;
            mul.lo.u64 %rd14, %rd8, 3;
        COPY4_TEST:
            add.s64 %rd15, %rd6, %rd14;
            setp.ge.u64 %p1, %rd15, %rd3;
            @%p1 bra COPY1_TEST;
            shl.b64 %rd9, %rd6, 4;
            add.s64 %rd10, %rd5, %rd9;
            add.s64 %rd16, %rd10, %rd12;
            add.s64 %rd17, %rd16, %rd12;
            add.s64 %rd18, %rd17, %rd12;
            ld.global.nc.v4.f32 {%f1, %f2, %f3, %f4}, [%rd10];
            ld.global.nc.v4.f32 {%f5, %f6, %f7, %f8}, [%rd16];
            ld.global.nc.v4.f32 {%f9, %f10, %f11, %f12}, [%rd17];
            ld.global.nc.v4.f32 {%f13, %f14, %f15, %f16}, [%rd18];
            add.s64 %rd11, %rd4, %rd9;
            add.s64 %rd19, %rd11, %rd12;
            add.s64 %rd20, %rd19, %rd12;
            add.s64 %rd21, %rd20, %rd12;
            st.global.v4.f32 [%rd11], {%f1, %f2, %f3, %f4};
            st.global.v4.f32 [%rd19], {%f5, %f6, %f7, %f8};
            st.global.v4.f32 [%rd20], {%f9, %f10, %f11, %f12};
            st.global.v4.f32 [%rd21], {%f13, %f14, %f15, %f16};
            add.s64 %rd6, %rd6, %rd13;
            bra.uni COPY4_TEST;
        COPY1_TEST:
            setp.ge.u64 %p2, %rd6, %rd3;
            @%p2 bra COPY_DONE;
            shl.b64 %rd9, %rd6, 4;
            add.s64 %rd10, %rd5, %rd9;
            ld.global.nc.v4.f32 {%f1, %f2, %f3, %f4}, [%rd10];
            add.s64 %rd11, %rd4, %rd9;
            st.global.v4.f32 [%rd11], {%f1, %f2, %f3, %f4};
            add.s64 %rd6, %rd6, %rd8;
            bra.uni COPY1_TEST;
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
            .reg .pred %p<3>;
            .reg .b32 %r<5>;
            .reg .f32 %f<26>;
            .reg .b64 %rd<24>;

            ld.param.u64 %rd1, [capplan_triad_param_0];
            ld.param.u64 %rd2, [capplan_triad_param_1];
            ld.param.u64 %rd3, [capplan_triad_param_2];
            ld.param.f32 %f1, [capplan_triad_param_3];
            ld.param.u64 %rd4, [capplan_triad_param_4];
            cvta.to.global.u64 %rd5, %rd1;
            cvta.to.global.u64 %rd6, %rd2;
            cvta.to.global.u64 %rd7, %rd3;
            mov.u32 %r1, %ctaid.x;
            mov.u32 %r2, %ntid.x;
            mov.u32 %r3, %tid.x;
            mov.u32 %r4, %nctaid.x;
            mul.wide.u32 %rd8, %r1, %r2;
            cvt.u64.u32 %rd14, %r3;
            add.s64 %rd8, %rd8, %rd14;
            mul.wide.u32 %rd9, %r4, %r2;
            shl.b64 %rd15, %rd9, 4;
            shl.b64 %rd16, %rd9, 1;
        TRIAD2_TEST:
            add.s64 %rd17, %rd8, %rd9;
            setp.ge.u64 %p1, %rd17, %rd4;
            @%p1 bra TRIAD1_TEST;
            shl.b64 %rd10, %rd8, 4;
            add.s64 %rd11, %rd6, %rd10;
            add.s64 %rd18, %rd11, %rd15;
            add.s64 %rd12, %rd7, %rd10;
            add.s64 %rd19, %rd12, %rd15;
            ld.global.nc.v4.f32 {%f2, %f3, %f4, %f5}, [%rd11];
            ld.global.nc.v4.f32 {%f6, %f7, %f8, %f9}, [%rd12];
            ld.global.nc.v4.f32 {%f14, %f15, %f16, %f17}, [%rd18];
            ld.global.nc.v4.f32 {%f18, %f19, %f20, %f21}, [%rd19];
            fma.rn.f32 %f10, %f1, %f6, %f2;
            fma.rn.f32 %f11, %f1, %f7, %f3;
            fma.rn.f32 %f12, %f1, %f8, %f4;
            fma.rn.f32 %f13, %f1, %f9, %f5;
            fma.rn.f32 %f22, %f1, %f18, %f14;
            fma.rn.f32 %f23, %f1, %f19, %f15;
            fma.rn.f32 %f24, %f1, %f20, %f16;
            fma.rn.f32 %f25, %f1, %f21, %f17;
            add.s64 %rd13, %rd5, %rd10;
            add.s64 %rd20, %rd13, %rd15;
            st.global.v4.f32 [%rd13], {%f10, %f11, %f12, %f13};
            st.global.v4.f32 [%rd20], {%f22, %f23, %f24, %f25};
            add.s64 %rd8, %rd8, %rd16;
            bra.uni TRIAD2_TEST;
        TRIAD1_TEST:
            setp.ge.u64 %p2, %rd8, %rd4;
            @%p2 bra TRIAD_DONE;
            shl.b64 %rd10, %rd8, 4;
            add.s64 %rd11, %rd6, %rd10;
            ld.global.nc.v4.f32 {%f2, %f3, %f4, %f5}, [%rd11];
            add.s64 %rd12, %rd7, %rd10;
            ld.global.nc.v4.f32 {%f6, %f7, %f8, %f9}, [%rd12];
            fma.rn.f32 %f10, %f1, %f6, %f2;
            fma.rn.f32 %f11, %f1, %f7, %f3;
            fma.rn.f32 %f12, %f1, %f8, %f4;
            fma.rn.f32 %f13, %f1, %f9, %f5;
            add.s64 %rd13, %rd5, %rd10;
            st.global.v4.f32 [%rd13], {%f10, %f11, %f12, %f13};
            add.s64 %rd8, %rd8, %rd9;
            bra.uni TRIAD1_TEST;
        TRIAD_DONE:
            ret;
        }
        """;
}
