import Foundation
import XCTest
import IQAData

/// Paths and small helpers shared by the IQAData tests.
enum TestSupport {
    /// The repository root: this file is Tests/IQADataTests/TestSupport.swift.
    static let repoRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `shared/` sits beside the repository checkout.
    static let livecImages = repoRoot.appendingPathComponent("../shared/datasets/livec-mini/Images").standardizedFileURL

    static func fixture(_ name: String) throws -> URL {
        guard let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw XCTSkip("test fixtures not bundled")
        }
        return folder.appendingPathComponent(name)
    }

    static func livecImage(_ name: String) throws -> URL {
        guard FileManager.default.fileExists(atPath: livecImages.path) else {
            throw XCTSkip("livec-mini images absent (\(livecImages.path))")
        }
        return livecImages.appendingPathComponent(name)
    }

    /// A fresh empty folder, removed when the test ends.
    static func temporaryFolder(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("iqadata-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

/// CRC-32 (IEEE 802.3, as zlib.crc32), to compare pixel buffers with the PIL fixture.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum<C: Sequence>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

extension TestSupport {
    static let livecRoot = repoRoot.appendingPathComponent("../shared/datasets/livec-mini").standardizedFileURL

    /// The livec-mini dataset, or a skip when `shared/` does not have it.
    static func livecMini() throws -> LIVECDataset {
        guard FileManager.default.fileExists(atPath: livecRoot.appendingPathComponent(LIVECDataset.namesFile).path) else {
            throw XCTSkip("livec-mini absent (\(livecRoot.path))")
        }
        return LIVECDataset(root: livecRoot)
    }
}
