// libFuzzer harness for the typed-header CSV reader (Sources/Datasets/Formats). Not part of
// `swift test`; build and run with `./run-fuzzer.sh csv` (see README.md). It is compiled into a
// module named Datasets together with the Formats sources and the tests' reference parser, so
// internal entry points are reachable without a package build.
import Foundation

/// Reading configurations (block size, threads, minimum piece size) compared with one pass (the
/// whole input as one block on one thread, as production reads a small file): blocks and pieces
/// small enough that cuts fall inside records, quoted fields and CRLF pairs.
let fuzzConfigurations: [(blockSize: Int, threads: Int, minimumPieceBytes: Int)] = [
    (16, 1, 1 << 20), (61, 2, 1), (256, 3, 8),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    func read(_ c: (blockSize: Int, threads: Int, minimumPieceBytes: Int)) -> Result<ReferenceTable, DatasetError> {
        Result { () throws(DatasetError) -> ReferenceTable in
            ReferenceTable(try AtomicTable.parse(bytes: bytes, file: "fuzz.csv", delimiter: UInt8(ascii: ","),
                                                 blockSize: c.blockSize, threads: c.threads, minimumPieceBytes: c.minimumPieceBytes))
        }
    }
    // A block just larger than the input rather than the default 32 MB, which ASan would map
    // and unmap on every run.
    let single = read((size + 1, 1, 1 << 20))
    if case let .failure(error) = single { _ = error.description }
    // Property 1: reading in blocks and pieces gives exactly what one pass gives (values, token
    // order, lines) or exactly the same first error.
    for c in fuzzConfigurations {
        let other = read(c)
        if other != single {
            fatalError("blocks of \(c.blockSize), \(c.threads) threads: \(describe(other)) vs one pass: \(describe(single))")
        }
    }
    // Property 2: the result equals the straightforward reference reader's (Tests/DatasetsTests),
    // for UTF-8 text: the reference interns decoded Strings, so two invalid byte sequences that
    // decode to the same replacement characters are one token there and two in the reader.
    guard String(decoding: bytes, as: UTF8.self).utf8.elementsEqual(bytes) else { return 0 }
    let reference = Result { () throws(DatasetError) -> ReferenceTable in try ReferenceCSVParser.parse(bytes, file: "fuzz.csv") }
    if reference != single {
        fatalError("reader: \(describe(single)) vs reference: \(describe(reference))")
    }
    return 0
}

func describe(_ r: Result<ReferenceTable, DatasetError>) -> String {
    switch r {
    case let .success(t): "\(t.columns.count) columns, \(t.lines.count) rows, \(t.columns.map { "\($0.name) \($0.tokens) \($0.ids) \($0.floatBits) \($0.offsets)" })"
    case let .failure(e): "error \(e)"
    }
}
