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

    // The step budget: what one step holds (in use + cached classes it touched), learnt at `endStep`.

    @Test func aSteadyLoopReusesItsBuffersAndNeverEvicts() {
        let pool = BufferPool()
        var firstAddresses: [UInt] = []
        for step in 0..<3 {
            let a = pool.allocate(1_000), b = pool.allocate(1_000), c = pool.allocate(2_000)  // 4,096 + 4,096 + 8,192 bytes
            let addresses = [a, b, c].map { UInt(bitPattern: $0.0) }
            if step == 0 { firstAddresses = addresses } else { #expect(Set(addresses) == Set(firstAddresses), "step \(step) reuses the first step's buffers") }
            for x in [a, b, c] { pool.release(x.0, capacity: x.capacity) }
            pool.endStep()
            #expect(pool.statistics.cachedBytes == 16_384)
            #expect(pool.statistics.stepBudgetBytes == 16_384)
        }
        pool.trim()
        #expect(pool.statistics.stepBudgetBytes == nil && pool.statistics.cachedBytes == 0)
    }

    @Test func aMissPastTheBudgetEvictsClassesTheStepHasNotTouched() {
        let pool = BufferPool()
        // Step 1: two 1,024-float buffers at once; budget 8,192 bytes.
        let full = (0..<2).map { _ in pool.allocate(1_000) }
        for x in full { pool.release(x.0, capacity: x.capacity) }
        pool.endStep()
        #expect(pool.statistics.stepBudgetBytes == 8_192)
        // Step 2 (a partial batch): a 448-float buffer (1,792 bytes; the cached class is more than
        // twice as large, so it is not lent) would bring the pool to 9,984; one cached 1,024-float
        // buffer goes, the pool stays at its budget.
        let partial = pool.allocate(400)
        #expect(partial.capacity == 448)
        #expect(pool.statistics.cachedBytes == 4_096)
        #expect(pool.statistics.liveBytes + pool.statistics.cachedBytes == 5_888)
        pool.release(partial.0, capacity: partial.capacity)
        pool.endStep()
        #expect(pool.statistics.stepBudgetBytes == 8_192, "the budget is the most any step held")
        // Step 3: the full step again. Its first buffer comes from the cache; its second misses and
        // evicts the partial step's class, untouched in this step.
        let again = (0..<2).map { _ in pool.allocate(1_000) }
        #expect(UInt(bitPattern: again[0].0) == UInt(bitPattern: full[0].0))
        #expect(pool.statistics.cachedBytes == 0)
        #expect(pool.statistics.liveBytes == 8_192)
        for x in again { pool.release(x.0, capacity: x.capacity) }
        pool.endStep()
        #expect(pool.statistics.cachedBytes == 8_192)
    }

    @Test func staleClassesGoLeastRecentlyUsedFirstAndTouchedClassesStay() {
        let pool = BufferPool()
        // One step touches three classes: 256, 512 and 1,024 floats (1 KiB, 2 KiB, 4 KiB), the largest last.
        let step1 = [pool.allocate(256), pool.allocate(512), pool.allocate(1_024)]
        for x in step1 { pool.release(x.0, capacity: x.capacity) }
        pool.endStep()
        #expect(pool.statistics.stepBudgetBytes == 7_168)
        // The next step holds a 1 KiB buffer from the cache, then misses on 2,048 floats (8 KiB):
        // 7,168 + 8,192 bytes is over the budget, so the stale classes go, least recently used
        // first (512 floats, then 1,024), until the pool is back within 7,168 — impossible here,
        // so both go; the touched 256-float class is kept in use and never evicted.
        let kept = pool.allocate(256)
        let big = pool.allocate(2_048)
        #expect(pool.statistics.cachedBytes == 0)
        #expect(pool.statistics.liveBytes == 1_024 + 8_192)
        pool.release(big.0, capacity: big.capacity)
        pool.release(kept.0, capacity: kept.capacity)
        pool.endStep()
        #expect(pool.statistics.stepBudgetBytes == 9_216, "a step that needed more raises the budget")
        // A miss of 512 floats (2 KiB): 9,216 + 2,048 is over the budget and the step touched neither
        // cached class. The 8 KiB one was released before the 1 KiB one, so it goes first, and that is enough.
        let small = pool.allocate(512)
        #expect(pool.statistics.cachedBytes == 1_024)
        #expect(pool.statistics.liveBytes + pool.statistics.cachedBytes <= 9_216)
        pool.release(small.0, capacity: small.capacity)
        pool.trim()
    }

    /// A miss is served from the smallest cached class up to twice as large (a partial last batch
    /// reuses the full batch's buffers), never from a larger one, and the buffer goes back to its class.
    @Test func aMissBorrowsACachedBufferUpToTwiceItsSize() {
        let pool = BufferPool()
        let full = [pool.allocate(1_000), pool.allocate(2_000)]       // classes 1,024 and 2,048
        for x in full { pool.release(x.0, capacity: x.capacity) }
        let partial = pool.allocate(600)                                 // class 640: 1,024 is the smallest within 2×
        #expect(partial.capacity == 1_024)
        #expect(UInt(bitPattern: partial.0) == UInt(bitPattern: full[0].0))
        #expect(pool.statistics.liveBytes == 4_096 && pool.statistics.cachedBytes == 8_192)
        let other = pool.allocate(600)                                   // 1,024 is taken; 2,048 is over 2 × 640
        #expect(other.capacity == 640)
        #expect(UInt(bitPattern: other.0) != UInt(bitPattern: full[1].0))
        pool.release(partial.0, capacity: partial.capacity)
        pool.release(other.0, capacity: other.capacity)
        #expect(pool.statistics.cachedBytes == 4_096 + 8_192 + 2_560)
        let again = pool.allocate(1_000)
        #expect(UInt(bitPattern: again.0) == UInt(bitPattern: full[0].0), "the lent buffer went back to its own class")
        pool.release(again.0, capacity: again.capacity)
        pool.trim()
    }

    @Test func withoutStepsTheCacheIsNotBounded() {
        let pool = BufferPool()
        for count in [1_000, 400, 2_000] {
            let x = pool.allocate(count)
            pool.release(x.0, capacity: x.capacity)
        }
        #expect(pool.statistics.cachedBytes == 4_096 + 1_792 + 8_192)
        #expect(pool.statistics.stepBudgetBytes == nil)
        pool.trim()
    }
}
