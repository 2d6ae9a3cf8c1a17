import Foundation
import XCTest
@testable import IQAData

/// Builds MAT v5 bytes element by element, so that tests can cover the layouts LIVEC's files do
/// not use (small elements, UTF-16 chars, integer storage, big-endian, uncompressed variables).
struct MATBuilder {
    var bigEndian = false

    func u16(_ v: UInt16) -> [UInt8] {
        bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)]
    }

    func u32(_ v: UInt32) -> [UInt8] {
        let le = (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) }
        return bigEndian ? le.reversed() : le
    }

    func u64(_ v: UInt64) -> [UInt8] {
        let le = (0..<8).map { UInt8((v >> (8 * UInt64($0))) & 0xFF) }
        return bigEndian ? le.reversed() : le
    }

    func header(text: String = "MATLAB 5.0 MAT-file, Platform: test", version: UInt16 = 0x0100) -> [UInt8] {
        var h = Array(text.utf8.prefix(116))
        h += [UInt8](repeating: 0x20, count: 116 - h.count)
        h += [UInt8](repeating: 0, count: 8)
        h += u16(version)
        h += bigEndian ? Array("MI".utf8) : Array("IM".utf8)
        return h
    }

    /// A regular element, padded to 8 bytes (`pad: false` for compressed ones).
    func element(_ type: UInt32, _ data: [UInt8], pad: Bool = true) -> [UInt8] {
        var e = u32(type) + u32(UInt32(data.count)) + data
        if pad { e += [UInt8](repeating: 0, count: (8 - data.count % 8) % 8) }
        return e
    }

    /// A small data element (at most 4 bytes of data inside the tag).
    func small(_ type: UInt32, _ data: [UInt8]) -> [UInt8] {
        precondition(data.count <= 4)
        return u32(UInt32(data.count) << 16 | type) + data + [UInt8](repeating: 0, count: 4 - data.count)
    }

    func name(_ name: String) -> [UInt8] {
        let bytes = Array(name.utf8)
        return bytes.count <= 4 ? small(1, bytes) : element(1, bytes)
    }

    func matrix(class arrayClass: UInt32, flags: UInt32 = 0, dims: [Int32], name n: String, body: [UInt8]) -> [UInt8] {
        let content = element(6, u32(flags | arrayClass) + u32(0))
            + element(5, dims.flatMap { u32(UInt32(bitPattern: $0)) })
            + name(n) + body
        return element(14, content)
    }

    func doubles(_ name: String, _ values: [Double], dims: [Int32]? = nil) -> [UInt8] {
        matrix(class: 6, dims: dims ?? [1, Int32(values.count)], name: name,
               body: element(9, values.flatMap { u64($0.bitPattern) }))
    }

    func utf8String(_ s: String, name n: String = "") -> [UInt8] {
        let bytes = Array(s.utf8)
        return matrix(class: 4, dims: [1, Int32(s.utf16.count)], name: n, body: element(16, bytes))
    }

    func utf16String(_ s: String, name n: String = "", type: UInt32 = 4) -> [UInt8] {
        let units = Array(s.utf16)
        let body = units.count * 2 <= 4 ? small(type, units.flatMap { u16($0) }) : element(type, units.flatMap { u16($0) })
        return matrix(class: 4, dims: [1, Int32(units.count)], name: n, body: body)
    }

    func cell(_ name: String, _ cells: [[UInt8]], dims: [Int32]? = nil) -> [UInt8] {
        matrix(class: 1, dims: dims ?? [Int32(cells.count), 1], name: name, body: cells.flatMap { $0 })
    }

    func compressed(_ matrix: [UInt8]) throws -> [UInt8] {
        element(15, try Zlib.deflate(matrix), pad: false)
    }
}

final class MATFileTests: XCTestCase {
    static let livecData = TestSupport.repoRoot
        .appendingPathComponent("../shared/datasets/livec-mini/Data").standardizedFileURL

