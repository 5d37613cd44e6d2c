import CDelimitedText
import Foundation

/// Accumulates one column while the file is read.
struct ColumnBuilder {
    let spec: ColumnSpec
    /// The file's name, for messages.
    let file: String
    var tokens = TokenInterner()
    var ids: [Int32] = []
    var floats: [Double] = []
    var offsets: [Int32] = [0]
    /// The last token interned (its id, length and slot key): ids such as user and session
    /// repeat row after row, and a comparison in registers is cheaper than a hash lookup.
    private var lastID: Int32 = -1
    private var lastLength = -1
    private var lastKey: UInt64 = 0
    private var scratch: [UInt8] = []
    /// A quoted field with its doubled quotes collapsed (kept to reuse its capacity).
    private var unquoted: [UInt8] = []
    /// The first field whose value is missing (an empty token or float field, or `nan`) and the
    /// first whose number is infinite (`inf`, or too large for a double): noted while reading, on
    /// paths the plain decimals never take, so the loader can apply its rules without a pass
    /// over the values and quote the text.
    private(set) var firstMissing: FieldSite?
    private(set) var firstInfinite: FieldSite?
    /// Whether `firstMissing` is set: a Bool test per empty field, where testing the optional
    /// struct goes through its value witnesses.
    private var missingNoted = false

    init(spec: ColumnSpec, file: String) { self.spec = spec; self.file = file }

    /// How many rows ahead a token loop prefetches: enough lookups in flight to cover a miss to
    /// memory, few enough that the lines are still cached when their row comes.
    static let prefetchDistance = 16

    /// Appends this column's field of each record of a batch (`fields[r]` is record r's, on
    /// line `lines[r]`; the builder is column `k` of the header). On a faulty field it stops and
    /// returns its record and error: the read then fails, so what was appended no longer matters.
    mutating func append(column k: Int, fields: UnsafeBufferPointer<FieldRange>, lines: UnsafeBufferPointer<Int32>,
                         bytes b: UnsafeBufferPointer<UInt8>) -> (row: Int, error: DatasetError)? {
        switch spec.type {
        case .token: return appendTokens(column: k, fields: fields, lines: lines, bytes: b)
        case .float: return appendFloats(column: k, fields: fields, lines: lines, bytes: b)
        case .tokenSequence, .floatSequence:
            for r in fields.indices {
                do throws(DatasetError) { try append(fields[r], b, line: Int(lines[r]), column: k + 1) } catch { return (r, error) }
            }
            return nil
        }
    }

    /// The token loop, writing ids into room made once (an append per field would check the
    /// array's uniqueness and capacity each time).
    private mutating func appendTokens(column k: Int, fields: UnsafeBufferPointer<FieldRange>, lines: UnsafeBufferPointer<Int32>,
                                       bytes b: UnsafeBufferPointer<UInt8>) -> (row: Int, error: DatasetError)? {
        let rows = fields.count
        let base = ids.count
        var out = ids
        ids = []  // `out` is now the only reference, and `self` may be mutated while it is written
        out.append(contentsOf: repeatElement(-1, count: rows))
        defer { ids = out }
        // Ids that change from row to row in a table larger than the cache (items, say) miss it on
        // every lookup: prefetching the slot a value some rows ahead will probe overlaps those
        // misses. A value equal to the one above it is skipped, as `intern` answers it from registers.
        let prefetching = tokens.isLarge
        return out.withUnsafeMutableBufferPointer { o in
            for r in 0..<rows {
                let f = fields[r]
                if prefetching && r &+ Self.prefetchDistance < rows {
                    let ahead = fields[r &+ Self.prefetchDistance], above = fields[r &+ Self.prefetchDistance &- 1]
                    let length = ahead.end &- ahead.start
                    if !ahead.escaped && length > 0 {
                        let t = UnsafeBufferPointer(start: b.baseAddress! + ahead.start, count: length)
                        if length != above.end &- above.start
                            || TokenInterner.key(t) != TokenInterner.key(UnsafeBufferPointer(start: b.baseAddress! + above.start, count: length)) {
                            tokens.prefetch(t)
                        }
                    }
                }
                do throws(DatasetError) {
                    if f.escaped {
                        o[base &+ r] = try internEscaped(f, b, line: Int(lines[r]), column: k + 1)
                    } else if f.end == f.start {
                        if !missingNoted { noteMissing(FieldSite(line: Int(lines[r]), column: k + 1, text: "")) }
                    } else {
                        o[base &+ r] = try intern(UnsafeBufferPointer(start: b.baseAddress! + f.start, count: f.end &- f.start),
                                                  line: Int(lines[r]), column: k + 1)
                    }
                } catch {
                    return (r, error)
                }
            }
            return nil
        }
    }

