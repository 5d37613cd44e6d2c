import Foundation
import Tensor

/// Builds the typed columns of one table from its records: the first record is the typed header.
struct TableBuilder: RecordConsumer {
    let file: String
    var builders: [ColumnBuilder] = []
    var lines: [Int32] = []

    init(file: String) { self.file = file }

    /// A builder for a later stretch of the same file: the same columns, fresh interners.
    init(continuing other: TableBuilder) {
        file = other.file
        builders = other.builders.map { ColumnBuilder(spec: $0.spec, file: other.file) }
    }

    var hasHeader: Bool { !builders.isEmpty }
    var width: Int? { builders.isEmpty ? nil : builders.count }
    var rowCount: Int { lines.count }

    mutating func consume(_ batch: RecordBatch, bytes b: UnsafeBufferPointer<UInt8>) throws(DatasetError) {
        guard hasHeader else { return try readHeader(batch, bytes: b) }
        // Column by column (each column's loop keeps its interner hot); the first faulty field in
        // file order wins: a later column only reads the rows above the earliest fault so far.
        var fault: (row: Int, error: DatasetError)?
        builders.withUnsafeMutableBufferPointer { columns in
            for k in columns.indices {
                let rows = fault?.row ?? batch.rows
                let fields = UnsafeBufferPointer(rebasing: batch.column(k)[..<rows])
                if let found = columns[k].append(column: k, fields: fields, lines: batch.lines, bytes: b) { fault = found }
            }
        }
        if let fault { throw fault.error }
        lines.append(contentsOf: batch.lines)
    }

    private mutating func readHeader(_ batch: RecordBatch, bytes b: UnsafeBufferPointer<UInt8>) throws(DatasetError) {
        let line = Int(batch.lines[0])
        var seen = Set<String>()
        for (k, f) in batch.fields.enumerated() {
            let bytes = UnsafeBufferPointer(rebasing: b[f.start..<f.end])
            if let bad = FieldText.firstInvalidUTF8(bytes) { throw FieldText.invalidUTF8(bytes, at: bad, file: file, line: line, column: k + 1) }
            let spec = try ColumnSpec.parse(DelimitedReader.string(f, b).trimmingCharacters(in: .whitespaces), file: file, column: k + 1)
            guard seen.insert(spec.name).inserted else {
                throw .csv(file: file, line: line, column: k + 1, message: "column \"\(spec.name)\" appears twice in the header")
            }
            builders.append(ColumnBuilder(spec: spec, file: file))
        }
    }

    /// Room for about `rows` more rows in every column, its pages mapped now
    /// (`ColumnBuilder.reserve`); with `threads` > 1 the columns side by side.
    mutating func reserve(rows: Int, threads: Int) {
        let width = builders.count
        builders.withUnsafeMutableBufferPointer { columns in
            withUnsafeMutablePointer(to: &lines) { lines in
                let shared = UncheckedSendable((columns, lines))
                let reserve = { @Sendable (k: Int) in
                    let (columns, lines) = shared.value
                    if k == width { lines.pointee.reserveMapped(lines.pointee.count + rows) } else { columns[k].reserve(rows: rows) }
                }
                if threads > 1 { DispatchQueue.concurrentPerform(iterations: width + 1, execute: reserve) } else { (0...width).forEach(reserve) }
            }
        }
    }

