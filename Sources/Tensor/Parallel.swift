import Dispatch
import Synchronization
import COpenBLAS

/// The thread count for OpenBLAS and for FusionLab's own parallel loops.
/// Work is always split into the same chunks for a given count, so results are reproducible.
public enum ComputeThreads {
    private static let current = Atomic<Int>(0)

    /// The number of threads in use (all cores until `set` is called).
    public static var count: Int {
        let n = current.load(ordering: .relaxed)
        return n > 0 ? n : defaultCount
    }

    public static var defaultCount: Int { max(1, Int(openblas_get_num_procs())) }

    /// Sets the thread count for OpenBLAS and for parallel loops.
    public static func set(_ n: Int) {
        let n = max(1, n)
        current.store(n, ordering: .relaxed)
        openblas_set_num_threads(Int32(n))
    }
}

/// Runs `body(chunkStart, chunkEnd)` over `0..<count` in contiguous chunks, one per thread,
/// when the work is big enough to pay for the hand-off; otherwise inline.
/// `minimumPerThread` is the element count below which splitting does not pay.
@inline(__always)
public func parallelChunks(_ count: Int, minimumPerThread: Int = 32_768, _ body: (Int, Int) -> Void) {
    let threads = min(ComputeThreads.count, count / max(minimumPerThread, 1))
    if threads <= 1 {
        body(0, count)
        return
    }
    let chunk = (count + threads - 1) / threads
    withoutActuallyEscaping(body) { body in
        let box = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let start = t * chunk
            let end = min(count, start + chunk)
            if start < end { box.value(start, end) }
        }
    }
}

/// Wraps a value the compiler cannot prove safe to share, for loops whose chunks touch
/// disjoint memory.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