    private mutating func appendFloats(column k: Int, fields: UnsafeBufferPointer<FieldRange>, lines: UnsafeBufferPointer<Int32>,
                                       bytes b: UnsafeBufferPointer<UInt8>) -> (row: Int, error: DatasetError)? {
        let rows = fields.count
        let base = floats.count
        var out = floats
        floats = []
        out.append(contentsOf: repeatElement(.nan, count: rows))
        defer { floats = out }
        return out.withUnsafeMutableBufferPointer { o in
            for r in 0..<rows {
                let f = fields[r]
                do throws(DatasetError) {
                    if f.escaped {
                        let text = takeCollapsed(f, b)
                        defer { unquoted = text }
                        o[base &+ r] = try text.withUnsafeBufferPointer { (t) throws(DatasetError) in try parseFloat(t, line: Int(lines[r]), column: k + 1) }
                    } else {
                        o[base &+ r] = try parseFloat(UnsafeBufferPointer(start: b.baseAddress! + f.start, count: f.end &- f.start),
                                                      line: Int(lines[r]), column: k + 1)
                    }
                } catch {
                    return (r, error)
                }
            }
            return nil
        }
    }

    private mutating func internEscaped(_ f: FieldRange, _ b: UnsafeBufferPointer<UInt8>, line: Int, column: Int) throws(DatasetError) -> Int32 {
        let text = takeCollapsed(f, b)
        defer { unquoted = text }
        return try text.withUnsafeBufferPointer { (t) throws(DatasetError) -> Int32 in
            if t.isEmpty {
                if !missingNoted { noteMissing(FieldSite(line: line, column: column, text: "")) }
                return -1
            }
            return try intern(t, line: line, column: column)
        }
    }

    /// A quoted field's bytes with its doubled quotes collapsed, in the builder's reused buffer,
    /// taken out of `self` (so self may be mutated while they are read): give it back to `unquoted`.
    private mutating func takeCollapsed(_ f: FieldRange, _ b: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var text = unquoted
        unquoted = []
        DelimitedReader.collapseQuotes(f, b, into: &text)
        return text
    }

    private mutating func noteMissing(_ site: FieldSite) {
        missingNoted = true
        firstMissing = site
    }

    @inline(__always)
    mutating func append(_ f: FieldRange, _ b: UnsafeBufferPointer<UInt8>, line: Int, column: Int) throws(DatasetError) {
        if f.escaped {
            let text = takeCollapsed(f, b)
            defer { unquoted = text }
            try text.withUnsafeBufferPointer { (t) throws(DatasetError) in try appendText(t, line: line, column: column) }
        } else {
            try appendText(UnsafeBufferPointer(start: b.baseAddress! + f.start, count: f.end - f.start), line: line, column: column)
        }
    }

    @inline(__always)
    private mutating func appendText(_ t: UnsafeBufferPointer<UInt8>, line: Int, column: Int) throws(DatasetError) {
        switch spec.type {
        case .token:
            if t.isEmpty {
                if !missingNoted { noteMissing(FieldSite(line: line, column: column, text: "")) }
                ids.append(-1)
            } else {
                ids.append(try intern(t, line: line, column: column))
            }
        case .float:
            floats.append(try parseFloat(t, line: line, column: column))
        case .tokenSequence:
            try forEachWord(t) { (w: UnsafeBufferPointer<UInt8>) throws(DatasetError) in ids.append(try internNew(w, line: line, column: column)) }
            offsets.append(Int32(ids.count))
        case .floatSequence:
            try forEachWord(t) { (w: UnsafeBufferPointer<UInt8>) throws(DatasetError) in floats.append(try parseFloat(w, line: line, column: column)) }
            offsets.append(Int32(floats.count))
        }
    }

    @inline(__always)
    private mutating func intern(_ t: UnsafeBufferPointer<UInt8>, line: Int, column: Int) throws(DatasetError) -> Int32 {
        let key = TokenInterner.key(t)
        if t.count == lastLength && key == lastKey && (t.count <= 8 || tokens.matches(lastID, t)) { return lastID }
        lastID = try internNew(t, line: line, column: column)
        lastLength = t.count
        lastKey = key
        return lastID
    }

