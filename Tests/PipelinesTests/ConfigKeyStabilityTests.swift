import IQAData
@testable import Pipelines
import XCTest

/// Step folders are named by the hash of their inputs: a field added to a config must leave every
/// existing key as it was while it holds its default, or every finished step of every store is orphaned.
final class ConfigKeyStabilityTests: XCTestCase {
    func testDefaultExperimentConfigKeepsItsFingerprint() throws {
        // The value of ExperimentConfig() before `attack.releaseJPEG` existed (2026-12-06, commit 3f77615):
        // a nil release channel is not encoded. The livec-mini suite's victim steps kept their folders
        // (victim-ede4727c8d06d268 for C-BAIQA) across that change.
        let base = ExperimentConfig()
        XCTAssertEqual(base.fingerprint, Self.pinned)
        var released = base
        released.attack.releaseJPEG = try JPEGRecompression(quality: 75)
        XCTAssertNotEqual(released.fingerprint, base.fingerprint)
        released.attack.releaseJPEG = try JPEGRecompression(quality: 75, subsampling: .s444)
        var other = base
        other.attack.releaseJPEG = try JPEGRecompression(quality: 75)
        XCTAssertNotEqual(released.fingerprint, other.fingerprint, "the subsampling is part of the key")
    }

    static let pinned = "5d4d9b8623b1e011"
}
