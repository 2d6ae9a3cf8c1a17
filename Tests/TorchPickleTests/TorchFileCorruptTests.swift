import Foundation
import XCTest

@testable import TorchPickle

/// Broken, truncated and hostile inputs: each must throw a TorchFileError naming the problem,
/// never crash.
final class TorchFileCorruptTests: XCTestCase {
    private func fixtureBytes(_ name: String) throws -> Data {
        try Data(contentsOf: fixtureURL(name))
    }

    private func withTemporaryFile(named name: String, contents: Data, _ body: (URL) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("torchpickle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(name)
        try contents.write(to: url)
        try body(url)
    }

    /// data.pkl of a fixture, plus the fixture's other entries.
    private func fixturePickle(_ name: String) throws -> (pickle: Data, entries: [(String, Data)]) {
        let entries = try zipEntries(try fixtureBytes(name))
        let pickle = try XCTUnwrap(entries.first { $0.0.hasSuffix("/data.pkl") }?.1)
        return (pickle, entries)
    }

    func testTruncatedFile() throws {
        let full = try fixtureBytes("mixed.pt")
        try withTemporaryFile(named: "trigger.pt", contents: full.prefix(full.count / 2)) { url in
            assertTorchFileError(.truncated, containing: "trigger.pt: truncated") {
                _ = try TorchFile.load(contentsOf: url)
            }
        }
        // Every prefix fails cleanly.
        for length in 0 ..< full.count {
            XCTAssertThrowsError(try TorchFile.decode(full.prefix(length))) { error in
                XCTAssertTrue(error is TorchFileError, "length \(length): \(error)")
            }
        }
    }

    func testRandomBytes() throws {
        var rng = SplitMix64(state: 42)
        let junk = Data((0 ..< 4096).map { _ in UInt8.random(in: 0 ... 255, using: &rng) })
        try withTemporaryFile(named: "trigger.pt", contents: junk) { url in
            assertTorchFileError(.notZip, containing: "trigger.pt: not a zip archive (PyTorch ≥1.6 format expected)") {
                _ = try TorchFile.load(contentsOf: url)
            }
        }
        assertTorchFileError(.notZip, containing: "not a zip archive") { _ = try TorchFile.decode(Data()) }
        assertTorchFileError(.notZip, containing: "not a zip archive") { _ = try TorchFile.decode(Data("hello".utf8)) }
    }

    func testMissingFile() {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/gone.pt")
        assertTorchFileError(.io, containing: "gone.pt: cannot read file") { _ = try TorchFile.load(contentsOf: url) }
    }

    func testGarbagePickle() throws {
        let zip = try makeZip([("archive/data.pkl", Data([0x80, 0x02, 0xFF, 0x00])), ("archive/version", Data("3\n".utf8))])
        assertTorchFileError(.unsupported, containing: "unsupported pickle opcode 0xFF") { _ = try TorchFile.decode(zip) }

        let underflow = try makeZip([("archive/data.pkl", Data([0x80, 0x02, 0x74, 0x2E]))])  // TUPLE without MARK
        assertTorchFileError(.malformedPickle, containing: "no MARK") { _ = try TorchFile.decode(underflow) }

        let empty = try makeZip([("archive/data.pkl", Data([0x80, 0x02, 0x2E]))])  // STOP on an empty stack
        assertTorchFileError(.malformedPickle, containing: "stack underflow") { _ = try TorchFile.decode(empty) }

        let cut = try makeZip([("archive/data.pkl", Data([0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x41]))])
        assertTorchFileError(.truncated, containing: "truncated") { _ = try TorchFile.decode(cut) }

        let noStop = try makeZip([("archive/data.pkl", Data([0x80, 0x02, 0x4E]))])
        assertTorchFileError(.truncated, containing: "truncated") { _ = try TorchFile.decode(noStop) }
    }

    func testMissingStorage() throws {
        let (_, entries) = try fixturePickle("mixed.pt")
        let zip = try makeZip(entries.filter { $0.0 != "mixed/data/3" })
        try withTemporaryFile(named: "broken.pt", contents: zip) { url in
            assertTorchFileError(.missingRecord, containing: "broken.pt: storage 'data/3' missing") {
                _ = try TorchFile.load(contentsOf: url)
            }
        }
    }

    func testShortStorage() throws {
        let (_, entries) = try fixturePickle("tensor.pt")
        let zip = try makeZip(entries.map { $0.0 == "tensor/data/0" ? ($0.0, $0.1.prefix(8)) : $0 })
        assertTorchFileError(.truncated, containing: "storage 'data/0' holds 8 bytes") { _ = try TorchFile.decode(zip) }
    }

    func testMissingDataPkl() throws {
        let zip = try makeZip([("archive/version", Data("3\n".utf8))])
        assertTorchFileError(.missingRecord, containing: "data.pkl") { _ = try TorchFile.decode(zip) }
    }

    func testCorruptedStorageBytesFailTheCRC() throws {
        var data = try fixtureBytes("tensor.pt")
        let reader = try ZipReader(data)
        let entry = try XCTUnwrap(reader.entry(named: "tensor/data/0"))
        let nameLength = Int(try XCTUnwrap(data.readLE(UInt16.self, at: entry.localHeaderOffset + 26)))
        let extraLength = Int(try XCTUnwrap(data.readLE(UInt16.self, at: entry.localHeaderOffset + 28)))
        data[entry.localHeaderOffset + 30 + nameLength + extraLength] ^= 0x01
        assertTorchFileError(.corruptArchive, containing: "'tensor/data/0' is corrupt (CRC-32 mismatch)") {
            _ = try TorchFile.decode(data)
        }
    }

    func testForbiddenGlobalIsNamed() throws {
        // The classic exploit: os.system('echo pwned').
        var pickle: [UInt8] = [0x80, 0x02]
        pickle += Array("cos\nsystem\n".utf8)
        pickle += [0x58, 10, 0, 0, 0] + Array("echo pwned".utf8) + [0x85, 0x52, 0x2E]
        let zip = try makeZip([("evil/data.pkl", Data(pickle))])
        assertTorchFileError(.forbiddenGlobal, containing: "'os.system'") { _ = try TorchFile.decode(zip) }

        var stackGlobal: [UInt8] = [0x80, 0x04, 0x8C, 8] + Array("builtins".utf8) + [0x8C, 4] + Array("eval".utf8)
        stackGlobal += [0x93, 0x2E]
        let zip2 = try makeZip([("evil/data.pkl", Data(stackGlobal))])
        assertTorchFileError(.forbiddenGlobal, containing: "'builtins.eval'") { _ = try TorchFile.decode(zip2) }
    }

    func testBigIntegerIsRefused() throws {
        // LONG1 with 9 significant bytes (2**64).
        let pickle: [UInt8] = [0x80, 0x02, 0x8A, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x2E]
        let zip = try makeZip([("a/data.pkl", Data(pickle))])
        assertTorchFileError(.unsupported, containing: "does not fit in 64 bits") { _ = try TorchFile.decode(zip) }
        // But a 9-byte encoding of a value that fits is fine, as are negative LONG1 values.
        let fits: [UInt8] = [0x80, 0x02, 0x8A, 9, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x2E]
        XCTAssertEqual(try TorchFile.decode(try makeZip([("a/data.pkl", Data(fits))])), .int(Int64.max))
        let negative: [UInt8] = [0x80, 0x02, 0x8A, 2, 0x00, 0xFF, 0x2E]  // -256
        XCTAssertEqual(try TorchFile.decode(try makeZip([("a/data.pkl", Data(negative))])), .int(-256))
    }

    func testViewOutsideItsStorageIsRefused() throws {
        // A tensor claiming shape [10] over a 5-element storage.
        let (pickle, entries) = try fixturePickle("tensor.pt")
        var bytes = [UInt8](pickle)
        // The size tuple is written as "K\x05\x85" (BININT1 5, TUPLE1); make it 10.
        let pattern: [UInt8] = [0x4B, 0x05, 0x85]
        let at = try XCTUnwrap((0 ..< bytes.count - 2).first { Array(bytes[$0 ..< $0 + 3]) == pattern })
        bytes[at + 1] = 10
        let zip = try makeZip(entries.map { $0.0.hasSuffix("data.pkl") ? ($0.0, Data(bytes)) : $0 })
        assertTorchFileError(.invalidTensor, containing: "exceeds its storage of 5 elements") { _ = try TorchFile.decode(zip) }
    }

    func testSelfReferencingListIsRefused() throws {
        // l = []; l.append(l)
        let pickle: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E]
        let zip = try makeZip([("a/data.pkl", Data(pickle))])
        assertTorchFileError(.unsupported, containing: "self-referencing") { _ = try TorchFile.decode(zip) }
    }

