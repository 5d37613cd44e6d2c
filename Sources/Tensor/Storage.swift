import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A caching allocator for float buffers, in the spirit of PyTorch's CPU caching allocator:
/// a training step allocates the same sizes every time, so freed buffers are kept in size
/// classes and handed out again, and a loop runs at flat memory without page-fault churn.
/// Loops mark their steps (`endStep`: a training step, a scored batch); from the first mark on,
/// the pool keeps about what one step needs (the step budget: the bytes in use plus the cached
/// bytes of the size classes the step touched, the most any step has needed since the last trim).
/// A step that needs memory the cache cannot give while the pool holds its budget first returns
/// the buffers of size classes not touched in this step, least recently used first — a partial
/// last batch or validation's batch size then replaces the training step's buffers instead of
/// piling up beside them. A miss first borrows a cached buffer of a class up to twice as large, so
/// the smaller batches at an epoch's end, in validation and in scoring's last chunk mostly reuse the
/// full batch's buffers instead of faulting in fresh pages. A steady loop never misses the cache, so
/// it never evicts. Without marks (benches, serving) the cache is not bounded. The runner trims it
/// between training and evaluation; buffers of 256 KiB and up are mapped directly, so trimming
/// returns their pages.
/// (A cap on cached bytes alone, set to the bytes in use at once, remapped buffers every step: a
/// step's size classes peak at different moments, so it needs more than that; the default model
/// trained 36% slower.) `cacheLimitBytes` sets a fixed cap; releasing past it evicts other size
/// classes first.
public final class BufferPool: Sendable {
    public static let shared = BufferPool()

    private struct State {
        var free: [Int: [UInt]] = [:]  // addresses: raw pointers are not Sendable
        var cachedBytes = 0
        var liveBytes = 0
        var peakLiveBytes = 0
        var peakCachedBytes = 0
        var cacheLimitBytes: Int?
        var cap: Int { cacheLimitBytes ?? Int.max }
        /// Counts allocations and releases; `lastUse` holds each size class's latest count.
        var tick = 0
        var lastUse: [Int: Int] = [:]
        /// `tick` when the current step began (at the last `endStep` or trim).
        var stepStartTick = 0
        /// The most bytes one step has needed since the last trim; nil before the first `endStep`.
        var stepBudgetBytes: Int?

        mutating func touch(_ capacity: Int) {
            tick += 1
            lastUse[capacity] = tick
        }

        /// Frees cached buffers of size classes the current step has not touched, least recently
        /// used first (ties: larger first), until the pool is back within the step budget.
        mutating func evictStaleClasses() -> [(address: UInt, bytes: Int)] {
            guard let budget = stepBudgetBytes, liveBytes + cachedBytes > budget else { return [] }
            let stale = free.keys.filter { lastUse[$0, default: 0] <= stepStartTick }
                .sorted { (lastUse[$0, default: 0], -$0) < (lastUse[$1, default: 0], -$1) }
            var evicted: [(address: UInt, bytes: Int)] = []
            for capacity in stale where liveBytes + cachedBytes > budget {
                var list = free[capacity]!
                while liveBytes + cachedBytes > budget, let p = list.popLast() {
                    evicted.append((p, capacity * 4))
                    cachedBytes -= capacity * 4
                }
                free[capacity] = list.isEmpty ? nil : list
            }
            return evicted
        }
    }
    private let state: Mutex<State>

    public init(cacheLimitBytes: Int? = nil) {
        state = Mutex(State(cacheLimitBytes: cacheLimitBytes.map { max(0, $0) }))
    }

    /// A fixed cap on the free bytes kept for reuse (nil: none, see above);
    /// lowering it returns the excess at once.
    public var cacheLimitBytes: Int? {
        get { state.withLock { $0.cacheLimitBytes } }
        set {
            let limit = newValue.map { max(0, $0) }
            state.withLock { $0.cacheLimitBytes = limit }
            if let limit { trim(toBytes: limit) }
        }
    }

    /// Round a request up to a size class: 4 classes per power of two, so at most 25% waste.
    static func sizeClass(_ count: Int) -> Int {
        if count <= 64 { return 64 }
        let top = Int.bitWidth - (count - 1).leadingZeroBitCount  // 2^top >= count
        let step = 1 << max(top - 3, 0)
        return (count + step - 1) / step * step
    }

    func allocate(_ count: Int) -> (UnsafeMutablePointer<Float>, capacity: Int) {
        let wanted = Self.sizeClass(count)
        let (cached, capacity, evicted) = state.withLock { s -> (UInt?, Int, [(address: UInt, bytes: Int)]) in
            s.touch(wanted)
            // Its own class, else the smallest cached class up to twice as large: a partial last
            // batch or a smaller validation batch then reuses the full batch's buffers instead of
            // mapping (and faulting in) new ones.
            var capacity = wanted
            if s.free[wanted]?.isEmpty ?? true {
                for (other, list) in s.free where other > wanted && other <= 2 * wanted && !list.isEmpty && (capacity == wanted || other < capacity) {
                    capacity = other
                }
            }
            s.liveBytes += capacity * 4
            s.peakLiveBytes = max(s.peakLiveBytes, s.liveBytes)
            guard var list = s.free[capacity], let p = list.popLast() else { return (nil, capacity, s.evictStaleClasses()) }
            if capacity != wanted { s.touch(capacity) }
            s.free[capacity] = list.isEmpty ? nil : list
            s.cachedBytes -= capacity * 4
            return (p, capacity, [])
        }
        for b in evicted { Self.systemFree(UnsafeMutableRawPointer(bitPattern: b.address)!, bytes: b.bytes) }
        let raw = cached.flatMap { UnsafeMutableRawPointer(bitPattern: $0) } ?? Self.systemAllocate(bytes: capacity * 4)
        return (raw.bindMemory(to: Float.self, capacity: capacity), capacity)
    }

