import Foundation
import XCTest
@testable import IQAData

/// The two official index-file formats: .npy arrays and pickled lists of ints.
final class IndexFileTests: XCTestCase {
    /// An .npy file as np.save writes it: magic, version, padded header, raw data.
    func npy(descr: String, shape: String, fortran: Bool = false, data: [UInt8], major: UInt8 = 1) -> [UInt8] {
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
        let prefix = major == 1 ? 10 : 12
        while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = header.utf8.count
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
        bytes += major == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)]
            : [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8((length >> 16) & 0xFF), UInt8(length >> 24)]
        return bytes + Array(header.utf8) + data
    }

    func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { v in (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    }

    func assertNPYError(_ bytes: [UInt8], _ words: String, line: UInt = #line) {
        XCTAssertThrowsError(try NPYArray.parse(bytes, file: "p.npy"), line: line) { error in
            XCTAssertEqual((error as? DatasetError)?.file, "p.npy", line: line)
            XCTAssertTrue("\(error)".contains(words), "\(error) lacks \(words)", line: line)
            XCTAssertFalse("\(error)".contains("\n"), line: line)
        }
    }

    func testNPYDtypesShapesAndVersions() throws {
        let i8 = try NPYArray.parse(npy(descr: "<i8", shape: "(3,)", data: le([Int64(5), -2, 1 << 40])), file: "p.npy")
        XCTAssertEqual(i8, NPYArray(shape: [3], values: .int64([5, -2, 1 << 40])))
        XCTAssertEqual(try i8.intValues(), [5, -2, 1 << 40])
        XCTAssertEqual(i8.dtype, "<i8")

        let i4 = try NPYArray.parse(npy(descr: "<i4", shape: "(2, 2)", data: le([Int32(1), 2, 3, -4]), major: 2), file: "p.npy")
        XCTAssertEqual(i4.shape, [2, 2])
        XCTAssertEqual(try i4.intValues(), [1, 2, 3, -4])

        let f4 = try NPYArray.parse(npy(descr: "<f4", shape: "(2,)", data: le([Float(1.5).bitPattern, Float(-0.25).bitPattern])), file: "p.npy")
        XCTAssertEqual(f4.doubleValues, [1.5, -0.25])
        XCTAssertThrowsError(try f4.intValues()) { XCTAssertTrue("\($0)".contains("floating-point")) }

        let f8 = try NPYArray.parse(npy(descr: "<f8", shape: "()", data: le([Double(3.25).bitPattern]), major: 3), file: "p.npy")
        XCTAssertEqual(f8, NPYArray(shape: [], values: .float64([3.25])))

        let empty = try NPYArray.parse(npy(descr: "<i8", shape: "(0,)", data: []), file: "p.npy")
        XCTAssertEqual(empty.count, 0)
        let fortran1D = try NPYArray.parse(npy(descr: "<i4", shape: "(2,)", fortran: true, data: le([Int32(7), 8])), file: "p.npy")
        XCTAssertEqual(try fortran1D.intValues(), [7, 8])
    }

    func testNPYErrors() throws {
        let good = npy(descr: "<i8", shape: "(2,)", data: le([Int64(1), 2]))
        assertNPYError([], "empty file")
        assertNPYError(Array(good.prefix(5)), "truncated")
        assertNPYError(Array(good.prefix(40)), "truncated: the header claims")
        assertNPYError(Array(good.dropLast(3)), "truncated: shape [2] needs 16 bytes of data, only 13 remain")
        assertNPYError(good + [0], "1 bytes after the data")
        assertNPYError(Array("NOTNUMPY..".utf8), "not an .npy file")
        var version = good
        version[6] = 9
        assertNPYError(version, "unsupported .npy format version 9")
        assertNPYError(npy(descr: ">i8", shape: "(2,)", data: le([Int64(1), 2])), "unsupported dtype '>i8'")
        assertNPYError(npy(descr: "|u1", shape: "(2,)", data: [1, 2]), "unsupported dtype '|u1'")
        assertNPYError(npy(descr: "<i4", shape: "(2, 2)", fortran: true, data: le([Int32(1), 2, 3, 4])), "Fortran-order")
        assertNPYError(npy(descr: "<i8", shape: "[2]", data: le([Int64(1), 2])), "malformed header")
        assertNPYError(npy(descr: "<i8", shape: "(99999999999, 99999999999)", data: []), "too large")
        var noShape = Array(good)
        let text = String(decoding: noShape[10..<noShape.count - 16], as: UTF8.self).replacingOccurrences(of: "'shape'", with: "'shapf'")
        noShape.replaceSubrange(10..<noShape.count - 16, with: Array(text.utf8))
        assertNPYError(noShape, "no 'shape' tuple")
        // Every prefix fails cleanly.
        for n in 0..<good.count { XCTAssertThrowsError(try NPYArray.parse(Array(good.prefix(n)), file: "p.npy")) }
    }

    // MARK: Pickled index lists

    func write(_ bytes: [UInt8]) throws -> URL {
        let url = try TestSupport.temporaryFolder(self).appendingPathComponent("index.pkl")
        try Data(bytes).write(to: url)
        return url
    }

    func testPickledLists() throws {
        // pickle.dumps([1, 300, -5, 70000], protocol=3)
        let list: [UInt8] = [0x80, 0x03, 0x5D, 0x71, 0x00, 0x28, 0x4B, 0x01, 0x4D, 0x2C, 0x01,
                             0x4A, 0xFB, 0xFF, 0xFF, 0xFF, 0x4A, 0x70, 0x11, 0x01, 0x00, 0x65, 0x2E]
        XCTAssertEqual(try OfficialSplitImport.readIndexList(pickle: try write(list)), [1, 300, -5, 70000])
        // pickle.dumps((4, 2), protocol=2)
        let tuple: [UInt8] = [0x80, 0x02, 0x4B, 0x04, 0x4B, 0x02, 0x86, 0x71, 0x00, 0x2E]
        XCTAssertEqual(try OfficialSplitImport.readIndexList(pickle: try write(tuple)), [4, 2])
    }

    func testPickleErrorsNameTheFile() throws {
        let cases: [([UInt8], String)] = [
            ([], "empty file"),
            ([0x80, 0x03, 0x5D, 0x71, 0x00, 0x28, 0x4B, 0x01], "truncated"),
            ([0x80, 0x03, 0x7D, 0x2E], "holds a dict, expected a list of ints"),
            ([0x80, 0x03, 0x5D, 0x28, 0x4B, 0x01, 0x8C, 0x01, 0x78, 0x65, 0x2E], "entry 1 is a string, expected an int"),
            // A numpy array pickle names numpy globals, which are refused (never executed).
            ([0x80, 0x02] + Array("cnumpy.core.multiarray\n_reconstruct\n".utf8) + [0x2E], "not allowed"),
        ]
        for (bytes, words) in cases {
            let url = try write(bytes)
            XCTAssertThrowsError(try OfficialSplitImport.readIndexList(pickle: url)) { error in
                XCTAssertEqual((error as? DatasetError)?.file, url.path)
                XCTAssertTrue("\(error)".contains(words), "\(error) lacks \(words)")
            }
        }
        let missing = URL(fileURLWithPath: "/nonexistent/index.pkl")
        XCTAssertThrowsError(try OfficialSplitImport.readIndexList(pickle: missing)) { error in
            XCTAssertEqual("\(error)", "/nonexistent/index.pkl: pickle file does not exist")
        }
    }
}