    func testDeepChainsDoNotOverflowTheStack() throws {
        // Two hundred thousand lists, each appended into the previous one through the memo: deep nesting
        // built cheaply. It must be refused (too deep) and torn down without recursion.
        var pickle: [UInt8] = [0x80, 0x02, 0x5D, 0x72, 0, 0, 0, 0]  // EMPTY_LIST, LONG_BINPUT 0
        let levels = 200_000
        for i in 1 ... levels {
            pickle += [0x5D, 0x72] + withUnsafeBytes(of: UInt32(i).littleEndian, Array.init)  // new list → memo[i]
            pickle += [0x6A] + withUnsafeBytes(of: UInt32(i - 1).littleEndian, Array.init)  // get memo[i-1]
            pickle += [0x6A] + withUnsafeBytes(of: UInt32(i).littleEndian, Array.init)  // get memo[i]
            pickle += [0x61, 0x30, 0x30]  // APPEND (memo[i-1].append(memo[i])), POP, POP
        }
        pickle += [0x6A, 0, 0, 0, 0, 0x2E]  // result: memo[0]
        let zip = try makeZip([("a/data.pkl", Data(pickle))])
        assertTorchFileError(.unsupported, containing: "too deeply") { _ = try TorchFile.decode(zip) }

        // One byte per level: NONE wrapped in a million TUPLE1s, no memo involved.
        let tuples = [0x80, 0x02, 0x4E] + [UInt8](repeating: 0x85, count: 1_000_000) + [0x2E]
        let zip2 = try makeZip([("a/data.pkl", Data(tuples))])
        assertTorchFileError(.unsupported, containing: "too deeply") { _ = try TorchFile.decode(zip2) }
    }