    /// Interns `t`, checking its UTF-8 the first time it is seen (a token already interned was
    /// checked then, so repeated ids cost nothing).
    @inline(__always)
    private mutating func internNew(_ t: UnsafeBufferPointer<UInt8>, line: Int, column: Int) throws(DatasetError) -> Int32 {
        let known = tokens.count
        let id = tokens.intern(t)
        if tokens.count > known, let bad = FieldText.firstInvalidUTF8(t) {
            throw FieldText.invalidUTF8(t, at: bad, file: file, line: line, column: column)
        }
        return id
    }

    private func forEachWord(_ t: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws(DatasetError) -> Void) throws(DatasetError) {
        var i = 0
        while i < t.count {
            while i < t.count && t[i] == UInt8(ascii: " ") { i += 1 }
            let start = i
            while i < t.count && t[i] != UInt8(ascii: " ") { i += 1 }
            if i > start { try body(UnsafeBufferPointer(rebasing: t[start..<i])) }
        }
    }

    /// Decimal or scientific notation; an empty field is missing (NaN).
    @inline(__always)
    private mutating func parseFloat(_ t: UnsafeBufferPointer<UInt8>, line: Int, column: Int) throws(DatasetError) -> Double {
        var lo = 0, hi = t.count
        while lo < hi && (t[lo] == 32 || t[lo] == 9) { lo += 1 }
        while hi > lo && (t[hi - 1] == 32 || t[hi - 1] == 9) { hi -= 1 }
        if lo == hi {
            if !missingNoted { noteMissing(FieldSite(line: line, column: column, text: "")) }
            return .nan
        }
        if let value = DecimalParsing.parse(t.baseAddress! + lo, count: hi - lo) { return value }
        return try parseFloatSlowly(UnsafeBufferPointer(rebasing: t[lo..<hi]), line: line, column: column)
    }

    /// `strtod` on a NUL-terminated copy: exponents, long mantissas, nan, inf — and errors.
    private mutating func parseFloatSlowly(_ t: UnsafeBufferPointer<UInt8>, line: Int, column: Int) throws(DatasetError) -> Double {
        let n = t.count
        if scratch.count < n + 1 { scratch = [UInt8](repeating: 0, count: max(n + 1, 64)) }
        let value: Double? = scratch.withUnsafeMutableBufferPointer { s in
            for k in 0..<n { s[k] = t[k] }
            s[n] = 0
            return s.baseAddress!.withMemoryRebound(to: CChar.self, capacity: n + 1) { p in
                var end: UnsafeMutablePointer<CChar>?
                let v = strtod(p, &end)
                return end == p + n ? v : nil
            }
        }
        guard let value, !value.isNaN || n == 3 else {
            throw .csv(file: file, line: line, column: column,
                       message: "\"\(FieldText.display(t))\" is not a number (column \"\(spec.name)\" is declared :\(spec.type.rawValue); leave the field empty for a missing value)")
        }
        if value.isNaN && !missingNoted { noteMissing(FieldSite(line: line, column: column, text: FieldText.display(t))) }
        if value.isInfinite && firstInfinite == nil { firstInfinite = FieldSite(line: line, column: column, text: FieldText.display(t)) }
        return value
    }

    /// Room for about `rows` more rows, so the big columns grow once instead of doubling, its
    /// pages mapped now (`Array.reserveMapped`).
    mutating func reserve(rows: Int) {
        switch spec.type {
        case .token: ids.reserveMapped(ids.count + rows)
        case .float: floats.reserveMapped(floats.count + rows)
        case .tokenSequence, .floatSequence: offsets.reserveMapped(offsets.count + rows)
        }
    }

    /// The values of the rows read so far, forgotten here; the interner and the noted fields stay
    /// (a table whose values go to a `SpilledColumns` block by block).
    mutating func takeRows() -> (ids: [Int32], floats: [Double]) {
        defer {
            ids.removeAll(keepingCapacity: true)
            floats.removeAll(keepingCapacity: true)
            offsets.removeAll(keepingCapacity: true)
            offsets.append(0)
        }
        return (ids, floats)
    }

    /// Forgets the rows read so far but keeps the interner (and its ids) and the capacity.
    mutating func removeRows() {
        firstMissing = nil
        missingNoted = false
        firstInfinite = nil
        ids.removeAll(keepingCapacity: true)
        floats.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        offsets.append(0)
    }

