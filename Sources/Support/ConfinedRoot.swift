#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A relative path from data (an `image` column) or a request that would leave its root folder.
public struct PathConfinementError: Error, CustomStringConvertible, Equatable {
    /// The path as it was given.
    public var path: String
    /// The root folder it must stay inside.
    public var root: String
    /// Which rule it breaks, in words.
    public var rule: String

    public var description: String { "path \"\(path)\" is refused: \(rule) (paths must be relative and stay inside \(root))" }
}

/// A folder that paths taken from data must stay inside. The check is made on the resolved
/// path (`realpath`), not the string, so a symlink inside the folder that points outside is
/// refused as surely as `../`; `resolve` returns a path without symlinks, which callers open
/// with `O_NOFOLLOW` so that a symlink swapped in after the check is not followed either.
public struct ConfinedRoot: Sendable {
    /// The folder as given.
    public let path: String
    /// The folder with every symlink resolved.
    public let realPath: String

    public init(_ path: String) throws(PathConfinementError) {
        self.path = path
        guard let real = Self.realPath(path) else {
            throw PathConfinementError(path: path, root: path, rule: "the folder cannot be resolved (\(String(cString: strerror(errno))))")
        }
        realPath = real
    }

    /// The absolute, symlink-free path of `relative` inside the root. A path that does not
    /// exist (yet) is returned joined lexically, once its `..` segments are known to stay inside:
    /// reading it then fails with the operating system's reason.
    public func resolve(_ relative: String) throws(PathConfinementError) -> String {
        func refuse(_ rule: String) -> PathConfinementError { PathConfinementError(path: relative, root: path, rule: rule) }
        guard !relative.isEmpty else { throw refuse("it is empty") }
        guard !relative.utf8.contains(0) else { throw refuse("it contains a NUL byte") }
        guard !relative.hasPrefix("/") else { throw refuse("it is absolute") }
        var depth = 0
        for segment in relative.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == ".." { depth -= 1 } else if segment != "." { depth += 1 }
            guard depth >= 0 else { throw refuse("its \"..\" segments lead out of the folder") }
        }
        let joined = realPath == "/" ? "/" + relative : realPath + "/" + relative
        guard let real = Self.realPath(joined) else { return joined }
        guard real == realPath || real.hasPrefix(realPath == "/" ? "/" : realPath + "/") else {
            throw refuse("it resolves through a symbolic link to \(real), outside the folder")
        }
        return real
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
