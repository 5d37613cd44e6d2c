import Foundation

/// The values of a table too large to hold, written to one file per column while it is read
/// (block by block) and read back one column at a time: `fusionlab prepare` keeps the events
/// table here, so memory holds the columns a step of preparation needs, not the table. The
/// table's metadata (types, interners, noted fields) stays in its `AtomicTable`; `:token_seq` and
/// `:float_seq` columns are checked while read but not kept (preparation reads none of events.csv's).
public final class SpilledColumns: @unchecked Sendable {
    public let folder: String
    public private(set) var rowCount = 0
    private var descriptors: [String: Int32] = [:]
    /// Columns whose every row holds one token id (events without `event_type`).
    private var constants: [String: Int32] = [:]
    private static let linesColumn = "\u{1}lines"

    /// Creates `folder` (it must not hold another table's spill).
    init(folder: String, file: String) throws(DatasetError) {
        self.folder = folder
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw .invalid(file: file, message: "cannot be read into \(folder): \(error)")
        }
    }

    deinit { for (_, d) in descriptors { close(d) } }

    /// Removes the files (the values are gone; the metadata stays valid).
    public func remove() {
        for (_, d) in descriptors { close(d) }
        descriptors = [:]
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func path(_ name: String) -> String {
        (folder as NSString).appendingPathComponent(name.unicodeScalars.map { $0.properties.isAlphabetic || ("0"..."9").contains($0) ? String($0) : "_\($0.value)_" }.joined() + ".bin")
    }

    private func descriptor(_ name: String, file: String) throws(DatasetError) -> Int32 {
        if let d = descriptors[name] { return d }
        let d = open(path(name), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard d >= 0 else { throw .invalid(file: file, message: "cannot be read into \(folder): \(String(cString: strerror(errno)))") }
        descriptors[name] = d
        return d
    }

    private func append<T>(_ values: [T], to name: String, file: String) throws(DatasetError) {
        let d = try descriptor(name, file: file)
        let failure: Int32? = values.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = write(d, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return errno }
                done += n
            }
            return nil
        }
        if let failure { throw .invalid(file: file, message: "cannot be read into \(folder): \(String(cString: strerror(failure)))") }
    }

    /// Moves the rows `table` holds to the files (its interners and noted fields stay).
    func append(rowsOf table: inout TableBuilder) throws(DatasetError) {
        for k in table.builders.indices {
            let (ids, floats) = table.builders[k].takeRows()
            switch table.builders[k].spec.type {
            case .token: try append(ids, to: table.builders[k].spec.name, file: table.file)
            case .float: try append(floats, to: table.builders[k].spec.name, file: table.file)
            case .tokenSequence, .floatSequence: break
            }
        }
        try append(table.lines, to: Self.linesColumn, file: table.file)
        rowCount += table.lines.count
        table.lines.removeAll(keepingCapacity: true)
    }

    /// A `:token` column whose every row holds `id`.
    func addConstant(_ name: String, id: Int32) { constants[name] = id }

    private func read<T>(_ name: String, as: T.Type, rows: Range<Int>) -> [T] {
        if let id = constants[name] { return [Int32](repeating: id, count: rows.count) as! [T] }
        guard let d = descriptors[name] else { preconditionFailure("no spilled column \(name)") }
        let size = MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: rows.count) { buffer, count in
            let raw = UnsafeMutableRawPointer(buffer.baseAddress!)
            var done = 0
            while done < rows.count * size {
                let n = pread(d, raw + done, rows.count * size - done, off_t(rows.lowerBound * size + done))
                if n < 0 && errno == EINTR { continue }
                // The files are this process's own, written moments ago: a short read is a broken machine.
                precondition(n > 0, "the spilled column \(name) cannot be read back: \(n < 0 ? String(cString: strerror(errno)) : "it is short")")
                done += n
            }
            count = rows.count
        }
    }

    func tokenIDs(_ name: String, rows: Range<Int>? = nil) -> [Int32] { read(name, as: Int32.self, rows: rows ?? 0..<rowCount) }
    func floats(_ name: String, rows: Range<Int>? = nil) -> [Double] { read(name, as: Double.self, rows: rows ?? 0..<rowCount) }
    /// The source line of row `row`.
    func line(_ row: Int) -> Int { Int(read(Self.linesColumn, as: Int32.self, rows: row..<(row + 1))[0]) }
}

extension AtomicTable {
    /// The source line of row `row` (for messages).
    public func line(_ row: Int) -> Int { spilled?.line(row) ?? Int(lines[row]) }

    /// The table with the values of `names` read back from its spill (the others stay
    /// metadata) — of every row, or of `rows` only (the table then holds those rows: row r of
    /// the copy is row `rows.lowerBound + r`); a table held in memory is returned as it is.
    public func loading(_ names: [String], rows: Range<Int>? = nil) -> AtomicTable {
        guard let spilled else { return self }
        var copy = self
        for k in copy.columns.indices where names.contains(copy.columns[k].name) {
            switch copy.columns[k].spec.type {
            case .token: copy.columns[k].values = .tokens(spilled.tokenIDs(copy.columns[k].name, rows: rows))
            case .float: copy.columns[k].values = .floats(spilled.floats(copy.columns[k].name, rows: rows))
            case .tokenSequence, .floatSequence: break
            }
        }
        return copy
    }

    /// The table without the interners of the token columns not in `names` (their ids then name
    /// nothing): what a large table's unused columns, such as session ids, hold in memory.
    public func droppingTokens(except names: Set<String>) -> AtomicTable {
        var copy = self
        for k in copy.columns.indices where copy.columns[k].spec.type == .token && !names.contains(copy.columns[k].name) {
            copy.columns[k].tokens = TokenInterner(capacity: 1)
        }
        return copy
    }

    /// The table with column `name`'s values replaced (values already read back, shared).
    func replacing(_ name: String, with values: ColumnValues) -> AtomicTable {
        var copy = self
        if let k = copy.columns.firstIndex(where: { $0.name == name }) { copy.columns[k].values = values }
        return copy
    }

    /// Reads an atomic file as `read(path:displayName:)` does, its values going to files in
    /// `spillFolder` block by block instead of memory (`loading` reads columns back).
    public static func read(path: String, displayName: String? = nil, spillingTo spillFolder: String) throws(DatasetError) -> AtomicTable {
        let name = displayName ?? path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw .missingFile(path: name, hint: "Check the dataset folder and the file name.") }
        defer { close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
            throw .invalid(file: name, message: "cannot be read: it is a folder")
        }
        let spill = try SpilledColumns(folder: spillFolder, file: name)
        var source = FileByteSource(descriptor: descriptor, file: name)
        var table = try TableReader.read(&source, file: name, delimiter: DelimitedReader.delimiter(forPath: path), sizeHint: nil, spill: spill)
        table.spilled = spill
        return table
    }
}
