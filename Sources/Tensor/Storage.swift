import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A caching allocator for float buffers, in the spirit of PyTorch's CPU caching allocator:
/// a training step allocates the same sizes every time, so freed buffers are kept in size
/// classes and handed out again, and a loop runs at flat memory without page-fault churn.
public final class BufferPool: Sendable {
    public static let shared = BufferPool()

    private struct State {
        var free: [Int: [UInt]] = [:]  // addresses: raw pointers are not Sendable
        var cachedBytes = 0
        var liveBytes = 0
        var peakLiveBytes = 0
    }
    private let state = Mutex(State())

    /// Round a request up to a size class: 4 classes per power of two, so at most 25% waste.
    static func sizeClass(_ count: Int) -> Int {
        if count <= 64 { return 64 }
        let top = Int.bitWidth - (count - 1).leadingZeroBitCount  // 2^top >= count
        let step = 1 << max(top - 3, 0)
        return (count + step - 1) / step * step
    }

    func allocate(_ count: Int) -> (UnsafeMutablePointer<Float>, capacity: Int) {
        let capacity = Self.sizeClass(count)
        let cached: UInt? = state.withLock { s in
            s.liveBytes += capacity * 4
            s.peakLiveBytes = max(s.peakLiveBytes, s.liveBytes)
            guard var list = s.free[capacity], let p = list.popLast() else { return nil }
            s.free[capacity] = list
            s.cachedBytes -= capacity * 4
            return p
        }
        let raw = cached.flatMap { UnsafeMutableRawPointer(bitPattern: $0) } ?? Self.systemAllocate(bytes: capacity * 4)
        return (raw.bindMemory(to: Float.self, capacity: capacity), capacity)
    }

    func release(_ pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        state.withLock { s in
            s.free[capacity, default: []].append(UInt(bitPattern: pointer))
            s.cachedBytes += capacity * 4
            s.liveBytes -= capacity * 4
        }
    }

    /// Returns every cached buffer to the system.
    public func trim() {
        let buffers = state.withLock { s -> [UInt] in
            let all = s.free.values.flatMap { $0 }
            s.free = [:]
            s.cachedBytes = 0
            return all
        }
        for p in buffers { free(UnsafeMutableRawPointer(bitPattern: p)) }
    }

    public struct Statistics: Sendable {
        public var liveBytes: Int
        public var cachedBytes: Int
        public var peakLiveBytes: Int
    }
    public var statistics: Statistics {
        state.withLock { Statistics(liveBytes: $0.liveBytes, cachedBytes: $0.cachedBytes, peakLiveBytes: $0.peakLiveBytes) }
    }

    private static func systemAllocate(bytes: Int) -> UnsafeMutableRawPointer {
        var p: UnsafeMutableRawPointer?
        // 64-byte alignment: a cache line, and what AVX loads like.
        let rc = posix_memalign(&p, 64, max(bytes, 64))
        guard rc == 0, let p else { fatalError("out of memory allocating \(bytes) bytes") }
        return p
    }
}

/// The float buffer behind a tensor. Either owns pooled memory, or is a window into another
/// storage (a parameter living inside one contiguous parameter buffer).
public final class Storage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    private let capacity: Int
    private let owner: Storage?

    /// Uninitialised storage for `count` floats.
    public init(count: Int) {
        let (p, c) = BufferPool.shared.allocate(count)
        pointer = p
        self.count = count
        capacity = c
        owner = nil
    }

    /// Zero-filled storage.
    public convenience init(zeros count: Int) {
        self.init(count: count)
        pointer.initialize(repeating: 0, count: count)
    }

    /// A window of `count` floats starting at `offset` into `base`.
    public init(viewing base: Storage, offset: Int, count: Int) {
        precondition(offset >= 0 && offset + count <= base.count, "storage view out of range")
        pointer = base.pointer + offset
        self.count = count
        capacity = 0
        owner = base
    }

    deinit {
        if owner == nil { BufferPool.shared.release(pointer, capacity: capacity) }
    }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }
}
