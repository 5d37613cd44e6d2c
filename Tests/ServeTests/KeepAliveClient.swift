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
        guard let connected = try? TestHTTPClient.connectLoopback(port: port, timeoutSeconds: 30) else { return false }
        fd = connected
        return true
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