    /// Appends the rows of `part`, a builder of the same column that read a later stretch of the
    /// file with its own interner: its ids are translated through `map` (part id → id here, an
    /// entry for each token the part had met by its last stretch), interning new tokens in the
    /// order the rows meet them — the order a single pass would have met them. Its noted fields
    /// count lines from 1: `lineShift` makes them absolute.
    ///
    /// Returns whether the part should forget its tokens (`forgetTokens`) before its next stretch:
    /// when most of the tokens it met for the first time were new here as well (ids such as
    /// sessions, which never come back), its interner and the map only grow, soon outgrow the
    /// cache and make every lookup a miss to memory, while a fresh interner loses nothing.
    @discardableResult
    mutating func append(rowsOf part: ColumnBuilder, map: inout [Int32], lineShift: Int) -> Bool {
        func shifted(_ site: FieldSite?) -> FieldSite? { site.map { FieldSite(line: $0.line + lineShift, column: $0.column, text: $0.text) } }
        // Rows arrive in file order, so a field noted here already comes first.
        firstMissing = firstMissing ?? shifted(part.firstMissing)
        missingNoted = firstMissing != nil
        firstInfinite = firstInfinite ?? shifted(part.firstInfinite)
        // Every token the part met in earlier stretches is mapped (all were in rows appended then).
        let freshInPart = part.tokens.count - map.count, countBefore = tokens.count
        switch spec.type {
        case .token, .tokenSequence:
            // The part's tokens not met before are the last ones it interned, in its ids' order,
            // which is the order its rows first meet them: interned here in that order, they get
            // the ids a single pass would give. Ahead of each, the table slot of a token further
            // on is prefetched, as lookups in an interner larger than the cache would each stall.
            let prefetching = tokens.isLarge
            map.reserveCapacity(part.tokens.count)
            for raw in map.count..<part.tokens.count {
                if prefetching && raw &+ Self.prefetchDistance < part.tokens.count {
                    part.tokens.withBytes(of: Int32(raw &+ Self.prefetchDistance)) { tokens.prefetch($0) }
                }
                map.append(part.tokens.withBytes(of: Int32(raw)) { tokens.intern($0) })
            }
            // Then every row's id, through the map (room made once and filled through a pointer:
            // an append per id would check the array's uniqueness and capacity each time).
            let base = ids.count
            var out = ids
            ids = []
            out.append(contentsOf: repeatElement(-1, count: part.ids.count))
            out.withUnsafeMutableBufferPointer { o in
                part.ids.withUnsafeBufferPointer { source in
                    map.withUnsafeBufferPointer { m in
                        for r in source.indices {
                            let raw = source[r]
                            if raw >= 0 { o[base &+ r] = m[Int(raw)] }
                        }
                    }
                }
            }
            ids = out
            if spec.type == .tokenSequence { offsets.append(contentsOf: part.offsets.dropFirst().lazy.map { $0 + Int32(base) }) }
        case .float, .floatSequence:
            let base = Int32(floats.count)
            floats.append(contentsOf: part.floats)
            if spec.type == .floatSequence { offsets.append(contentsOf: part.offsets.dropFirst().lazy.map { $0 + base }) }
        }
        return freshInPart > 0 && (tokens.count - countBefore) * 2 > freshInPart
    }

    /// Starts a fresh interner (a part builder whose ids the table no longer maps; see
    /// `append(rowsOf:map:lineShift:)`), forgetting the last token too: its id was the old interner's.
    mutating func forgetTokens() {
        tokens = TokenInterner()
        lastID = -1
        lastLength = -1
        lastKey = 0
    }

    func finish() -> Column {
        let values: ColumnValues = switch spec.type {
        case .token: .tokens(ids)
        case .float: .floats(floats)
        case .tokenSequence: .tokenSequences(offsets: offsets, ids: ids)
        case .floatSequence: .floatSequences(offsets: offsets, values: floats)
        }
        return Column(spec: spec, values: values, tokens: tokens, firstMissing: firstMissing, firstInfinite: firstInfinite)
    }
}

extension Array {
    /// `reserveCapacity(capacity)`, with the pages of the room beyond the count mapped at once
    /// (`fl_populate_pages`): for a column reserved for the rows of a large file and then written
    /// front to back, where each fresh page would otherwise cost a fault.
    mutating func reserveMapped(_ capacity: Int) {
        reserveCapacity(capacity)
        let used = count * MemoryLayout<Element>.stride, bytes = self.capacity * MemoryLayout<Element>.stride
        guard bytes - used >= 1 << 20 else { return }
        withUnsafeMutableBufferPointer {
            if let base = UnsafeMutableRawPointer($0.baseAddress) { _ = fl_populate_pages(base + used, bytes - used) }
        }
    }
}
