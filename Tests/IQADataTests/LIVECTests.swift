import Foundation
import XCTest
@testable import IQAData

final class LIVECTests: XCTestCase {
    static let livecRoot = TestSupport.livecRoot

    func livecMini() throws -> LIVECDataset {
        try TestSupport.livecMini()
    }

    // MARK: livec-mini

    func testLoadsLivecMini() throws {
        let dataset = try livecMini()
        let samples = try dataset.load()
        XCTAssertEqual(samples.count, 667)
        XCTAssertEqual(samples.first?.name, "109.bmp")
        XCTAssertEqual(samples.first?.url, Self.livecRoot.appendingPathComponent("Images/109.bmp"))
        XCTAssertFalse(samples.contains { $0.name.hasPrefix("t") })
        XCTAssertEqual(samples.filter { $0.name.hasSuffix(".JPG") }.count, 627)
        let stats = try XCTUnwrap(DatasetSummary.ScoreStatistics(samples.map(\.score)))
        XCTAssertEqual(stats.count, 667)
        XCTAssertEqual(stats.min, 3.42)
        XCTAssertEqual(stats.max, 92.4319526627219, accuracy: 1e-12)
        XCTAssertEqual(stats.mean, 56.73860338816172, accuracy: 1e-9)
        XCTAssertEqual(stats.std, 20.90702420296786, accuracy: 1e-9)
        XCTAssertEqual(try dataset.imageNames(), samples.map(\.name))
        // The protocol's default load() is the same.
        XCTAssertEqual(try (dataset as any IQADatasetSource).load(), samples)
    }

    func testLivecMiniSummaryFromHeaders() throws {
        let samples = try livecMini().load()
        let summary = DatasetSummary.make(samples: samples, check: .header)
        XCTAssertEqual(summary.count, 667)
        XCTAssertEqual(summary.problems, [])
        XCTAssertEqual(summary.imageSizes, [
            .init(width: 500, height: 500, count: 665),
            .init(width: 608, height: 608, count: 1),
            .init(width: 640, height: 960, count: 1),
        ])
    }

    func testLivecMiniSummaryDecodingEveryImage() throws {
        let samples = try livecMini().load()
        var calls = 0
        let summary = DatasetSummary.make(samples: samples, check: .decode) { done, total in
            calls += 1
            XCTAssertLessThanOrEqual(done, total)
        }
        XCTAssertEqual(calls, 667)
        XCTAssertEqual(summary.problems, [])
        XCTAssertEqual(summary.imageSizes.map(\.count), [665, 1, 1])
        XCTAssertEqual(summary.imageCheck, .decode)
    }

    // MARK: Synthetic copies

    /// A LIVEC-layout folder with the given .mat entries (after t1–t7) and the listed image files.
    func makeRoot(names: [String], scores: [Double], files: [String], training: [String]? = nil,
                  scoreCount: Int? = nil) throws -> URL {
        let root = try TestSupport.temporaryFolder(self).appendingPathComponent("ChallengeDB_release")
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("Data"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("Images/trainingImages"), withIntermediateDirectories: true)
        let b = MATBuilder()
        let allNames = (training ?? (1...7).map { "t\($0).bmp" }) + names
        var allScores = Array(repeating: 50.0, count: 7) + scores
        if let scoreCount { allScores = Array(allScores.prefix(scoreCount)) }
        let namesMat = b.header() + (try b.compressed(b.cell("AllImages_release", allNames.map { b.utf8String($0) })))
        let scoresMat = b.header() + (try b.compressed(b.doubles("AllMOS_release", allScores)))
        try Data(namesMat).write(to: root.appendingPathComponent(LIVECDataset.namesFile))
        try Data(scoresMat).write(to: root.appendingPathComponent(LIVECDataset.scoresFile))
        for file in files {
            try ImageIO.writePNG(RGBImage(width: 3, height: 2, red: 7), to: root.appendingPathComponent("Images/\(file)"))
        }
        return root
    }

    func testSyntheticLoadSkipsTrainingEntries() throws {
        let root = try makeRoot(names: ["5.bmp", "3.JPG"], scores: [12.5, 80], files: ["5.bmp", "3.JPG"])
        let samples = try LIVECDataset(root: root).load()
        XCTAssertEqual(samples.map(\.name), ["5.bmp", "3.JPG"])
        XCTAssertEqual(samples.map(\.score), [12.5, 80])
    }