    func testExponentialSharingIsRefused() throws {
        // t0 = (None,); t(i+1) = (t(i), t(i)) through the memo: 2^80 logical objects in ~700 bytes.
        var pickle: [UInt8] = [0x80, 0x02, 0x4E, 0x85, 0x71, 0]  // memo[0] = (None,)
        for i in 1 ... 80 {
            pickle += [0x68, UInt8(i - 1), 0x68, UInt8(i - 1), 0x86, 0x71, UInt8(i), 0x30]  // memo[i] = (t, t); POP
        }
        let asValue = pickle + [0x68, 80, 0x2E]
        assertTorchFileError(.unsupported, containing: "expands to more than") {
            _ = try TorchFile.decode(try makeZip([("a/data.pkl", Data(asValue))]))
        }
        let asKey = pickle + [0x7D, 0x68, 80, 0x4E, 0x73, 0x2E]  // {t80: None}
        assertTorchFileError(.unsupported, containing: "dict key that is too large") {
            _ = try TorchFile.decode(try makeZip([("a/data.pkl", Data(asKey))]))
        }
    }

    func testZip64IsReportedClearly() throws {
        var zip = try makeZip([("a/data.pkl", Data([0x80, 0x02, 0x4E, 0x2E]))])
        XCTAssertEqual(try TorchFile.decode(zip), PickleValue.none)
        // Mark the end record's central-directory offset as "see ZIP64".
        let end = zip.count - 22
        zip.replaceSubrange(end + 16 ..< end + 20, with: [0xFF, 0xFF, 0xFF, 0xFF])
        assertTorchFileError(.unsupported, containing: "ZIP64") { _ = try TorchFile.decode(zip) }
    }

    /// Flip bytes all over real files (zip structure and pickle alike): always a clean result.
    func testMutationFuzzNeverCrashes() throws {
        var rng = SplitMix64(state: 7)
        for name in ["mixed.pt", "state_dict.pt", "mixed_protocol4.pt"] {
            let original = try fixtureBytes(name)
            // Whole-file mutations exercise the zip reader.
            for _ in 0 ..< 300 {
                var data = original
                for _ in 0 ..< Int.random(in: 1 ... 4, using: &rng) {
                    data[Int.random(in: 0 ..< data.count, using: &rng)] = UInt8.random(in: 0 ... 255, using: &rng)
                }
                _ = try? TorchFile.decode(data)
            }
            // Pickle mutations, repacked with valid CRCs, exercise the unpickler.
            let (pickle, entries) = try fixturePickle(name)
            for _ in 0 ..< 1000 {
                var bytes = [UInt8](pickle)
                for _ in 0 ..< Int.random(in: 1 ... 3, using: &rng) {
                    bytes[Int.random(in: 0 ..< bytes.count, using: &rng)] = UInt8.random(in: 0 ... 255, using: &rng)
                }
                if Bool.random(using: &rng) { bytes.removeLast(Int.random(in: 0 ..< bytes.count, using: &rng)) }
                let zip = try makeZip(entries.map { $0.0.hasSuffix("data.pkl") ? ($0.0, Data(bytes)) : $0 })
                do {
                    _ = try TorchFile.decode(zip)
                } catch {
                    XCTAssertTrue(error is TorchFileError, "\(error)")
                }
            }
        }
    }
}
