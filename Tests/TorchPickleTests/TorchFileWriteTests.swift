import Foundation
import XCTest

@testable import TorchPickle

/// Writing: round trips through our reader, and the archive layout torch.load expects.
/// (Files written this way were also opened with Python's torch.load 1.13 during development;
/// the tests themselves never call Python.)
final class TorchFileWriteTests: XCTestCase {
    private func sampleValue() throws -> PickleValue {
        let weight = try TensorRecord([Float(1.5), -2, 3.25, 4, 0.005, -6], shape: [2, 3])
        let ids = try TensorRecord([Int64(1), -2, 3, 1 << 40], shape: [4])
        let scalar = try TensorRecord([3.141592653589793], shape: [])
        let mask = try TensorRecord([true, false, true], shape: [3], requiresGrad: false)
        let trainable = try TensorRecord([Float(0.25), -0.75], shape: [1, 2], requiresGrad: true)
        return [
            "weight": .tensor(weight),
            "ids": .tensor(ids),
            "scale": .tensor(scalar),
            "mask": .tensor(mask),
            "trainable": .tensor(trainable),
            "meta": [
                "epoch": 7, "lr": 1e-4, "name": "hyperiqa", "layers": [1, 2, 3], "flag": true,
                "nothing": PickleValue.none, "pair": .tuple([1, "a"]), "triple": .tuple([1, 2, 3]),
                "quad": .tuple([1, 2, 3, 4]), "empty_tuple": .tuple([]), "empty_list": [], "empty_dict": [:],
                "ints": [0, 255, 256, 65535, 65536, -1, -129, 2_147_483_647, -2_147_483_648, 2_147_483_648,
                         -2_147_483_649, .int(Int64.max), .int(Int64.min), 128, -128, 32768],
                "unicode": "Größe ✓ 画像", "blob": .bytes(Data([0, 1, 0x7F, 0x80, 0xFE, 0xFF, 0x0D, 0x0A])),
                "floats": [0.0, -0.0, 1e300, -2.5, .double(.infinity)],
                "int_keys": .dict(PickleDict([(.int(1), "one"), (.int(2), "two")])),
            ],
        ]
    }

    func testRoundTripThroughBytes() throws {
        let value = try sampleValue()
        let data = try TorchFile.encode(value)
        let back = try TorchFile.decode(data)
        XCTAssertEqual(back, value)
        XCTAssertEqual(back["trainable"]?.tensorValue?.requiresGrad, true)
        XCTAssertEqual(back["meta"]?["ints"], value["meta"]?["ints"])
        // Key order is kept.
        XCTAssertEqual(back.dictValue?.keys, value.dictValue?.keys)
    }

    func testRoundTripThroughFileIsAtomicAndNamesTheArchive() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("torchpickle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("checkpoint.pt")
        let value = try sampleValue()
        try TorchFile.save(value, to: url)
        try TorchFile.save(value, to: url)  // overwriting works too
        XCTAssertEqual(try TorchFile.load(contentsOf: url), value)
        // Only the target remains: the temporary file was renamed into place.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["checkpoint.pt"])
        // Like torch.save, the archive folder is named after the file.
        let names = try zipEntries(Data(contentsOf: url)).map(\.0)
        XCTAssertTrue(names.allSatisfy { $0.hasPrefix("checkpoint/") }, "\(names)")
    }

    func testSaveIntoMissingDirectoryFailsCleanly() throws {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/x.pt")
        assertTorchFileError(.io, containing: "x.pt: cannot write") {
            try TorchFile.save(["a": 1], to: url)
        }
    }

    func testArchiveLayout() throws {
        let t0 = try TensorRecord([Float(1), 2, 3], shape: [3])
        let t1 = try TensorRecord([Int64(7)], shape: [])
        let data = try TorchFile.encode(["a": .tensor(t0), "b": [.tensor(t1)]], archiveName: "model")
        let entries = try zipEntries(data)
        XCTAssertEqual(entries.map(\.0), ["model/data.pkl", "model/byteorder", "model/data/0", "model/data/1", "model/version"])
        XCTAssertEqual(entries[1].1, Data("little".utf8))
        XCTAssertEqual(entries[2].1, t0.contiguousBytes())
        XCTAssertEqual(entries[3].1, Data([7, 0, 0, 0, 0, 0, 0, 0]))
        XCTAssertEqual(entries[4].1, Data("3\n".utf8))

        // Every record's data starts on a 64-byte boundary (local header + name + extra field).
        let reader = try ZipReader(data)
        for entry in reader.entries {
            let h = entry.localHeaderOffset
            let nameLength = try XCTUnwrap(data.readLE(UInt16.self, at: h + 26))
            let extraLength = try XCTUnwrap(data.readLE(UInt16.self, at: h + 28))
            XCTAssertEqual((h + 30 + Int(nameLength) + Int(extraLength)) % 64, 0, entry.name)
            XCTAssertEqual(entry.method, 0)
        }
        // The pickle starts with PROTO 2 and calls the dict a plain dict.
        let pickle = [UInt8](entries[0].1)
        XCTAssertEqual(Array(pickle.prefix(3)), [0x80, 0x02, 0x7D])
        XCTAssertEqual(pickle.last, 0x2E)
        // The archive decodes under any folder name.
        XCTAssertEqual(try TorchFile.decode(data)["a"]?.tensorValue, t0)
    }

    func testNonContiguousTensorIsWrittenContiguously() throws {
        let root = try loadFixture("mixed.pt")
        let view = try XCTUnwrap(root["view"]?.tensorValue)
        let data = try TorchFile.encode(.tensor(view))
        let back = try XCTUnwrap(try TorchFile.decode(data).tensorValue)
        XCTAssertEqual(back.strides, [3, 1])
        XCTAssertEqual(back.storageOffset, 0)
        XCTAssertEqual(back.storage.count, 9 * 4)
        XCTAssertEqual(try back.values(as: Float.self), [1, 2, 3, 5, 6, 7, 9, 10, 11])
    }

    func testRewritingPythonFilesKeepsTheirValues() throws {
        for name in ["mixed.pt", "dtypes.pt", "state_dict.pt", "tensor.pt", "parameter.pt"] {
            let value = try loadFixture(name)
            XCTAssertEqual(try TorchFile.decode(try TorchFile.encode(value)), value, name)
        }
    }

    func testEncodeIsDeterministic() throws {
        let value = try sampleValue()
        XCTAssertEqual(try TorchFile.encode(value), try TorchFile.encode(value))
    }

    func testInvalidArchiveName() {
        assertTorchFileError(.unencodable, containing: "invalid archive name") {
            _ = try TorchFile.encode(1, archiveName: "a/b")
        }
    }

    func testCRC32KnownValues() {
        XCTAssertEqual(CRC32.checksum(Data("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum(Data()), 0)
        XCTAssertEqual(CRC32.checksum(Data("The quick brown fox jumps over the lazy dog".utf8)), 0x414F_A339)
    }
}