    func testFailFastAndCollectedProblems() throws {
        let root = try makeRoot(names: ["a.bmp", "gone.bmp", "b.bmp", "a.bmp", "c.bmp", ""],
                                scores: [1, 2, .nan, 4, 5, 6], files: ["a.bmp", "b.bmp", "c.bmp"])
        let dataset = LIVECDataset(root: root)
        XCTAssertThrowsError(try dataset.load()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("AllImages_release.mat"), text)
            XCTAssertTrue(text.contains("entry 9: image \"gone.bmp\" is listed but missing"), text)
        }
        let result = try dataset.load(mode: .collectProblems)
        XCTAssertEqual(result.samples.map(\.name), ["a.bmp", "c.bmp"])
        XCTAssertEqual(result.problems.map(\.kind), [.missingFile, .nonFiniteScore, .duplicateName, .badEntry])
        XCTAssertEqual(result.problems.map(\.name), ["gone.bmp", "b.bmp", "a.bmp", nil])
        XCTAssertTrue(result.problems[2].message.contains("entry 11: image \"a.bmp\" is listed twice (also on entry 8)"))
        XCTAssertTrue(result.problems.allSatisfy { $0.file.hasSuffix(LIVECDataset.namesFile) })

        // The summary keeps the loader's problems and adds none for the good samples.
        let summary = DatasetSummary.make(samples: result.samples, loadProblems: result.problems)
        XCTAssertEqual(summary.problems, result.problems)
        XCTAssertEqual(summary.count, 2)
    }

    func testListErrors() throws {
        let misaligned = try makeRoot(names: ["a.bmp", "b.bmp"], scores: [1, 2], files: ["a.bmp", "b.bmp"], scoreCount: 8)
        XCTAssertThrowsError(try LIVECDataset(root: misaligned).load(mode: .collectProblems)) { error in
            XCTAssertEqual((error as? DatasetError)?.file, misaligned.appendingPathComponent(LIVECDataset.scoresFile).path)
            XCTAssertTrue("\(error)".contains("holds 8 scores but Data/AllImages_release.mat lists 9 names"), "\(error)")
        }
        let noTraining = try makeRoot(names: ["a.bmp"], scores: [1], files: ["a.bmp"],
                                      training: ["x1.bmp", "t2.bmp", "t3.bmp", "t4.bmp", "t5.bmp", "t6.bmp", "t7.bmp"])
        XCTAssertThrowsError(try LIVECDataset(root: noTraining).load()) { error in
            XCTAssertTrue("\(error)".contains("t1.bmp…t7.bmp"), "\(error)")
        }
        let root = try makeRoot(names: ["a.bmp"], scores: [1], files: ["a.bmp"])
        let b = MATBuilder()
        try Data(b.header() + b.doubles("Other", [1])).write(to: root.appendingPathComponent(LIVECDataset.scoresFile))
        XCTAssertThrowsError(try LIVECDataset(root: root).load()) { error in
            XCTAssertTrue("\(error)".contains("no variable \"AllMOS_release\" (variables: \"Other\")"), "\(error)")
        }
        try Data(b.header() + b.cell("AllMOS_release", [b.utf8String("x")])).write(to: root.appendingPathComponent(LIVECDataset.scoresFile))
        XCTAssertThrowsError(try LIVECDataset(root: root).load()) { error in
            XCTAssertTrue("\(error)".contains("expected a vector of scores"), "\(error)")
        }
        try FileManager.default.removeItem(at: root.appendingPathComponent(LIVECDataset.scoresFile))
        XCTAssertThrowsError(try LIVECDataset(root: root).load()) { error in
            XCTAssertTrue("\(error)".contains("AllMOS_release.mat: MAT file does not exist"), "\(error)")
        }
        let nowhere = root.appendingPathComponent("nowhere")
        XCTAssertThrowsError(try LIVECDataset(root: nowhere).load()) { error in
            XCTAssertEqual("\(error)", "\(nowhere.path): LIVEC folder does not exist")
        }
    }
}
