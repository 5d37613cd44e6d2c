import CKernels
import Foundation
import Testing
import Tensor
import TestSupport

/// FusionLab's AVX-512 GEMM against a double-precision reference: every transpose, alpha and beta,
/// sizes around its block edges (MR 8, NR 32, KC 512), leading dimensions
/// larger than the matrices; and the same bits for C computed whole or cut into row or column
/// blocks (how `sgemm` splits it between threads). Skipped on a CPU without AVX-512.
@Suite struct GEMMKernelTests {
    struct Case {
        var ta: Bool, tb: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float
    }

    /// C as the kernel leaves it, from seeded A, B and C, with leading dimensions padded by `pad`.
    func run(_ c: Case, pad: Int = 3, rows: Range<Int>? = nil, columns: Range<Int>? = nil)
        -> (got: [Float], initial: [Float], reference: [Double], ldc: Int) {
        let (ar, ac) = c.ta ? (c.k, c.m) : (c.m, c.k)
        let (br, bc) = c.tb ? (c.n, c.k) : (c.k, c.n)
        let lda = ac + pad, ldb = bc + pad, ldc = c.n + pad
        var g = RandomGenerator(seed: UInt64(c.m * 7919 + c.n * 31 + c.k))
        let a = Tensor(normal: [max(ar * lda, 1)], generator: &g).scalars
        let b = Tensor(normal: [max(br * ldb, 1)], generator: &g).scalars
        var out = Tensor(normal: [max(c.m * ldc, 1)], generator: &g).scalars
        let initial = out
        var reference = [Double](repeating: 0, count: out.count)
        for i in 0..<c.m {
            for j in 0..<c.n {
                var s = 0.0
                for p in 0..<c.k {
                    let x = c.ta ? a[p * lda + i] : a[i * lda + p], y = c.tb ? b[j * ldb + p] : b[p * ldb + j]
                    s += Double(x) * Double(y)
                }
                reference[i * ldc + j] = Double(c.alpha) * s + (c.beta == 0 ? 0 : Double(c.beta) * Double(out[i * ldc + j]))
            }
        }
        let rows = rows ?? 0..<c.m, columns = columns ?? 0..<c.n
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    let aStart = c.ta ? rows.lowerBound : rows.lowerBound * lda, bStart = c.tb ? columns.lowerBound * ldb : columns.lowerBound
                    fl_sgemm_avx512(c.ta ? 1 : 0, c.tb ? 1 : 0, rows.count, columns.count, c.k, c.alpha, pa.baseAddress! + aStart, lda,
                                    pb.baseAddress! + bStart, ldb, c.beta, pc.baseAddress! + rows.lowerBound * ldc + columns.lowerBound, ldc)
                }
            }
        }
        return (out, initial, reference, ldc)
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            for (m, n, k) in [(1, 1, 1), (7, 33, 17), (8, 32, 16), (9, 31, 15), (16, 1024, 27), (32, 144, 256), (64, 288, 64),
                              (20, 70, 300), (130, 40, 513), (3, 1100, 5), (9, 600, 1030)] {
                cases.append(Case(ta: ta, tb: tb, m: m, n: n, k: k, alpha: 1, beta: 0))
            }
            cases.append(Case(ta: ta, tb: tb, m: 13, n: 45, k: 70, alpha: 0.5, beta: 1))
            cases.append(Case(ta: ta, tb: tb, m: 13, n: 45, k: 70, alpha: -2, beta: 0.25))
            cases.append(Case(ta: ta, tb: tb, m: 5, n: 6, k: 0, alpha: 1, beta: 0.5))
        }
        return cases
    }()

    @Test(.enabled(if: fl_gemm_avx512_supported() != 0), arguments: cases)
    func matchesTheDoublePrecisionProduct(_ c: Case) {
        let (got, initial, reference, ldc) = run(c)
        for i in 0..<c.m {
            // The padding past each row of C is left alone.
            #expect(got[(i * ldc + c.n)..<(i * ldc + ldc)] == initial[(i * ldc + c.n)..<(i * ldc + ldc)], "\(c): row \(i)'s padding")
            for j in 0..<c.n {
                // fp32 sums of k products of unit normals: error grows like √k ulps of the terms.
                let tolerance = 1e-5 * (Double(c.k).squareRoot() + 1) * Double(max(abs(c.alpha), 1)) + 1e-6
                let e = abs(Double(got[i * ldc + j]) - reference[i * ldc + j])
                if e > tolerance { Issue.record("\(c): C[\(i)][\(j)] = \(got[i * ldc + j]), reference \(reference[i * ldc + j])"); return }
            }
        }
    }

    @Test(.enabled(if: fl_gemm_avx512_supported() != 0))
    func blocksOfCGiveTheBitsOfTheWhole() {
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            let c = Case(ta: ta, tb: tb, m: 45, n: 70, k: 300, alpha: 1, beta: 1)
            let whole = run(c).got
            var pieces = run(c, rows: 0..<0).got  // C untouched: the seeded initial values
            for rows in [0..<13, 13..<40, 40..<45] {
                let part = run(c, rows: rows).got
                for i in rows { for j in 0..<c.n { pieces[i * (c.n + 3) + j] = part[i * (c.n + 3) + j] } }
            }
            #expect(pieces == whole, "rows, \(ta) \(tb)")
            var columnPieces = run(c, rows: 0..<0).got
            for columns in [0..<17, 17..<64, 64..<70] {
                let part = run(c, columns: columns).got
                for i in 0..<c.m { for j in columns { columnPieces[i * (c.n + 3) + j] = part[i * (c.n + 3) + j] } }
            }
            #expect(columnPieces == whole, "columns, \(ta) \(tb)")
        }
    }

    @Test func sgemmRunsTheKernelTheCPUAndTheEnvironmentChoose() {
        let chosen = getenv("FUSIONLAB_GEMM").map { String(cString: $0) }
        let expected: GEMMKernel = chosen == "openblas" || fl_gemm_avx512_supported() == 0 ? .openBLAS : .avx512
        #expect(GEMMKernel.current == expected)
    }
}

extension GEMMKernelTests.Case: CustomTestStringConvertible {
    var testDescription: String { "\(ta ? "T" : "N")\(tb ? "T" : "N") \(m)×\(n)×\(k) α \(alpha) β \(beta)" }
}
