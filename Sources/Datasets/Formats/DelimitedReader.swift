import CDelimitedText
import Foundation

/// Where one field lies in the file's bytes. Quoted fields exclude their quotes; `escaped`
/// says doubled quotes inside must be collapsed.
struct FieldRange {
    var start: Int
    var end: Int
    var escaped: Bool
}

/// Records found by a `DelimitedReader`, a stretch at a time, stored column by column so that
/// a consumer reads each column's fields in order: field c of record r is `fields[c * stride + r]`.
struct RecordBatch {
    let fields: UnsafeBufferPointer<FieldRange>
    let stride: Int
    /// The 1-based line of each record.
    let lines: UnsafeBufferPointer<Int32>

    var rows: Int { lines.count }
    var width: Int { fields.count / stride }

    /// Column c's fields, record by record.
    func column(_ c: Int) -> UnsafeBufferPointer<FieldRange> {
        UnsafeBufferPointer(rebasing: fields[(c * stride)..<(c * stride + rows)])
    }
}

/// Receives the records a `DelimitedReader` finds, in file order.
protocol RecordConsumer {
    /// Fields per record once the header has been consumed; nil before.
    var width: Int? { get }
    /// Takes every record of `batch` (the header alone, while `width` is nil), or throws the
    /// error of the first faulty field in file order.
    mutating func consume(_ batch: RecordBatch, bytes: UnsafeBufferPointer<UInt8>) throws(DatasetError)
}

/// A byte-level reader of RFC 4180 delimited text (comma for .csv, tab for RecBole's .inter,
/// .user, .item): quoted fields with doubled quotes, CRLF or LF, a UTF-8 byte-order mark.
/// Errors name the file, the 1-based line of the record and the 1-based column.
struct DelimitedReader {
    let file: String
    let delimiter: UInt8
    /// Records handed over at a time: enough to make per-batch costs vanish, few enough that
    /// their field ranges stay in cache.
    static let batchRecords = 4096

    init(file: String, delimiter: UInt8) {
        self.file = file
        self.delimiter = delimiter
    }

    static func delimiter(forPath path: String) -> UInt8 {
        let ext = (path as NSString).pathExtension.lowercased()
        return ["inter", "user", "item", "tsv", "kg", "link", "net"].contains(ext) ? UInt8(ascii: "\t") : UInt8(ascii: ",")
    }

