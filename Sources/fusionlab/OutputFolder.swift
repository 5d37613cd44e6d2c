import ArgumentParser
import Foundation

/// Checks that an `--out` file's folder exists before any work, so a typo costs no wait.
func checkOutputFolder(_ out: String) throws {
    let folder = (out as NSString).deletingLastPathComponent
    var isDirectory: ObjCBool = false
    if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) || !isDirectory.boolValue {
        throw ValidationError("--out \(out): the folder \(folder) does not exist")
    }
}
