import Foundation
import IQAData
import XCTest

/// No KonIQ-10k copy is available, so each test writes a tiny one in the release layout: the real
/// file and column names (plus the extra columns the release has), a few real image files.
final class KonIQ10kTests: XCTestCase {
    static let names = ["10004473376.jpg", "10012157904.jpg", "10020795053.jpg", "10021853044.jpg", "10026470133.jpg"]
    static let zscores = ["77.38348042", "38.17117906", "55.2", "48.81", "61.0"]
    static let sets = ["training", "validation", "test", "training", "test"]

    /// Writes the dataset; `folders` says which image folders exist.
    func makeKonIQ(folders: [KonIQ10kDataset.Resolution] = [.full, .half], scoresCSV: Bool = true,
                   setsCSV: Bool = true, setsHasZScore: Bool = false, skipImage: String? = nil) throws -> URL {
        let root = try TestSupport.temporaryFolder(self).appendingPathComponent("koniq10k")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        for folder in folders {
            let dir = root.appendingPathComponent(folder.rawValue)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let (w, h) = folder == .full ? (32, 24) : (16, 12)
            for (i, name) in Self.names.enumerated() where name != skipImage {
                let image = RGBImage(width: w, height: h, red: UInt8(40 * i), green: 100, blue: 9)
                if i == 0 {
                    try ImageIO.writePNG(image, to: dir.appendingPathComponent(name)) // a PNG named .jpg
                } else {
                    try ImageIO.writeJPEG(image, quality: 90, to: dir.appendingPathComponent(name))
                }
            }
        }
        if scoresCSV {
            var text = "\"image_name\",\"c1\",\"c2\",\"c3\",\"c4\",\"c5\",\"c_total\",\"MOS\",\"SD\",\"MOS_zscore\"\n"
            for (i, name) in Self.names.enumerated() {
                text += "\"\(name)\",0,3,40,60,2,105,3.58,0.6,\(Self.zscores[i])\n"
            }
            try Data(text.utf8).write(to: root.appendingPathComponent(KonIQ10kDataset.scoresCSVName))
        }
        if setsCSV {
            var text = "image_name,c1,c2,c3,c4,c5,c_total,MOS,SD\(setsHasZScore ? ",MOS_zscore" : ""),set\r\n"
            for (i, name) in Self.names.enumerated() {
                text += "\(name),0,3,40,60,2,105,3.5,0.6\(setsHasZScore ? ",\(Self.zscores[i])" : ""),\(Self.sets[i])\r\n"
            }
            try Data(text.utf8).write(to: root.appendingPathComponent(KonIQ10kDataset.setsCSVName))
        }
        return root
    }

    func testLoadPrefers512x384AndMOSZScore() throws {
        let root = try makeKonIQ()
        let dataset = KonIQ10kDataset(root: root)
        XCTAssertEqual(try dataset.imagesFolder(), root.appendingPathComponent("512x384"))
        XCTAssertEqual(try dataset.listURL(), root.appendingPathComponent(KonIQ10kDataset.scoresCSVName))
        let samples = try dataset.load()
        XCTAssertEqual(samples.map(\.name), Self.names)
        XCTAssertEqual(samples.map(\.score), Self.zscores.map { Double($0)! })
        XCTAssertEqual(samples[1].url, root.appendingPathComponent("512x384/10012157904.jpg"))
        let summary = DatasetSummary.make(samples: samples, check: .decode)
        XCTAssertEqual(summary.imageSizes, [.init(width: 16, height: 12, count: 5)])
        XCTAssertEqual(summary.problems, [])
    }

