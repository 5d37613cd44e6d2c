import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A keep-alive HTTP/1.1 client, as load generators are: requests one after another on one
/// connection, a new connection only when an answer said `Connection: close`. It counts a
/// request the server took the connection down under — written, and no answer read — as failed.
final class KeepAliveClient: @unchecked Sendable {
    let port: Int
    let body: [UInt8]
    private(set) var answered: [Int: Int] = [:]
    private(set) var failed = 0
    /// Connections refused (the server no longer listens): not a request lost.
    private(set) var refused = 0
    private var fd: Int32 = -1

    init(port: Int, json: String) { self.port = port; body = Array(json.utf8) }

    /// Sends requests until `stop()` says so or the server refuses a new connection.
    func run(until stop: () -> Bool) {
        // (One thread per client: what it records is read after it finished.)
        defer { if fd >= 0 { close(fd) } }
        while !stop() {
            if fd < 0 {
                guard connectSocket() else { refused += 1; return }
            }
            let head = "POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
            let request = Array(head.utf8) + body
            let sent = request.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent == request.count, let (status, closing) = readAnswer() else {
                failed += 1
                close(fd); fd = -1
                continue
            }
            answered[status, default: 0] += 1
            if closing { close(fd); fd = -1 }
        }
    }

    private func connectSocket() -> Bool {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if ok != 0 { close(fd); fd = -1 }
        return ok == 0
    }

    /// One answer (head and Content-Length body): its status and whether it closes the connection.
    private func readAnswer() -> (Int, Bool)? {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        let separator: [UInt8] = [13, 10, 13, 10]
        while true {
            if let end = (0..<max(0, received.count - 3)).first(where: { Array(received[$0..<($0 + 4)]) == separator }) {
                let lines = String(decoding: received[..<end], as: UTF8.self).components(separatedBy: "\r\n")
                guard let status = lines.first.flatMap({ Int($0.split(separator: " ").dropFirst().first ?? "") }) else { return nil }
                var length = 0, closing = false
                for line in lines.dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                    guard parts.count == 2 else { continue }
                    if parts[0] == "content-length" { length = Int(parts[1]) ?? 0 }
                    if parts[0] == "connection" && parts[1] == "close" { closing = true }
                }
                while received.count < end + 4 + length {
                    let n = recv(fd, &buffer, buffer.count, 0)
                    if n <= 0 { return nil }
                    received += buffer[0..<n]
                }
                return (status, closing)
            }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return nil }
            received += buffer[0..<n]
        }
    }
}