    /// Appends the rows of `part` (see `ColumnBuilder.append(rowsOf:map:)`), its lines moved on by
    /// `lineShift`. Columns are independent, so with `threads` > 1 they are appended side by side:
    /// this step runs between two blocks' parallel reads and would otherwise leave the rest idle.
    /// Returns the columns whose tokens the part should forget (`ColumnBuilder.forgetTokens`).
    @discardableResult
    mutating func append(rowsOf part: TableBuilder, maps: inout [[Int32]], lineShift: Int32, threads: Int = 1) -> [Int] {
        let width = builders.count
        let base = lines.count
        lines.append(contentsOf: repeatElement(0, count: part.lines.count))
        lines.withUnsafeMutableBufferPointer { out in
            part.lines.withUnsafeBufferPointer { source in
                for r in source.indices { out[base &+ r] = source[r] &+ lineShift }
            }
        }
        var forget = [Bool](repeating: false, count: width)
        if threads <= 1 {
            for k in 0..<width { forget[k] = builders[k].append(rowsOf: part.builders[k], map: &maps[k], lineShift: Int(lineShift)) }
        } else {
            builders.withUnsafeMutableBufferPointer { columns in
                maps.withUnsafeMutableBufferPointer { columnMaps in
                    forget.withUnsafeMutableBufferPointer { forget in
                        let shared = UncheckedSendable((columns, columnMaps, forget))
                        DispatchQueue.concurrentPerform(iterations: width) { k in
                            let (columns, columnMaps, forget) = shared.value
                            forget[k] = columns[k].append(rowsOf: part.builders[k], map: &columnMaps[k], lineShift: Int(lineShift))
                        }
                    }
                }
            }
        }
        return forget.indices.filter { forget[$0] }
    }

    mutating func removeRows() {
        lines.removeAll(keepingCapacity: true)
        for k in builders.indices { builders[k].removeRows() }
    }

    func finish() throws(DatasetError) -> AtomicTable {
        guard !builders.isEmpty else { throw .invalid(file: file, message: "is empty; the first line must be a typed header such as user_id:token,age:float") }
        return AtomicTable(file: file, columns: builders.map { $0.finish() }, lines: lines)
    }
}

/// Reads a table in blocks of whole records, so memory holds one block of text rather than the
/// file. With several threads a block is cut into pieces at record boundaries: the first piece
/// goes straight into the table, the others into builders of their own, whose rows are then
/// appended in file order with their tokens re-interned — ids stay in order of first appearance
/// and everything (values, lines, errors) is as a single pass would make it.
struct TableReader {
    var reader: DelimitedReader
    var table: TableBuilder
    /// Builders for pieces 2… of a block, kept across blocks with their interners and id maps.
    var parts: [TableBuilder] = []
    var maps: [[[Int32]]] = []
    var line = 1
    var threads: Int
    /// Blocks smaller than this are read in one piece.
    var minimumPieceBytes: Int
    /// Bytes per second each piece of the last blocks was read at (piece 0, which writes straight
    /// into the table's large interners, is the slower), and the seconds the last read of the
    /// next block's bytes took: a block is cut in proportion, the last piece (read by the thread
    /// that read those bytes) shorter by that time, so that the threads end together rather than
    /// wait for each other. Where the cuts fall never changes what is read, only how long the
    /// threads wait.
    var pieceRates: [Double] = []
    var readingSeconds = 0.0

    init(file: String, delimiter: UInt8, threads: Int, minimumPieceBytes: Int = 1 << 20) {
        reader = DelimitedReader(file: file, delimiter: delimiter)
        table = TableBuilder(file: file)
        self.threads = max(1, threads)
        self.minimumPieceBytes = max(1, minimumPieceBytes)
    }

