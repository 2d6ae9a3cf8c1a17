import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import IQAData
import IQAModels

/// Published ImageNet weights fetched on demand (`baiqa weights get`, `--backbone-weights imagenet`): kept
/// in `<cache>/weights/` (`BAIQA_CACHE_DIR`, else `$XDG_CACHE_HOME/baiqa`, else `~/.cache/baiqa`), checked
/// against the SHA-256 prefix in their file name on every use, downloaded to a temporary name and renamed
/// only once complete and verified. A file with the wrong digest is deleted and reported, never used.
public struct WeightsCache {
    public var folder: URL
    /// A mirror or local server serving the same file names (`BAIQA_WEIGHTS_BASE_URL`).
    public var baseURL: String?
    let monitor: RunMonitor?

    public init(folder: URL? = nil, baseURL: String? = nil, monitor: RunMonitor? = nil) {
        let env = ProcessInfo.processInfo.environment
        self.folder = folder ?? Self.defaultFolder(env)
        self.baseURL = baseURL ?? env["BAIQA_WEIGHTS_BASE_URL"]
        self.monitor = monitor
    }

    static func defaultFolder(_ env: [String: String]) -> URL {
        if let dir = env["BAIQA_CACHE_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return URL(fileURLWithPath: xdg).appendingPathComponent("baiqa") }
        let home = env["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".cache/baiqa")
    }

    public func file(for weights: PublishedWeights) -> URL {
        folder.appendingPathComponent("weights").appendingPathComponent(weights.fileName)
    }

    /// The verified cached file, or nil when there is none. A cached file whose digest does not match is
    /// deleted and reported.
    public func cached(_ weights: PublishedWeights) throws -> URL? {
        let url = file(for: weights)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        try verify(url, weights, deleting: "the cached file")
        return url
    }

    /// The cached file, downloaded first when absent.
    public func get(_ weights: PublishedWeights) throws -> URL {
        if let url = try cached(weights) { return url }
        return try download(weights)
    }

    func verify(_ url: URL, _ weights: PublishedWeights, deleting what: String) throws {
        // A suite resolves its config several times: hash a file once per process while it is unchanged.
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        let identity = "\(url.path)|\((attributes?[.size] as? NSNumber)?.int64Value ?? -1)|\((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        if Self.verified.contains(identity) { return }
        let digest = try SHA256.hex(ofFile: url)
        guard digest.hasPrefix(weights.sha256Prefix) else {
            try? FileManager.default.removeItem(at: url)
            throw RunError("\(weights.fileName): SHA-256 \(digest.prefix(16))… does not start with \(weights.sha256Prefix) as its name says; \(what) was deleted (\(url.path))")
        }
        Self.verified.insert(identity)
    }

    /// Files verified in this process (path, size, modification time).
    private static let verified = VerifiedFiles()

    func download(_ weights: PublishedWeights) throws -> URL {
        let source = weights.url(base: baseURL)
        let target = file(for: weights)
        let howToPlace = "or place \(weights.fileName) by hand in \(target.deletingLastPathComponent().path)"
        let fm = FileManager.default
        do { try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true) } catch {
            throw RunError("\(target.deletingLastPathComponent().path): cannot create the weights cache (\(error.localizedDescription))")
        }
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(weights.fileName).\(UUID().uuidString).partial")
        defer { try? fm.removeItem(at: temporary) }
        monitor?.log("downloading \(source.absoluteString) → \(target.path)")
        let transfer = try Transfer(to: temporary, monitor: monitor, stage: "download \(weights.fileName)")
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60
        let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: nil)
        session.dataTask(with: source).resume()
        transfer.done.wait()
        session.finishTasksAndInvalidate()
        try? transfer.handle.close()
        if let error = transfer.error {
            throw RunError("cannot download \(source.absoluteString) (\(error.localizedDescription)); check the network, \(howToPlace)")
        }
        guard transfer.status == 200 else {
            throw RunError("cannot download \(source.absoluteString) (HTTP \(transfer.status)); \(howToPlace)")
        }
        if transfer.expected >= 0, transfer.received != transfer.expected {
            throw RunError("cannot download \(source.absoluteString) (\(transfer.received) of \(transfer.expected) bytes arrived); try again, \(howToPlace)")
        }
        try verify(temporary, weights, deleting: "the download")
        do {
            if fm.fileExists(atPath: target.path) { try fm.removeItem(at: target) }
            try fm.moveItem(at: temporary, to: target)
        } catch {
            throw RunError("\(target.path): cannot move the download into place (\(error.localizedDescription))")
        }
        monitor?.log("\(weights.name): \(target.path) (\(transfer.received) bytes, SHA-256 verified)")
        return target
    }

    /// `--backbone-weights VALUE`: a file, or `imagenet` for the published weights of the model's
    /// backbone, fetched through the cache.
    public static func resolve(backboneWeights value: String, model: ModelSpec, monitor: RunMonitor? = nil) throws -> URL {
        guard value == "imagenet" else { return URL(fileURLWithPath: value) }
        guard let weights = PublishedWeights.forModel(model) else {
            throw RunError("--backbone-weights imagenet: nobody publishes ImageNet weights for this \(model.kind.displayName) backbone (\(model.backboneName)); use the paper's architecture (--preset paper) or a weights file")
        }
        return try WeightsCache(monitor: monitor).get(weights)
    }
}

private final class VerifiedFiles: @unchecked Sendable {
    private let lock = NSLock()
    private var set: Set<String> = []
    func contains(_ key: String) -> Bool { lock.lock(); defer { lock.unlock() }; return set.contains(key) }
    func insert(_ key: String) { lock.lock(); set.insert(key); lock.unlock() }
}

/// Receives a download into a file, counting bytes and showing progress.
private final class Transfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let handle: FileHandle
    let monitor: RunMonitor?
    let stage: String
    let done = DispatchSemaphore(value: 0)
    var status = 0
    var expected: Int64 = -1
    var received: Int64 = 0
    var error: Error?
    private var lastShown = Date.distantPast

    init(to url: URL, monitor: RunMonitor?, stage: String) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: url) else {
            throw RunError("\(url.path): cannot write the download")
        }
        self.handle = handle
        self.monitor = monitor
        self.stage = stage
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        status = (response as? HTTPURLResponse)?.statusCode ?? 0
        expected = response.expectedContentLength
        completionHandler(status == 200 ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        do { try handle.write(contentsOf: data) } catch { self.error = error; dataTask.cancel(); return }
        received += Int64(data.count)
        if expected > 0, Date().timeIntervalSince(lastShown) > 0.5 || received == expected {
            lastShown = Date()
            monitor?.progress(stage: stage, done: Int(received >> 10), total: Int(expected >> 10), detail: "KiB")
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        // A cancelled non-200 response is reported by its status, not as an error.
        if let error, !(status != 200 && (error as NSError).code == NSURLErrorCancelled) { self.error = self.error ?? error }
        done.signal()
    }
}
