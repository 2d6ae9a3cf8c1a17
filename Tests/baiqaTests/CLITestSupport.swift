import Foundation
import XCTest

/// Runs the built `baiqa` executable (SwiftPM builds it next to the test bundle).
struct CLI {
    static var executable: URL {
        let products = Bundle.main.bundleURL.lastPathComponent.hasSuffix(".xctest")
            ? Bundle.main.bundleURL.deletingLastPathComponent() : Bundle.main.bundleURL
        return products.appendingPathComponent("baiqa")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    @discardableResult
    static func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:],
                    killAfter seconds: Double? = nil) throws -> Result {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // A command that should fail at once but runs on is stopped, so that one wrong case cannot cost hours.
        if let seconds {
            let pid = p.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { if p.isRunning { kill(pid, SIGKILL) } }
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Starts `arguments` in the background (output discarded).
    static func start(_ arguments: [String], in directory: URL) throws -> Process {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.currentDirectoryURL = directory
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Runs several commands at the same time (one thread each) and returns their results in order.
    static func runConcurrently(_ commands: [[String]], in directory: URL) throws -> [Result] {
        final class Slots: @unchecked Sendable { var results: [Swift.Result<Result, Error>?] = [] }
        let slots = Slots()
        slots.results = Array(repeating: nil, count: commands.count)
        let lock = NSLock(), done = DispatchGroup()
        for (i, command) in commands.enumerated() {
            done.enter()
            Thread {
                let r = Swift.Result { try run(command, in: directory) }
                lock.lock(); slots.results[i] = r; lock.unlock()
                done.leave()
            }.start()
        }
        done.wait()
        return try slots.results.map { try $0!.get() }
    }

    /// Starts `arguments`, waits until `checkpoint` (relative to `directory`) appears, then kills the
    /// process. Returns false when the run finished before it could be killed.
    static func runAndKill(_ arguments: [String], in directory: URL, afterFileAppears checkpoint: String,
                           leaving partial: String) throws -> Bool {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.currentDirectoryURL = directory
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let file = directory.appendingPathComponent(checkpoint)
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: file.path) && p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        return FileManager.default.fileExists(atPath: directory.appendingPathComponent(partial).path)
    }

    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("baiqa-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// ../shared next to the repository (absent in some CI set-ups).
    static var shared: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared").standardizedFileURL
    }
}