    /// Reads the records of `b[start..<end]`, which begins at a record start and ends at a record
    /// end or the end of the file; `byteOffset` is the file offset of `b[0]`. `alongside` (the
    /// read of the next block's bytes) is called once: as a task beside the pieces (on a thread of
    /// its own it would take a core from one of them at random and leave the other waiting), or
    /// first when the block is read in one piece.
    mutating func read(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, byteOffset: Int, quoteFree: Bool = false,
                       alongside: (@Sendable () -> Void)? = nil) throws(DatasetError) {
        var start = start
        // The header alone first (record by record past any blank lines), so that the rest of
        // the first block can be cut into pieces too: they need its columns.
        while !table.hasHeader && threads > 1 && start < end {
            let cut = RecordBoundaries.first(in: b, start: start, from: start, to: end, quoteFree: quoteFree) ?? end
            line = try reader.scan(b, from: start, to: cut, firstLine: line, byteOffset: byteOffset, into: &table)
            start = cut
        }
        var cuts = [start]
        if table.hasHeader && threads > 1 {
            let pieces = min(threads, (end - start) / minimumPieceBytes)
            if pieces > 1 {
                let rates = pieceRates.count == pieces ? pieceRates : Array(repeating: 1, count: pieces)
                // Piece p ends `finish` seconds in, the last one as many seconds sooner as the
                // read beside it takes: piece p gets rates[p] * finish bytes.
                let bytes = Double(end - start), lastRate = rates[pieces - 1]
                let reading = alongside == nil ? 0 : min(readingSeconds, bytes / lastRate / 2)
                let finish = (bytes + lastRate * reading) / rates.reduce(0, +)
                var share = 0.0
                for p in 1..<pieces {
                    share += rates[p - 1] * finish
                    let target = max(start + Int(share), cuts.last!)
                    guard target < end, let cut = RecordBoundaries.first(in: b, start: start, from: target, to: end, quoteFree: quoteFree), cut < end else { break }
                    if cut > cuts.last! { cuts.append(cut) }
                }
            }
        }
        cuts.append(end)
        if cuts.count == 2 {
            alongside?()
            line = try reader.scan(b, from: start, to: end, firstLine: line, byteOffset: byteOffset, into: &table)
            return
        }
        try readPieces(b, cuts: cuts, byteOffset: byteOffset, alongside: alongside)
    }

    private mutating func readPieces(_ b: UnsafeBufferPointer<UInt8>, cuts: [Int], byteOffset: Int,
                                     alongside: (@Sendable () -> Void)?) throws(DatasetError) {
        let pieceCount = cuts.count - 1
        // Task 0 is the read beside the pieces when there is one: the thread that takes it then
        // takes the last piece, which the cuts made shorter.
        let first = alongside == nil ? 0 : 1
        while parts.count < pieceCount - 1 {
            parts.append(TableBuilder(continuing: table))
            maps.append(Array(repeating: [], count: table.builders.count))
        }
        // Piece 0 continues the table; piece p > 0 counts lines from 1, shifted once piece p−1's end is known.
        var outcomes = [Result<Int, DatasetError>](repeating: .success(0), count: pieceCount)
        var seconds = [Double](repeating: 0, count: first + pieceCount)
        let reader = self.reader, firstLine = line
        withUnsafeMutablePointer(to: &table) { tablePointer in
            parts.withUnsafeMutableBufferPointer { partPointers in
                outcomes.withUnsafeMutableBufferPointer { results in
                    seconds.withUnsafeMutableBufferPointer { seconds in
                        let shared = UncheckedSendable((tablePointer, partPointers, results, seconds, b))
                        DispatchQueue.concurrentPerform(iterations: first + pieceCount) { task in
                            let (tablePointer, partPointers, results, seconds, b) = shared.value
                            let started = DispatchTime.now().uptimeNanoseconds
                            defer { seconds[task] = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
                            if task < first { return alongside!() }
                            let p = task - first
                            results[p] = Result { () throws(DatasetError) -> Int in
                                if p == 0 {
                                    return try reader.scan(b, from: cuts[0], to: cuts[1], firstLine: firstLine, byteOffset: byteOffset, into: &tablePointer.pointee)
                                }
                                partPointers[p - 1].removeRows()
                                return try reader.scan(b, from: cuts[p], to: cuts[p + 1], firstLine: 1, byteOffset: byteOffset, into: &partPointers[p - 1])
                            }
                        }
                    }
                }
            }
        }
        if first == 1 { readingSeconds = seconds[0] }
        let measured = (0..<pieceCount).map { p in Double(cuts[p + 1] - cuts[p]) / max(seconds[first + p], 1e-6) }
        pieceRates = pieceRates.count == pieceCount ? zip(pieceRates, measured).map { ($0 + $1) / 2 } : measured
        // The first error in file order wins, with its line made absolute.
        var next = firstLine
        for p in 0..<pieceCount {
            switch outcomes[p] {
            case let .failure(error): throw p == 0 ? error : error.movingLines(by: next - 1)
            case let .success(end):
                if p > 0 {
                    let forgotten = table.append(rowsOf: parts[p - 1], maps: &maps[p - 1], lineShift: Int32(truncatingIfNeeded: next - 1), threads: threads)
                    for k in forgotten {
                        parts[p - 1].builders[k].forgetTokens()
                        maps[p - 1][k].removeAll(keepingCapacity: true)
                    }
                }
                next = p == 0 ? end : end + next - 1
            }
        }
        line = next
    }
}

extension DatasetError {
    /// The same error with its line number moved on (for a piece read with lines counted from 1).
    func movingLines(by shift: Int) -> DatasetError {
        if case let .csv(file, line, column, message) = self { return .csv(file: file, line: line + shift, column: column, message: message) }
        return self
    }
}

/// Where a table's bytes come from, a block at a time.
protocol ByteSource: SendableMetatype {
    /// Fills `buffer` as far as possible; returns the number of bytes read, 0 at the end.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(DatasetError) -> Int
}

struct FileByteSource: ByteSource {
    let descriptor: Int32
    let file: String

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(DatasetError) -> Int {
        var total = 0
        while total < buffer.count {
            let r = Foundation.read(descriptor, buffer.baseAddress! + total, buffer.count - total)
            if r < 0 {
                if errno == EINTR { continue }
                throw .invalid(file: file, message: "cannot be read: \(String(cString: strerror(errno)))")
            }
            if r == 0 { break }
            total += r
        }
        return total
    }
}

struct MemoryByteSource: ByteSource {
    let bytes: [UInt8]
    var position = 0

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(DatasetError) -> Int {
        let n = min(buffer.count, bytes.count - position)
        bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + position, byteCount: n) }
        position += n
        return n
    }
}