    func release(_ pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        let bytes = capacity * 4
        let (kept, evicted) = state.withLock { s -> (Bool, [(address: UInt, bytes: Int)]) in
            s.touch(capacity)
            s.liveBytes -= bytes
            var evicted: [(address: UInt, bytes: Int)] = []
            if s.cachedBytes + bytes > s.cap {
                guard bytes <= s.cap else { return (false, []) }
                // Room is made from the other size classes, largest first: a buffer just released
                // is the likeliest to be wanted again (validation's batch sizes must not crowd out
                // the training step's buffers for good).
                for other in s.free.keys.sorted(by: >) where other != capacity && s.cachedBytes + bytes > s.cap {
                    var list = s.free[other]!
                    while s.cachedBytes + bytes > s.cap, let p = list.popLast() {
                        evicted.append((p, other * 4))
                        s.cachedBytes -= other * 4
                    }
                    s.free[other] = list.isEmpty ? nil : list
                }
                guard s.cachedBytes + bytes <= s.cap else { return (false, evicted) }
            }
            s.free[capacity, default: []].append(UInt(bitPattern: pointer))
            s.cachedBytes += bytes
            s.peakCachedBytes = max(s.peakCachedBytes, s.cachedBytes)
            return (true, evicted)
        }
        for b in evicted { Self.systemFree(UnsafeMutableRawPointer(bitPattern: b.address)!, bytes: b.bytes) }
        if !kept { Self.systemFree(pointer, bytes: bytes) }
    }

    /// Returns every cached buffer to the system, and the C heap's free pages with them; the
    /// step budget is learnt again from the next `endStep` on.
    public func trim() {
        state.withLock { s in
            s.stepBudgetBytes = nil
            s.stepStartTick = s.tick
        }
        trim(toBytes: 0)
    }

    /// Marks the end of one step of a loop (a training step, a scored batch). The step budget
    /// becomes at least what this step held: the bytes in use and the cached bytes of the size
    /// classes it touched. Classes it did not touch may be evicted by the next step's misses.
    public func endStep() {
        state.withLock { s in
            var touchedCached = 0
            for (capacity, list) in s.free where s.lastUse[capacity, default: 0] > s.stepStartTick {
                touchedCached += capacity * 4 * list.count
            }
            s.stepBudgetBytes = max(s.stepBudgetBytes ?? 0, s.liveBytes + touchedCached)
            s.stepStartTick = s.tick
        }
    }

    /// Returns cached buffers to the system, largest first, until at most `limit` bytes stay cached.
    private func trim(toBytes limit: Int) {
        let buffers = state.withLock { s -> [(address: UInt, bytes: Int)] in
            var freed: [(address: UInt, bytes: Int)] = []
            for capacity in s.free.keys.sorted(by: >) where s.cachedBytes > limit {
                var list = s.free[capacity]!
                while s.cachedBytes > limit, let p = list.popLast() {
                    freed.append((p, capacity * 4))
                    s.cachedBytes -= capacity * 4
                }
                s.free[capacity] = list.isEmpty ? nil : list
            }
            return freed
        }
        for b in buffers { Self.systemFree(UnsafeMutableRawPointer(bitPattern: b.address)!, bytes: b.bytes) }
        // Buffers under glibc's mmap threshold were carved from the heap; free() alone keeps those pages.
        if !buffers.isEmpty { Self.returnFreeHeapPages() }
    }

    public struct Statistics: Sendable {
        public var liveBytes: Int
        public var cachedBytes: Int
        public var peakLiveBytes: Int
        /// The most bytes ever held free in the cache (never above the cap).
        public var peakCachedBytes: Int
        /// What one step may hold before its misses evict untouched size classes (nil: no step marked since the last trim).
        public var stepBudgetBytes: Int?
    }
    public var statistics: Statistics {
        state.withLock {
            Statistics(liveBytes: $0.liveBytes, cachedBytes: $0.cachedBytes, peakLiveBytes: $0.peakLiveBytes, peakCachedBytes: $0.peakCachedBytes,
                       stepBudgetBytes: $0.stepBudgetBytes)
        }
    }

    /// Starts the peaks (`peakLiveBytes`, `peakCachedBytes`) again from the present figures.
    public func resetPeaks() {
        state.withLock { s in
            s.peakLiveBytes = s.liveBytes
            s.peakCachedBytes = s.cachedBytes
        }
    }

    /// Buffers from this size up are mapped from the system directly and unmapped when freed:
    /// through malloc, glibc would serve them from its heap once its adaptive mmap threshold has
    /// risen (up to 32 MiB), and keep their pages after free — resident memory that follows
    /// the largest step ever taken instead of what is in use.
    static let mappedBytes = 256 << 10

    private static func systemAllocate(bytes: Int) -> UnsafeMutableRawPointer {
        if bytes >= mappedBytes {
            // Page-aligned, so 64-byte aligned as well.
            guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
                fatalError("out of memory mapping \(bytes) bytes")
            }
            return p
        }
        var p: UnsafeMutableRawPointer?
        // 64-byte alignment: a cache line, and what AVX loads like.
        let rc = posix_memalign(&p, 64, max(bytes, 64))
        guard rc == 0, let p else { fatalError("out of memory allocating \(bytes) bytes") }
        return p
    }

    private static func systemFree(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        if bytes >= mappedBytes { munmap(pointer, bytes) } else { free(pointer) }
    }
}

extension BufferPool {
    /// Hands the C heap's free pages back to the system (glibc's `malloc_trim`; a no-op elsewhere).
    public static func returnFreeHeapPages() {
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
    }
}

#if os(Linux)
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif

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
