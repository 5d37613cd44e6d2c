import Testing
@testable import Lab

/// Each rank of a data-parallel job trains on a contiguous share of every global batch; the
/// shares partition the batch in order, whatever its size (the last batch of an epoch is short).
@Suite struct ProcessGroupTests {
    @Test func sharesPartitionEveryBatchInOrder() {
        for size in 1...5 {
            for count in 0...13 {
                let batch = Array(100..<(100 + count))[...]
                let shares = (0..<size).map { ProcessGroup(rank: $0, size: size, usesMPI: false).share(of: batch) }
                #expect(Array(shares.joined()) == Array(batch), "size \(size), batch of \(count)")
                #expect(shares.allSatisfy { $0.count <= (count + size - 1) / size })
            }
        }
        // A slice that does not start at 0 (the epoch order's later batches).
        let later = Array(0..<20)[8..<15]
        #expect(Array(ProcessGroup(rank: 1, size: 2, usesMPI: false).share(of: later)) == [12, 13, 14])
    }

    @Test func aSingleProcessSumsNothingAwayAndSharesEverything() throws {
        let single = ProcessGroup.single
        #expect(single.isLeader && single.size == 1)
        #expect(try single.sum(2.5) == 2.5)
        #expect(try single.any(true) && !(try single.any(false)))
        #expect(ProcessGroup.active === ProcessGroup.single)
    }
}
