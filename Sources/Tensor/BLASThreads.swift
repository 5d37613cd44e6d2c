import COpenBLAS

/// Runs `body(chunkStart, chunkEnd)` over `0..<count` in fixed contiguous chunks, one per thread,
/// with OpenBLAS single-threaded meanwhile: each chunk makes its own small GEMM calls (one per
/// sample, say) on its own thread. Small GEMMs gain nothing from OpenBLAS's threads but pay
/// for waking and yielding them on every call; splitting the batch instead keeps both cores busy.
/// A given GEMM call computes the same values on one thread as on several, so results do not change.
public func parallelChunksWithSerialBLAS(_ count: Int, minimumPerThread: Int = 1, _ body: (Int, Int) -> Void) {
    let threads = ComputeThreads.count
    guard threads > 1, count / max(minimumPerThread, 1) > 1 else {
        body(0, count)
        return
    }
    openblas_set_num_threads(1)
    defer { openblas_set_num_threads(Int32(threads)) }
    parallelChunks(count, minimumPerThread: minimumPerThread, body)
}