    func livecFile(_ name: String) throws -> URL {
        let url = Self.livecData.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("livec-mini .mat files absent (\(url.path))")
        }
        return url
    }

    func livecBytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: try livecFile(name)))
    }

    func assertProblem(_ bytes: [UInt8], contains text: String? = nil, _ message: String = "",
                       file: StaticString = #filePath, line: UInt = #line) {
        do {
            let vars = try MATFile.parse(bytes, file: "x.mat")
            XCTFail("parsed without an error (\(vars.keys.sorted())) \(message)", file: file, line: line)
        } catch let error as DatasetError {
            XCTAssertEqual(error.file, "x.mat", file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), "one line", file: file, line: line)
            if let text {
                XCTAssertTrue(error.problem.contains(text), "\"\(error.problem)\" lacks \"\(text)\" \(message)",
                              file: file, line: line)
            }
        } catch {
            XCTFail("unexpected error type \(error)", file: file, line: line)
        }
    }

    // MARK: livec-mini

    func testLIVECNames() throws {
        let vars = try MATFile.read(try livecFile("AllImages_release.mat"))
        XCTAssertEqual(Array(vars.keys), ["AllImages_release"])
        let names = try XCTUnwrap(vars["AllImages_release"]?.strings)
        XCTAssertEqual(names.count, 674)
        XCTAssertEqual(Array(names.prefix(7)), (1...7).map { "t\($0).bmp" })
        XCTAssertEqual(names[7], "109.bmp")
        XCTAssertEqual(Set(names).count, 674)
        XCTAssertEqual(names.filter { $0.hasSuffix(".JPG") }.count, 627)
    }

    func testLIVECScores() throws {
        let vars = try MATFile.read(try livecFile("AllMOS_release.mat"))
        guard case .doubles(let mos, let dims) = try XCTUnwrap(vars["AllMOS_release"]) else {
            return XCTFail("MOS is not numeric")
        }
        XCTAssertEqual(dims, [1, 674])
        XCTAssertEqual(mos.count, 674)
        XCTAssertEqual(mos.min(), 3.42)
        XCTAssertEqual(try XCTUnwrap(mos.max()), 92.4319526627219, accuracy: 1e-12)
        XCTAssertEqual(mos.reduce(0, +) / Double(mos.count), 56.702880047814084, accuracy: 1e-9)
        XCTAssertEqual(mos[0], 63.96340617, accuracy: 1e-8)

        let std = try MATFile.read(try livecFile("AllStdDev_release.mat"))
        XCTAssertEqual(std["AllStdDev_release"]?.doubles?.count, 674)
    }

    func testTruncatedCopiesAreErrors() throws {
        for name in ["AllImages_release.mat", "AllMOS_release.mat"] {
            let bytes = try livecBytes(name)
            var lengths: Set<Int> = [0, 1, 7, 64, 115, 127, 128, 129, 131, 135, 136, 137, 140, 200, 512, 1000,
                                     bytes.count / 2, bytes.count - 8, bytes.count - 4, bytes.count - 1]
            lengths.formUnion(stride(from: 0, to: bytes.count, by: 97))
            // The bare 128-byte header is a valid file with no variables; the loaders then report the
            // missing variable.
            lengths.remove(128)
            XCTAssertEqual(try MATFile.parse(Array(bytes.prefix(128)), file: "x.mat"), [:])
            for length in lengths.sorted() {
                assertProblem(Array(bytes.prefix(length)), "\(name) cut to \(length) bytes")
            }
            assertProblem(Array(bytes.prefix(bytes.count - 1)), contains: "truncated")
            assertProblem(Array(bytes.prefix(100)), contains: "truncated")
        }
    }

    func testFlippedBytesInTheZlibStreamAreErrors() throws {
        let bytes = try livecBytes("AllImages_release.mat")
        // 128-byte header, 8-byte tag, then the zlib stream (0x78 0x9C ...) to the end of the file.
        XCTAssertEqual(Array(bytes[136...137]), [0x78, 0x9C])
        for position in [136, 137, 138, 150, 400, 1000, bytes.count - 20, bytes.count - 4, bytes.count - 1] {
            var damaged = bytes
            damaged[position] ^= 0xFF
            assertProblem(damaged, contains: "zlib", "byte \(position) flipped")
        }
    }

    func testEveryFlippedByteIsHandled() throws {
        // No crash and no trap anywhere in the file: each damaged copy parses or throws.
        let bytes = try livecBytes("AllImages_release.mat")
        let original = try MATFile.parse(bytes, file: "x.mat")
        for position in 0..<bytes.count {
            var damaged = bytes
            damaged[position] ^= 0x5A
            if let vars = try? MATFile.parse(damaged, file: "x.mat"), position >= 136 {
                XCTAssertEqual(vars, original, "byte \(position) changed the stream yet it still parsed")
            }
        }
    }

    func testBadHeaders() throws {
        let bytes = try livecBytes("AllMOS_release.mat")
        assertProblem([], contains: "empty file")
        var endian = bytes
        endian[126] = 0x58
        endian[127] = 0x58
        assertProblem(endian, contains: "endian")
        var text = bytes
        text.replaceSubrange(0..<6, with: Array("HELLO!".utf8))
        assertProblem(text, contains: "bad header")
        var version = bytes
        version[124] = 0x00
        version[125] = 0x02
        assertProblem(version, contains: "v7.3")
        version[125] = 0x05
        assertProblem(version, contains: "version")
        assertProblem([UInt8](repeating: 0, count: 200), contains: "bad header")
    }

    func testReadErrorsNameTheFile() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/AllMOS_release.mat")
        XCTAssertThrowsError(try MATFile.read(missing)) { error in
            XCTAssertEqual((error as? DatasetError)?.file, missing.path)
        }
    }

    // MARK: Synthetic layouts

    func testSmallElementsUTF16AndIntegerStorage() throws {
        for bigEndian in [false, true] {
            let b = MATBuilder(bigEndian: bigEndian)
            let names = b.cell("nm", [b.utf16String("ab"), b.utf16String("été.png", type: 17), b.utf8String("x"),
                                      b.utf16String("")])
            let ints = b.matrix(class: 6, dims: [2, 2], name: "ints",
                                body: b.element(3, [Int16(-3), 4, 500, -32768].flatMap { b.u16(UInt16(bitPattern: $0)) }))
            let tiny = b.matrix(class: 6, dims: [1, 1], name: "one", body: b.small(2, [7]))
            let single = b.matrix(class: 7, dims: [1, 2], name: "single",
                                  body: b.element(7, [Float(1.5), -2.25].flatMap { b.u32($0.bitPattern) }))
            var file = b.header() + names + (try b.compressed(ints)) + tiny + single
            file += b.doubles("mos", [1.25, 50, 99.5])
            let vars = try MATFile.parse(file, file: "x.mat")
            XCTAssertEqual(vars["nm"], .strings(["ab", "été.png", "x", ""]), "bigEndian \(bigEndian)")
            XCTAssertEqual(vars["ints"], .doubles([-3, 4, 500, -32768], dims: [2, 2]))
            XCTAssertEqual(vars["one"], .doubles([7], dims: [1, 1]))
            XCTAssertEqual(vars["single"], .doubles([1.5, -2.25], dims: [1, 2]))
            XCTAssertEqual(vars["mos"], .doubles([1.25, 50, 99.5], dims: [1, 3]))
        }
    }

    func testCharMatrixIsOneStringPerRow() throws {
        let b = MATBuilder()
        // ["abc"; "xyz"] stored column by column: a x b y c z.
        let m = b.matrix(class: 4, dims: [2, 3], name: "rows", body: b.element(16, Array("axbycz".utf8)))
        let vars = try MATFile.parse(b.header() + m, file: "x.mat")
        XCTAssertEqual(vars["rows"], .strings(["abc", "xyz"]))
    }

    func testUnsupportedContentIsAnError() throws {
        let b = MATBuilder()
        let structVar = b.matrix(class: 2, dims: [1, 1], name: "s", body: [])
        assertProblem(b.header() + structVar, contains: "unsupported class \"struct\"")
        let sparse = b.matrix(class: 5, dims: [2, 2], name: "sp", body: [])
        assertProblem(b.header() + (try b.compressed(sparse)), contains: "unsupported class \"sparse\"")
        let complex = b.matrix(class: 6, flags: 0x0800, dims: [1, 1], name: "z", body: b.element(9, b.u64(0)))
        assertProblem(b.header() + complex, contains: "complex")
        let numericCell = b.cell("c", [b.doubles("", [1])])
        assertProblem(b.header() + numericCell, contains: "numeric")
        let shortData = b.matrix(class: 6, dims: [1, 3], name: "d", body: b.element(9, b.u64(0)))
        assertProblem(b.header() + shortData, contains: "8 bytes of data for 3 values")
        let badUTF8 = b.matrix(class: 4, dims: [1, 2], name: "u", body: b.element(16, [0xC3, 0x28]))
        assertProblem(b.header() + badUTF8, contains: "UTF-8")
        let twice = b.doubles("a", [1]) + b.doubles("a", [2])
        assertProblem(b.header() + twice, contains: "appears twice")
        let hugeDims = b.matrix(class: 6, dims: [100_000, 100_000], name: "h", body: b.element(9, b.u64(0)))
        assertProblem(b.header() + hugeDims, contains: "larger than its data")
        let notMatrix = b.element(9, b.u64(0))
        assertProblem(b.header() + notMatrix, contains: "unexpected data type 9")
        let fewerCells = b.cell("c", [b.utf8String("a")], dims: [3, 1])
        assertProblem(b.header() + fewerCells, contains: "holds only 1 cells")
    }

    func testHeaderOnlyFileHasNoVariables() throws {
        XCTAssertEqual(try MATFile.parse(MATBuilder().header(), file: "x.mat"), [:])
    }
}