    /// Hands every non-blank record of `b[start..<end]` to `consumer`, in batches; the first
    /// record is the header when the consumer has none yet. The range must begin at a record
    /// start and end at a record end (after a line feed outside quotes) or at the end of the
    /// file. `firstLine` is the 1-based line at `start`, `byteOffset` the file offset of `b[0]`
    /// (for messages). Returns the line after the range. A malformed record ends the scan: the
    /// records before it are consumed first, so a fault in one of their fields, which comes
    /// earlier in the file, is the error reported.
    func scan<Consumer: RecordConsumer>(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, firstLine: Int,
                                        byteOffset: Int, into consumer: inout Consumer) throws(DatasetError) -> Int {
        guard start < end else { return firstLine }
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r"), delim = delimiter
        // Stage one: a bit per byte that can end an unquoted field (see CDelimitedText).
        let bits = UnsafeMutablePointer<UInt64>.allocate(capacity: (end - start) / 64 + 1)
        defer { bits.deallocate() }
        // Without quotes and carriage returns every stop is a delimiter or a line feed, and a
        // record's fields end at its next `width` stops (the fast path below).
        let plain = fl_delimited_stops(b.baseAddress! + start, end - start, delim, bits) == 0
        // A cursor over the bitmap: the last stop found (relative to `start`), its word, and that
        // word's bits after it. A field that begins just past the last stop (after a delimiter or
        // a line feed: nearly every field) takes the next set bit from a register, so the scan
        // does not wait on a load and a variable shift per field.
        var lastStop = -2, cursorWord = 0, laterBits: UInt64 = 0
        /// The first delimiter, CR, LF or quote at or after `i`, or `end`.
        @inline(__always) func nextStop(_ i: Int) -> Int {
            let j = i &- start
            var w: Int, word: UInt64
            if j == lastStop &+ 1 {
                w = cursorWord
                word = laterBits
            } else {
                w = j >> 6
                word = bits[w] & (~0 << UInt64(j & 63))
            }
            while word == 0 { w += 1; word = bits[w] }  // the sentinel bits stop this at `end`
            lastStop = (w << 6) &+ word.trailingZeroBitCount
            cursorWord = w
            laterBits = word & (word &- 1)
            return start &+ lastStop
        }

        let n = end
        var i = start
        if byteOffset + start == 0 && n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { i = 3 }
        var line = firstLine
        // The batch's storage: column-major fields and lines for `capacity` records, and the
        // header's fields while there is no header yet.
        let capacity = Self.batchRecords
        var width = consumer.width ?? 0
        var header: [FieldRange] = []
        var fields: UnsafeMutablePointer<FieldRange>? = width > 0 ? .allocate(capacity: width * capacity) : nil
        let lines = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        defer { fields?.deallocate(); lines.deallocate() }
        var rows = 0
        func batch() -> RecordBatch {
            RecordBatch(fields: UnsafeBufferPointer(start: fields, count: width * capacity), stride: capacity,
                        lines: UnsafeBufferPointer(start: lines, count: rows))
        }
        /// Ends a record whose fields are in place: its line noted, the batch handed over when full.
        @inline(__always) func endRecord(at recordLine: Int) throws(DatasetError) {
            lines[rows] = Int32(truncatingIfNeeded: recordLine)
            rows += 1
            if rows == capacity {
                try consumer.consume(batch(), bytes: b)
                rows = 0
            }
        }
        while i < n {
            let recordLine = line
            // A blank line ends nothing and holds nothing: skip it.
            if b[i] == lf { line += 1; i += 1; continue }
            if b[i] == cr && i + 1 < n && b[i + 1] == lf { line += 1; i += 2; continue }
            if plain && width > 0 {
                // Field c ends at the record's c-th stop; only a record with the wrong number of
                // fields leaves this path, to be read again below, which reports it.
                let recordStart = i
                var c = 0, whole = false
                while true {
                    let stop = nextStop(i)
                    fields.unsafelyUnwrapped[c &* capacity &+ rows] = FieldRange(start: i, end: stop, escaped: false)
                    c &+= 1
                    let delimited = stop < n && b[stop] == delim
                    if delimited && c < width { i = stop &+ 1; continue }
                    if !delimited && c == width { i = stop < n ? stop &+ 1 : n; whole = true }
                    break
                }
                if whole {
                    line += 1
                    try endRecord(at: recordLine)
                    continue
                }
                i = recordStart
            }
            var count = 0
            @inline(__always) func put(_ f: FieldRange) {
                if width == 0 { header.append(f) } else if count < width { fields.unsafelyUnwrapped[count &* capacity &+ rows] = f }
                count += 1
            }
            var fault: DatasetError?
            record: while true {
                if i < n && b[i] == quote {
                    let open = i
                    i += 1
                    let fieldStart = i
                    var escaped = false
                    while true {
                        guard i < n else {
                            fault = .csv(file: file, line: recordLine, column: count + 1,
                                         message: "unterminated quoted field (opened at byte \(byteOffset + open)); close it with a double quote")
                            break record
                        }
                        if b[i] == quote {
                            if i + 1 < n && b[i + 1] == quote { escaped = true; i += 2; continue }
                            break
                        }
                        if b[i] == lf { line += 1 }
                        i += 1
                    }
                    put(FieldRange(start: fieldStart, end: i, escaped: escaped))
                    i += 1  // closing quote
                    if i < n && b[i] != delim && b[i] != lf && b[i] != cr {
                        fault = .csv(file: file, line: line, column: count,
                                     message: "unexpected character \"\(Character(Unicode.Scalar(b[i])))\" after a closing quote; a quoted field must end at the delimiter")
                        break record
                    }
                } else {
                    let fieldStart = i
                    i = nextStop(i)
                    if i < n && b[i] == quote {
                        fault = .csv(file: file, line: line, column: count + 1,
                                     message: "quote inside an unquoted field; quote the whole field and double the inner quote (\"\"\"\")")
                        break record
                    }
                    put(FieldRange(start: fieldStart, end: i, escaped: false))
                }
                if i < n && b[i] == delim { i += 1; continue }
                // End of record: LF, CRLF, lone CR, or end of file.
                if i < n && b[i] == cr { i += 1 }
                if i < n && b[i] == lf { i += 1 }
                line += 1
                break
            }
            if fault == nil, width > 0, count != width {
                fault = .csv(file: file, line: recordLine, column: min(count, width) + 1,
                             message: "expected \(width) fields as in the header, found \(count)")
            }
            if let fault {
                if rows > 0 { try consumer.consume(batch(), bytes: b) }
                throw fault
            }
            if width == 0 {
                lines[0] = Int32(truncatingIfNeeded: recordLine)
                try header.withUnsafeBufferPointer { (h) throws(DatasetError) in
                    try consumer.consume(RecordBatch(fields: h, stride: 1, lines: UnsafeBufferPointer(start: lines, count: 1)), bytes: b)
                }
                width = consumer.width ?? 0
                precondition(width == header.count, "the consumer took a header of \(header.count) fields as \(width)")
                fields = .allocate(capacity: width * capacity)
                continue
            }
            try endRecord(at: recordLine)
        }
        if rows > 0 { try consumer.consume(batch(), bytes: b) }
        return line
    }