    func testResolutionOption() throws {
        let root = try makeKonIQ()
        let full = try KonIQ10kDataset(root: root, resolution: .full).load()
        XCTAssertEqual(full[0].url, root.appendingPathComponent("1024x768/10004473376.jpg"))
        XCTAssertEqual(DatasetSummary.make(samples: full, check: .header).imageSizes, [.init(width: 32, height: 24, count: 5)])

        let onlyFull = try makeKonIQ(folders: [.full])
        XCTAssertEqual(try KonIQ10kDataset(root: onlyFull).imagesFolder(), onlyFull.appendingPathComponent("1024x768"))
        XCTAssertThrowsError(try KonIQ10kDataset(root: onlyFull, resolution: .half).load()) { error in
            XCTAssertTrue("\(error)".contains("no KonIQ-10k image folder 512x384/"), "\(error)")
        }
        let none = try makeKonIQ(folders: [])
        XCTAssertThrowsError(try KonIQ10kDataset(root: none).load()) { error in
            XCTAssertTrue("\(error)".contains("512x384/ or 1024x768/"), "\(error)")
        }
    }

    func testSetsFileAlone() throws {
        let withZ = try makeKonIQ(scoresCSV: false, setsHasZScore: true)
        let samples = try KonIQ10kDataset(root: withZ).load()
        XCTAssertEqual(samples.map(\.score), Self.zscores.map { Double($0)! })

        let withoutZ = try makeKonIQ(scoresCSV: false)
        XCTAssertThrowsError(try KonIQ10kDataset(root: withoutZ).load()) { error in
            XCTAssertTrue("\(error)".contains("koniq10k_distributions_sets.csv: no column \"MOS_zscore\""), "\(error)")
        }
        // The 1–5 MOS column on request.
        let mos = try KonIQ10kDataset(root: withoutZ, scoreColumn: "MOS").load()
        XCTAssertEqual(Set(mos.map(\.score)), [3.5])

        let nothing = try makeKonIQ(scoresCSV: false, setsCSV: false)
        XCTAssertThrowsError(try KonIQ10kDataset(root: nothing).load()) { error in
            XCTAssertTrue("\(error)".contains("no KonIQ-10k list"), "\(error)")
        }
    }

    func testOfficialSplitFromSetColumn() throws {
        let root = try makeKonIQ()
        let dataset = KonIQ10kDataset(root: root)
        let split = try dataset.officialSplit()
        XCTAssertEqual(split.train, ["10004473376.jpg", "10021853044.jpg"])
        XCTAssertEqual(split.test, ["10012157904.jpg", "10020795053.jpg", "10026470133.jpg"])
        XCTAssertNil(split.poisonedSubset)
        let testOnly = try dataset.officialSplit(testSets: .testOnly)
        XCTAssertEqual(testOnly.test, ["10020795053.jpg", "10026470133.jpg"])
        XCTAssertEqual(testOnly.train, split.train)
        let resolved = try split.resolve(against: try dataset.load())
        XCTAssertEqual(resolved.train.map(\.score), [77.38348042, 48.81])

        let noSets = try makeKonIQ(setsCSV: false)
        XCTAssertThrowsError(try KonIQ10kDataset(root: noSets).officialSplit()) { error in
            XCTAssertTrue("\(error)".contains("no column \"set\""), "\(error)")
        }
        let badSet = try makeKonIQ()
        let setsURL = badSet.appendingPathComponent(KonIQ10kDataset.setsCSVName)
        let text = try String(contentsOf: setsURL, encoding: .utf8).replacingOccurrences(of: ",validation", with: ",holdout")
        try Data(text.utf8).write(to: setsURL)
        XCTAssertThrowsError(try KonIQ10kDataset(root: badSet).officialSplit()) { error in
            XCTAssertTrue("\(error)".contains("line 3: set \"holdout\" is not training, validation or test"), "\(error)")
        }
    }

    func testMissingImageFailsFastOrIsCollected() throws {
        let root = try makeKonIQ(skipImage: "10020795053.jpg")
        let dataset = KonIQ10kDataset(root: root)
        XCTAssertThrowsError(try dataset.load()) { error in
            XCTAssertTrue("\(error)".contains("koniq10k_scores_and_distributions.csv: line 4: image \"10020795053.jpg\" is listed but missing"),
                          "\(error)")
        }
        let result = try dataset.load(mode: .collectProblems)
        XCTAssertEqual(result.samples.count, 4)
        XCTAssertEqual(result.problems.map(\.kind), [.missingFile])
        XCTAssertEqual(result.problems.first?.name, "10020795053.jpg")
    }
}
