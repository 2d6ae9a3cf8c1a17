import Foundation
import Pipelines

/// Checks of a command's output files before any work: an existing file is never overwritten (the
/// user may have nothing else of it) and a missing folder is named at once, not after an hour's run.
enum OutputPaths {
    static func requireNew(_ paths: [String]) throws {
        let fm = FileManager.default
        for path in paths {
            let url = URL(fileURLWithPath: path).standardizedFileURL
            if fm.fileExists(atPath: url.path) {
                throw RunError("\(url.path) already exists; choose another --out (baiqa does not overwrite files)")
            }
            try requireFolder(of: path)
        }
    }

    /// For outputs that a job may resume or reuse (it refuses files of other inputs itself).
    static func requireFolder(of path: String) throws {
        var isFolder: ObjCBool = false
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let parent = url.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw RunError("\(url.path): the folder \(parent.path) does not exist")
        }
    }
}
