import Testing
@testable import Tensor

/// The buffer pool's cap: free buffers kept for reuse never exceed it, and the rest go back to the system.
@Suite struct BufferPoolTests {
    @Test func cachedBytesStayUnderTheCap() {
        let pool = BufferPool(cacheLimitBytes: 10_000)
        // 1,000 floats round to a 1,024-float class: 4,096 bytes each, so two fit under 10,000 and a third does not.
        let buffers = (0..<5).map { _ in pool.allocate(1_000) }
        #expect(buffers.allSatisfy { $0.capacity == 1_024 })
        #expect(pool.statistics.liveBytes == 5 * 4_096)
        for b in buffers { pool.release(b.0, capacity: b.capacity) }
        let s = pool.statistics
        #expect(s.liveBytes == 0)
        #expect(s.cachedBytes == 2 * 4_096)
        #expect(s.peakCachedBytes == 2 * 4_096)
        #expect(s.peakLiveBytes == 5 * 4_096)
        // A cached buffer is handed out again.
        let again = pool.allocate(1_000)
        #expect(UInt(bitPattern: again.0) == UInt(bitPattern: buffers[1].0))
        #expect(pool.statistics.cachedBytes == 4_096)
        pool.release(again.0, capacity: again.capacity)
        pool.trim()
        #expect(pool.statistics.cachedBytes == 0)
    }

    @Test func loweringTheCapReturnsTheExcess() {
        let pool = BufferPool(cacheLimitBytes: 1 << 20)
        let buffers = (0..<4).map { pool.allocate(64 << $0) }  // 256 B, 512 B, 1 KiB, 2 KiB
        for b in buffers { pool.release(b.0, capacity: b.capacity) }
        #expect(pool.statistics.cachedBytes == 256 + 512 + 1_024 + 2_048)
        pool.cacheLimitBytes = 1_000
        // Largest first: the 2 KiB and 1 KiB buffers go, 768 bytes stay.
        #expect(pool.statistics.cachedBytes == 768)
        #expect(pool.cacheLimitBytes == 1_000)
        pool.cacheLimitBytes = 0
        #expect(pool.statistics.cachedBytes == 0)
        let b = pool.allocate(10)
        pool.release(b.0, capacity: b.capacity)
        #expect(pool.statistics.cachedBytes == 0, "a zero cap caches nothing")
        pool.resetPeaks()
        #expect(pool.statistics.peakLiveBytes == 0 && pool.statistics.peakCachedBytes == 0)
    }

    @Test func aBufferReleasedPastTheCapEvictsOtherSizeClassesFirst() {
        let pool = BufferPool(cacheLimitBytes: 8_192)
        let small = (0..<2).map { _ in pool.allocate(1_000) }   // 4,096 bytes each: the cache is full
        for b in small { pool.release(b.0, capacity: b.capacity) }
        #expect(pool.statistics.cachedBytes == 8_192)
        let large = pool.allocate(2_000)                          // a 2,048-float class: 8,192 bytes
        pool.release(large.0, capacity: large.capacity)
        #expect(pool.statistics.cachedBytes == 8_192, "both smaller buffers made room for the one just released")
        let again = pool.allocate(2_000)
        #expect(UInt(bitPattern: again.0) == UInt(bitPattern: large.0))
        pool.release(again.0, capacity: again.capacity)
        let tooLarge = pool.allocate(4_000)                       // larger than the cap: never cached
        pool.release(tooLarge.0, capacity: tooLarge.capacity)
        #expect(pool.statistics.cachedBytes == 8_192)
        pool.trim()
    }
}
