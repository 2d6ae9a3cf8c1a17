@testable import IQAData
@testable import IQAModels
@testable import Pipelines
import Foundation
import XCTest

/// Published weights on demand, against a server on 127.0.0.1: a good download is verified and cached
/// and then reused with the server gone; a truncated body, a wrong digest and a dead server end with a
/// one-line error and nothing in the cache; `--backbone-weights imagenet` asks the cache for the
/// backbone's published file.
final class WeightsCacheTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("baiqa-weights-\(UUID().uuidString.prefix(8))")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// 300 KB that are not all alike, so a cut body or a wrong file cannot pass by accident.
    static let body = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })

    func entry(_ stem: String, prefix: String) -> PublishedWeights {
        PublishedWeights(name: stem, url: URL(string: "https://download.invalid/models/\(stem)-\(prefix).pth")!, note: "test")
    }

    func leftovers() throws -> [String] {
        let dir = folder.appendingPathComponent("weights")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }

    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // Fed in uneven pieces: the same digest as at once (a million 'a').
        var h = SHA256()
        let a = Data(repeating: 0x61, count: 1_000_000)
        var offset = 0
        for size in [1, 63, 64, 65, 999, 4096, 100_000] { h.update(a[offset..<offset + size]); offset += size }
        h.update(a[offset...])
        XCTAssertEqual(h.finalize(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testGoodDownloadIsVerifiedCachedAndReusedOffline() throws {
        let prefix = String(SHA256.hex(Self.body).prefix(8))
        let weights = entry("tiny", prefix: prefix)
        let server = try LocalHTTPServer(routes: ["/models/\(weights.fileName)": .body(Self.body)])
        let cache = WeightsCache(folder: folder, baseURL: server.baseURL + "/models")
        XCTAssertNil(try cache.cached(weights))
        let file = try cache.get(weights)
        XCTAssertEqual(file, folder.appendingPathComponent("weights/\(weights.fileName)"))
        XCTAssertEqual(try Data(contentsOf: file), Self.body)
        XCTAssertEqual(try leftovers(), [weights.fileName], "no temporary file stays behind")
        XCTAssertEqual(server.requested, ["/models/\(weights.fileName)"])
        server.stop()
        // Offline: the cached, verified file is used without asking anyone.
        XCTAssertEqual(try cache.get(weights), file)
        // A cached file that no longer matches its name is deleted, never used.
        try Data("not the weights".utf8).write(to: file)
        XCTAssertThrowsError(try cache.get(weights)) { error in
            XCTAssertTrue("\(error)".contains("does not start with \(prefix)") && "\(error)".contains("the cached file was deleted"), "\(error)")
        }
        XCTAssertEqual(try leftovers(), [])
    }

    func testTruncatedWrongDigestAndDeadServerLeaveNothing() throws {
        let prefix = String(SHA256.hex(Self.body).prefix(8))
        let cut = entry("cut", prefix: prefix), wrong = entry("wrong", prefix: "00000000"), missing = entry("missing", prefix: prefix)
        let server = try LocalHTTPServer(routes: [
            "/m/\(cut.fileName)": .truncated(Self.body, sent: 100_000),
            "/m/\(wrong.fileName)": .body(Self.body),
            "/m/\(missing.fileName)": .status(404),
        ])
        let cache = WeightsCache(folder: folder, baseURL: server.baseURL + "/m/")
        for (weights, needle) in [(cut, "cannot download \(server.baseURL)/m/\(cut.fileName)"),
                                  (wrong, "does not start with 00000000"),
                                  (missing, "HTTP 404")] {
            XCTAssertThrowsError(try cache.get(weights), weights.name) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(needle), text)
                XCTAssertFalse(text.contains("\n"), "one line: \(text)")
                if weights != wrong { XCTAssertTrue(text.contains("by hand in \(self.folder.path)/weights"), text) }
            }
            XCTAssertEqual(try leftovers(), [], weights.name)
        }
        server.stop()
        XCTAssertThrowsError(try cache.get(entry("tiny", prefix: prefix))) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot download \(server.baseURL)/m/tiny-\(prefix).pth ("), "\(error)")
        }
        XCTAssertEqual(try leftovers(), [])
    }

    func testImagenetResolvesToTheBackbonesPublishedFileThroughTheCache() throws {
        XCTAssertEqual(PublishedWeights.forModel(.official(.hyperiqa))?.fileName, "resnet50-19c8e357.pth")
        XCTAssertEqual(PublishedWeights.forModel(.official(.dbcnn))?.fileName, "vgg16-397923af.pth")
        XCTAssertEqual(PublishedWeights.forModel(try ModelSpec.official(.tres).withBackbone(.resnet18))?.sha256Prefix, "f37072fd")
        XCTAssertNil(PublishedWeights.forModel(.cpu(.hyperiqa)))
        XCTAssertThrowsError(try WeightsCache.resolve(backboneWeights: "imagenet", model: .cpu(.hyperiqa))) { error in
            XCTAssertTrue("\(error)".contains("nobody publishes ImageNet weights for this HyperIQA backbone (resnet10-w32)"), "\(error)")
        }
        XCTAssertEqual(try WeightsCache.resolve(backboneWeights: "some/file.pth", model: .cpu(.hyperiqa)).path,
                       URL(fileURLWithPath: "some/file.pth").path)
        // `imagenet` on the paper's HyperIQA asks the cache (here: a mirror on 127.0.0.1) for resnet50-19c8e357.pth;
        // the mirror's file is not the real one, so it is refused by its digest.
        let server = try LocalHTTPServer(routes: ["/resnet50-19c8e357.pth": .body(Self.body)])
        defer { server.stop() }
        setenv("BAIQA_CACHE_DIR", folder.path, 1)
        setenv("BAIQA_WEIGHTS_BASE_URL", server.baseURL, 1)
        defer { unsetenv("BAIQA_CACHE_DIR"); unsetenv("BAIQA_WEIGHTS_BASE_URL") }
        XCTAssertThrowsError(try WeightsCache.resolve(backboneWeights: "imagenet", model: .official(.hyperiqa))) { error in
            XCTAssertTrue("\(error)".contains("resnet50-19c8e357.pth: SHA-256"), "\(error)")
        }
        XCTAssertEqual(server.requested, ["/resnet50-19c8e357.pth"])
        XCTAssertEqual(try leftovers(), [])
    }
}
