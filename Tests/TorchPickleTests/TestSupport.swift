import Foundation
import XCTest

@testable import TorchPickle

/// The committed fixtures (made by Fixtures/make_fixtures.py with torch 1.13).
func fixtureURL(_ name: String) throws -> URL {
    let folder = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil), "Fixtures missing from the bundle")
    return folder.appendingPathComponent(name)
}

func loadFixture(_ name: String) throws -> PickleValue {
    try TorchFile.load(contentsOf: fixtureURL(name))
}

/// Asserts that `body` throws a TorchFileError of `kind` whose description contains `fragment`.
func assertTorchFileError(_ kind: TorchFileError.Kind, containing fragment: String,
                          file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected a TorchFileError (\(kind)) mentioning '\(fragment)', but nothing was thrown", file: file, line: line)
    } catch let error as TorchFileError {
        XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
        XCTAssertTrue(error.description.contains(fragment), "'\(error)' should mention '\(fragment)'", file: file, line: line)
    } catch {
        XCTFail("expected a TorchFileError, got \(error)", file: file, line: line)
    }
}

/// A zip of stored entries built with our own writer (handy for crafting broken archives).
func makeZip(_ entries: [(String, Data)]) throws -> Data {
    var writer = ZipWriter()
    for (name, data) in entries { try writer.add(name: name, contents: data) }
    return try writer.finish()
}

/// Entries of a torch.save archive, by name.
func zipEntries(_ data: Data) throws -> [(String, Data)] {
    let reader = try ZipReader(data)
    return try reader.entries.map { ($0.name, try reader.contents(of: $0)) }
}

/// A tiny deterministic generator (tests must not depend on the system's randomness).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
