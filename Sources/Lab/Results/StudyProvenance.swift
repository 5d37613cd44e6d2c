import Foundation
import Support

/// What a study ran on, recorded beside its tables when it finishes (provenance.json): the
/// checkout's commit and whether it had local changes, the compiler, the system libraries
/// pkg-config reports, the machine and the command. Run folders do not record these, so the
/// report takes them from here.
public enum StudyProvenance {
    public static let fileName = "provenance.json"

    /// The compiler that built this binary.
    static var compiler: String {
        #if compiler(>=6.3)
        "Swift 6.3 or later"
        #elseif compiler(>=6.2)
        "Swift 6.2"
        #elseif compiler(>=6.1)
        "Swift 6.1"
        #else
        "Swift 6.0"
        #endif
    }

    /// A command's standard output, trimmed; nil when it cannot run or fails.
    static func output(_ arguments: [String], in directory: String? = nil) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 ? text : nil
    }

    /// "abc1234 2026-12-05 subject" of the checkout holding `directory`, if it is a git work tree.
    public static func commit(_ directory: String) -> String? {
        output(["git", "-C", directory, "log", "-1", "--format=%h %cs %s"]).flatMap { $0.isEmpty ? nil : $0 }
    }

    public static func collect(directory: String) -> JSONValue {
        let cwd = FileManager.default.currentDirectoryPath
        var fields: [(String, JSONValue)] = []
        if let commit = output(["git", "-C", cwd, "rev-parse", "HEAD"]) {
            fields.append(("commit", .string(commit)))
            // Changes to the code, configs or data rules — not to results the studies themselves
            // (re)write into tracked tables under the results folder.
            var status = ["git", "-C", cwd, "status", "--porcelain", "--untracked-files=no"]
            if let results = resultsRoot(directory, cwd: cwd) { status += ["--", ".", ":(exclude)\(results)"] }
            fields.append(("local_changes", .bool(!(output(status) ?? "").isEmpty)))
        }
        fields.append(("compiler", .string(compiler)))
        let libraries = ["openblas", "xgboost", "libpng16", "libjpeg"].compactMap { name in
            output(["pkg-config", "--modversion", name]).map { (name, JSONValue.string($0)) }
        }
        if !libraries.isEmpty { fields.append(("libraries", .object(libraries))) }
        fields.append(("os", .string(ProcessInfo.processInfo.operatingSystemVersionString)))
        fields.append(("processors", .number(Double(ProcessInfo.processInfo.activeProcessorCount))))
        fields.append(("command", .string(CommandLine.arguments.joined(separator: " "))))
        fields.append(("finished", .string(ISO8601DateFormatter().string(from: Date()))))
        return .object(fields)
    }

    /// The top folder of `directory` below `cwd` (`Results` for `Results/auto`), nil when it is
    /// not below `cwd`.
    static func resultsRoot(_ directory: String, cwd: String) -> String? {
        var relative = directory
        if directory.hasPrefix("/") {
            let base = cwd.hasSuffix("/") ? cwd : cwd + "/"
            guard directory.hasPrefix(base) else { return nil }
            relative = String(directory.dropFirst(base.count))
        }
        return relative.split(separator: "/").first { $0 != "." }.map(String.init)
    }

    /// Writes provenance.json into the study folder `directory` (atomically).
    public static func write(directory: String) throws {
        try DurableFile.write(collect(directory: directory).rendered() + "\n", to: (directory as NSString).appendingPathComponent(fileName))
    }

    public static func read(directory: String) -> JSONValue? {
        try? ResultFileError.readJSON((directory as NSString).appendingPathComponent(fileName))
    }
}