/// Filling a block's buffer from its source.
enum BlockFilling {
    /// Reads until `buffer` is full or the source ends. Returns whether the bytes it added hold no
    /// quote (`RecordBoundaries.quoteFree`): a reader that knows it finds a block's record
    /// boundaries without counting quotes.
    @discardableResult
    static func fill(_ source: inout some ByteSource, _ buffer: UnsafeMutableRawBufferPointer, filled: inout Int, atEnd: inout Bool) throws(DatasetError) -> Bool {
        let start = filled
        while !atEnd && filled < buffer.count {
            let r = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if r == 0 { atEnd = true } else { filled += r }
        }
        let bytes = UnsafeBufferPointer(start: buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), count: filled)
        return filled == start || RecordBoundaries.quoteFree(bytes, from: start, to: filled)
    }
}

extension TableReader {
    /// Reads a whole source block by block; with several threads the next block is read while
    /// this one is parsed (beside its pieces, see `TableReader.read`). `sizeHint` (the file size) lets the columns be reserved
    /// once after the first block.
    static func read<Source: ByteSource>(_ source: inout Source, file: String, delimiter: UInt8, sizeHint: Int?,
                                         blockSize: Int = 8 << 20, threads: Int = ComputeThreads.count, minimumPieceBytes: Int = 1 << 20,
                                         spill: SpilledColumns? = nil) throws(DatasetError) -> AtomicTable {
        // The source is reached through one pointer, valid for the whole read, because a task
        // beside the pieces reads from it while they are parsed.
        try withUnsafeMutablePointer(to: &source) { (source) throws(DatasetError) -> AtomicTable in
            try readBlocks(source, file: file, delimiter: delimiter, sizeHint: sizeHint, blockSize: blockSize, threads: threads,
                           minimumPieceBytes: minimumPieceBytes, spill: spill)
        }
    }

