#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be read, in the operating system's words.
struct FileReadError: Error {
    var reason: String
}

/// The whole file at `path`, read with one open/fstat/read sequence (no Foundation overhead
/// on the data-loading path). With `followSymlinks` false a symlink in the last component is
/// refused (for paths already resolved inside a confined root).
func readFileBytes(atPath path: String, followSymlinks: Bool = true) throws(FileReadError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | (followSymlinks ? 0 : O_NOFOLLOW))
    guard descriptor >= 0 else {
        if errno == ELOOP && !followSymlinks { throw FileReadError(reason: "is a symbolic link that does not resolve to a file") }
        throw FileReadError(reason: systemErrorText())
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw FileReadError(reason: systemErrorText()) }
    if (status.st_mode & S_IFMT) == S_IFDIR { throw FileReadError(reason: "is a directory") }
    let expected = Int(status.st_size)

    var bytes = [UInt8](repeating: 0, count: expected)
    var filled = 0
    while filled < expected {
        let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, expected - filled) }
        if count < 0 {
            if errno == EINTR { continue }
            throw FileReadError(reason: systemErrorText())
        }
        if count == 0 { break }  // the file shrank while we read it
        filled += count
    }
    if filled < expected { bytes.removeLast(expected - filled) }
    return bytes
}

private func systemErrorText() -> String { String(cString: strerror(errno)) }
