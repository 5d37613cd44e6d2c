import COpenBLAS

/// Which OpenBLAS kernels run: a DYNAMIC_ARCH build picks them from the CPU when it is loaded,
/// unless the environment variable OPENBLAS_CORETYPE names them. They set both the speed (on an
/// AVX-512 CPU the AVX2 "Haswell" kernels run sgemm at about half the speed of the "SkylakeX"
/// ones) and the last bits of results, so benchmark headers and run records name them.
public enum BLASKernels {
    /// The kernel family in use, e.g. "Haswell" or "SkylakeX".
    public static var name: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }
}