    /// A field's bytes with doubled quotes collapsed, into `out` (emptied first).
    static func collapseQuotes(_ f: FieldRange, _ b: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        var i = f.start
        while i < f.end {
            out.append(b[i])
            i += b[i] == UInt8(ascii: "\"") && i + 1 < f.end && b[i + 1] == UInt8(ascii: "\"") ? 2 : 1
        }
    }

    /// A field's text (collapsing doubled quotes), for headers and messages.
    static func string(_ f: FieldRange, _ b: UnsafeBufferPointer<UInt8>) -> String {
        let s = String(decoding: UnsafeBufferPointer(rebasing: b[f.start..<f.end]), as: UTF8.self)
        return f.escaped ? s.replacingOccurrences(of: "\"\"", with: "\"") : s
    }
}

/// Where a buffer of whole records may be cut: after a line feed outside quotes. Quotes are
/// counted from a record start, so an even count before a line feed means it ends a record
/// (in well-formed text; malformed text fails in the chunk that holds its first fault).
enum RecordBoundaries {
    /// Whether `b[start..<end]` holds no quote: then every line feed in it ends a record, and the
    /// searches below need not count quotes from the block's start (a pass over the block each,
    /// between the blocks' parallel reads, while the other threads wait).
    static func quoteFree(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        end <= start || memchr(b.baseAddress! + start, Int32(UInt8(ascii: "\"")), end - start) == nil
    }

    /// Just after the last line feed of `b[start..<end]` that lies outside quotes; `quoteFree`
    /// says that the range holds no quote (`quoteFree(_:from:to:)`).
    static func last(in b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, quoteFree: Bool = false) -> Int? {
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n")
        if quoteFree {
            var i = end - 1
            while i >= start && b[i] != lf { i -= 1 }
            return i >= start ? i + 1 : nil
        }
        let quotes = count(quote, in: b, from: start, to: end)
        var after = 0
        var i = end - 1
        while i >= start {
            let c = b[i]
            if c == lf && (quotes - after) & 1 == 0 { return i + 1 }
            if c == quote { after += 1 }
            i -= 1
        }
        return nil
    }

    /// Just after the first line feed at or after `from` (quotes counted from `start`) that lies
    /// outside quotes, if it comes before `end`; `quoteFree` says that `b[start..<end]` holds no quote.
    static func first(in b: UnsafeBufferPointer<UInt8>, start: Int, from: Int, to end: Int, quoteFree: Bool = false) -> Int? {
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n")
        var quotes = quoteFree ? 0 : count(quote, in: b, from: start, to: from)
        var i = from
        while i < end {
            let c = b[i]
            if c == lf && quotes & 1 == 0 { return i + 1 }
            if c == quote { quotes += 1 }
            i += 1
        }
        return nil
    }

    static func count(_ byte: UInt8, in b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var total = 0
        var i = start
        while i < end {
            // Chunks of at most 255 so the byte-wide sums vectorise without overflowing.
            let stop = min(end, i + 255)
            var partial: UInt8 = 0
            while i < stop { partial &+= b[i] == byte ? 1 : 0; i += 1 }
            total += Int(partial)
        }
        return total
    }
}
