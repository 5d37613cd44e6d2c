import Foundation
import Support
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 client over a plain loopback socket, for tests only: it sends exactly the bytes
/// it is given (broken JSON, invalid UTF-8, lying headers), one request per connection
/// (`Connection: close`), and stops sending a body as soon as the server has answered.
struct TestHTTPClient: Sendable {
    let port: Int

    struct Reply: Sendable {
        var status: Int
        /// Lower-cased names.
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: JSONValue? { try? JSONParser.parse(text) }
        /// The error envelope's fields.
        var code: String? { json?["error"]?["code"]?.stringValue }
        var message: String? { json?["error"]?["message"]?.stringValue }
        var path: String? { json?["error"]?["path"]?.stringValue }
    }

    enum Failure: Error { case connect(Int32), noReply(String) }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> Reply {
        try await send(method: "GET", path: path, headers: headers, body: [])
    }

    func post(_ path: String = "/v1/score", json: String, headers: [(String, String)] = [("Content-Type", "application/json")]) async throws -> Reply {
        try await send(method: "POST", path: path, headers: headers, body: Array(json.utf8))
    }

    func post(_ path: String = "/v1/score", bytes: [UInt8], headers: [(String, String)] = [("Content-Type", "application/json")]) async throws -> Reply {
        try await send(method: "POST", path: path, headers: headers, body: bytes)
    }

    /// `body` with a Content-Length (unless `headers` set one, or Transfer-Encoding: then it is sent as given).
    func send(method: String, path: String, headers: [(String, String)], body: [UInt8]) async throws -> Reply {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !headers.contains(where: { $0.0.lowercased() == "transfer-encoding" || $0.0.lowercased() == "content-length" }) {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        return try await raw(Array(head.utf8), body: body)
    }

    /// Sends `head` then `body`, on a thread of its own: the blocking socket calls must not hold
    /// one of the few threads of Swift's concurrency pool, which the server in this process needs.
    func raw(_ head: [UInt8], body: [UInt8] = []) async throws -> Reply {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try rawBlocking(head, body: body) }) }
            thread.start()
        }
    }

    /// Sends `head` then `body` in pieces, stopping early if the server answers first; reads the reply to its end.
    func rawBlocking(_ head: [UInt8], body: [UInt8] = []) throws -> Reply {
        let fd = try Self.connectLoopback(port: port, timeoutSeconds: 60)
        defer { close(fd) }
        _ = writeAll(fd, head)
        var offset = 0
        while offset < body.count, !readable(fd) {
            let end = min(offset + 65536, body.count)
            guard writeAll(fd, Array(body[offset..<end])) else { break }
            offset = end
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        return try Self.parse(received)
    }

    /// A socket connected to 127.0.0.1:`port`, with send and receive time-outs.
    static func connectLoopback(port: Int, timeoutSeconds: Int) throws(Failure) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .connect(errno) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else {
            let failure = errno
            close(fd)
            throw .connect(failure)
        }
        return fd
    }

    private func readable(_ fd: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    static func parse(_ bytes: [UInt8]) throws -> Reply {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<($0 + 4)]) == separator }) else {
            throw Failure.noReply(String(decoding: bytes.prefix(200), as: UTF8.self))
        }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return Reply(status: status, headers: headers, body: body)
    }

    static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [], i = 0
        while i < bytes.count {
            guard let lineEnd = (i..<(bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else { break }
            let size = Int(String(decoding: bytes[i..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16) ?? 0
            if size == 0 { break }
            out += bytes[(lineEnd + 2)..<min(lineEnd + 2 + size, bytes.count)]
            i = lineEnd + 2 + size + 2
        }
        return out
    }
}
