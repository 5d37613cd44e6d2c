import Foundation

/// Where one field lies in the file's bytes. Quoted fields exclude their quotes; `escaped`
/// says doubled quotes inside must be collapsed.
struct FieldRange {
    var start: Int
    var end: Int
    var escaped: Bool
}

/// A byte-level reader of RFC 4180 delimited text (comma for .csv, tab for RecBole's .inter,
/// .user, .item): quoted fields with doubled quotes, CRLF or LF, a UTF-8 byte-order mark.
/// Errors name the file, the 1-based line of the record and the 1-based column.
struct DelimitedReader {
    let file: String
    let bytes: [UInt8]
    let delimiter: UInt8

    init(file: String, bytes: [UInt8], delimiter: UInt8) {
        self.file = file
        self.bytes = bytes
        self.delimiter = delimiter
    }

    static func delimiter(forPath path: String) -> UInt8 {
        let ext = (path as NSString).pathExtension.lowercased()
        return ["inter", "user", "item", "tsv", "kg", "link", "net"].contains(ext) ? UInt8(ascii: "\t") : UInt8(ascii: ",")
    }

    /// Calls `body(line, fields, bytes)` for every non-blank record, the header included.
    func forEachRecord(_ body: (Int, UnsafeBufferPointer<FieldRange>, UnsafeBufferPointer<UInt8>) throws(DatasetError) -> Void) throws(DatasetError) {
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r"), delim = delimiter
        var fields: [FieldRange] = []
        fields.reserveCapacity(32)
        try bytes.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(DatasetError) in
            let n = b.count
            var i = n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0
            var line = 1
            while i < n {
                let recordLine = line
                fields.removeAll(keepingCapacity: true)
                // A blank line ends nothing and holds nothing: skip it.
                if b[i] == lf { line += 1; i += 1; continue }
                if b[i] == cr && i + 1 < n && b[i + 1] == lf { line += 1; i += 2; continue }
                var atRecordEnd = false
                while !atRecordEnd {
                    if i < n && b[i] == quote {
                        let open = i
                        i += 1
                        let start = i
                        var escaped = false
                        while true {
                            guard i < n else {
                                throw .csv(file: file, line: recordLine, column: fields.count + 1,
                                           message: "unterminated quoted field (opened at byte \(open)); close it with a double quote")
                            }
                            if b[i] == quote {
                                if i + 1 < n && b[i + 1] == quote { escaped = true; i += 2; continue }
                                break
                            }
                            if b[i] == lf { line += 1 }
                            i += 1
                        }
                        fields.append(FieldRange(start: start, end: i, escaped: escaped))
                        i += 1  // closing quote
                        if i < n && b[i] != delim && b[i] != lf && !(b[i] == cr && i + 1 < n && b[i + 1] == lf) && b[i] != cr {
                            throw .csv(file: file, line: line, column: fields.count,
                                       message: "unexpected character \"\(Character(Unicode.Scalar(b[i])))\" after a closing quote; a quoted field must end at the delimiter")
                        }
                    } else {
                        let start = i
                        while i < n && b[i] != delim && b[i] != lf && b[i] != cr {
                            if b[i] == quote {
                                throw .csv(file: file, line: line, column: fields.count + 1,
                                           message: "quote inside an unquoted field; quote the whole field and double the inner quote (\"\"\"\")")
                            }
                            i += 1
                        }
                        fields.append(FieldRange(start: start, end: i, escaped: false))
                    }
                    if i < n && b[i] == delim { i += 1; continue }
                    // End of record: LF, CRLF, lone CR, or end of file.
                    if i < n && b[i] == cr { i += 1 }
                    if i < n && b[i] == lf { i += 1 }
                    line += 1
                    atRecordEnd = true
                }
                try fields.withUnsafeBufferPointer { (f: UnsafeBufferPointer<FieldRange>) throws(DatasetError) in try body(recordLine, f, b) }
            }
        }
    }

    /// A field's text (collapsing doubled quotes), for headers and messages.
    static func string(_ f: FieldRange, _ b: UnsafeBufferPointer<UInt8>) -> String {
        let s = String(decoding: UnsafeBufferPointer(rebasing: b[f.start..<f.end]), as: UTF8.self)
        return f.escaped ? s.replacingOccurrences(of: "\"\"", with: "\"") : s
    }
}
