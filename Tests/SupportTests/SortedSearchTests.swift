import Testing
import Support

@Suite struct SortedSearchTests {
    @Test func countsBelowAndAtMostMatchALinearScan() {
        let sorted: [Float] = [1, 2, 2, 2, 5, 9]
        for v: Float in [0, 1, 1.5, 2, 3, 5, 9, 10] {
            #expect(sorted.countBelow(v) == sorted.filter { $0 < v }.count, "below \(v)")
            #expect(sorted.countAtMost(v) == sorted.filter { $0 <= v }.count, "at most \(v)")
            #expect(sorted.sortedContains(v) == sorted.contains(v), "contains \(v)")
        }
        #expect([Int]().countBelow(3) == 0 && [Int]().countAtMost(3) == 0 && ![Int]().sortedContains(3))
    }
}
