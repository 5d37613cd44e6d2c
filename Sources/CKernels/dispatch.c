#include "fl_kernels.h"

// Which path the kernels take: AVX2+FMA when the CPU (and OS) has it, unless a test forces the
// portable one. Both give the same bits; the switch only exists so tests can show that.

static int forced_portable = 0;

#if defined(__x86_64__)
static int cpu_has_avx2_fma(void) {
    static int cached = -1;  // a benign race: every thread computes the same value
    if (cached < 0) cached = (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? 1 : 0;
    return cached;
}

// The GEMM's path (gemm_avx512.c): OpenBLAS unless the CPU has AVX-512F.
int fl_gemm_avx512_supported(void) {
    static int cached = -1;  // a benign race, as above
    if (cached < 0) cached = __builtin_cpu_supports("avx512f") ? 1 : 0;
    return cached;
}
#else
static int cpu_has_avx2_fma(void) { return 0; }
int fl_gemm_avx512_supported(void) { return 0; }
#endif

int fl_kernels_use_avx2(void) {
    return __atomic_load_n(&forced_portable, __ATOMIC_RELAXED) != 1 && cpu_has_avx2_fma();
}

int fl_kernels_use_avx512(void) {
    return __atomic_load_n(&forced_portable, __ATOMIC_RELAXED) == 0 && fl_gemm_avx512_supported();
}

// 0: the CPU decides; 1: portable; 2: at most AVX2 (no AVX-512).
void fl_kernels_force_portable(int force) { __atomic_store_n(&forced_portable, force == 2 ? 2 : force ? 1 : 0, __ATOMIC_RELAXED); }