    private static func readBlocks<Source: ByteSource>(_ source: UnsafeMutablePointer<Source>, file: String, delimiter: UInt8, sizeHint: Int?,
                                                       blockSize: Int, threads: Int, minimumPieceBytes: Int,
                                                       spill: SpilledColumns?) throws(DatasetError) -> AtomicTable {
        var tableReader = TableReader(file: file, delimiter: delimiter, threads: threads, minimumPieceBytes: minimumPieceBytes)
        var capacity = max(blockSize, 16)
        // Two buffers: one parsed while the other is filled.
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 64)
        var spare = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 64)
        defer { buffer.deallocate(); spare.deallocate() }
        let readingAhead = threads > 1
        var filled = 0, offset = 0
        var atEnd = false, reserved = false
        // Whether the block holds no quote, known from the read that filled it (for the next
        // block, the task that reads it), so that finding its cuts takes no pass of its own.
        var quoteFree = try BlockFilling.fill(&source.pointee, buffer, filled: &filled, atEnd: &atEnd)
        while true {
            let b = UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: filled)
            var end = filled
            if !atEnd {
                guard let boundary = RecordBoundaries.last(in: b, from: 0, to: filled, quoteFree: quoteFree) else {
                    // A record (or a quoted field) longer than the block: read on with larger buffers.
                    let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity * 2, alignment: 64)
                    larger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[..<filled]))
                    buffer.deallocate()
                    spare.deallocate()
                    buffer = larger
                    spare = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity * 2, alignment: 64)
                    capacity *= 2
                    quoteFree = try BlockFilling.fill(&source.pointee, buffer, filled: &filled, atEnd: &atEnd) && quoteFree
                    continue
                }
                end = boundary
            }
            // The bytes after the last whole record start the next block.
            let rest = filled - end
            if rest > 0 { spare.baseAddress!.copyMemory(from: buffer.baseAddress! + end, byteCount: rest) }
            let restQuoteFree = quoteFree || RecordBoundaries.quoteFree(b, from: end, to: filled)
            // With several threads the next block is read into `spare` while this one is parsed,
            // as a task beside its pieces.
            var next: Result<(filled: Int, atEnd: Bool, quoteFree: Bool), DatasetError> = .success((rest, false, restQuoteFree))
            let readingNext = readingAhead && !atEnd
            try withUnsafeMutablePointer(to: &next) { (next) throws(DatasetError) in
                let shared = UncheckedSendable((source, spare, next))
                let readNext: @Sendable () -> Void = {
                    let (source, spare, next) = shared.value
                    next.pointee = Result { () throws(DatasetError) -> (filled: Int, atEnd: Bool, quoteFree: Bool) in
                        var filled = rest, atEnd = false
                        let readQuoteFree = try BlockFilling.fill(&source.pointee, spare, filled: &filled, atEnd: &atEnd)
                        return (filled, atEnd, restQuoteFree && readQuoteFree)
                    }
                }
                try tableReader.read(b, from: 0, to: end, byteOffset: offset, quoteFree: quoteFree, alongside: readingNext ? readNext : nil)
            }
            if let spill { try spill.append(rowsOf: &tableReader.table) }
            if !reserved, spill == nil, let sizeHint, tableReader.table.hasHeader, tableReader.table.rowCount > 0, !atEnd {
                // Rows still to come, estimated from the bytes per row so far, with a little slack.
                let perRow = Double(offset + end) / Double(tableReader.table.rowCount)
                tableReader.table.reserve(rows: Int(Double(sizeHint - offset - end) / perRow * 1.02) + 1024, threads: threads)
                reserved = true
            }
            offset += end
            if atEnd { break }
            filled = rest
            if readingNext {
                (filled, atEnd, quoteFree) = try next.get()
            } else {
                quoteFree = try BlockFilling.fill(&source.pointee, spare, filled: &filled, atEnd: &atEnd) && restQuoteFree
            }
            swap(&buffer, &spare)
        }
        return try tableReader.table.finish()
    }
}
