import Foundation
import XCTest
@testable import IQAData

final class SplitTests: XCTestCase {
    static let reference = TestSupport.repoRoot.appendingPathComponent("../shared/reference").standardizedFileURL

    func referenceFile(_ name: String) throws -> URL {
        let url = Self.reference.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("\(url.path) absent") }
        return url
    }

    func assertError(_ body: @autoclosure () throws -> Any, naming file: String, _ words: [String],
                     line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { error in
            guard let error = error as? DatasetError else { return XCTFail("not a DatasetError: \(error)", line: line) }
            XCTAssertEqual(error.file, file, line: line)
            XCTAssertFalse(error.description.contains("\n"), line: line)
            for word in words { XCTAssertTrue(error.problem.contains(word), "\"\(error.problem)\" lacks \"\(word)\"", line: line) }
        }
    }

    // MARK: Random splits

    func testRandomSplitIsSeededAndRoundsLikePython() throws {
        let names = (0..<10).map { "img\($0).png" }
        let a = try DatasetSplit.random(names: names, seed: 7)
        XCTAssertEqual(a, try DatasetSplit.random(names: names, seed: 7))
        XCTAssertNotEqual(a, try DatasetSplit.random(names: names, seed: 8))
        XCTAssertEqual(a.train.count, 8)
        XCTAssertEqual(a.test.count, 2)
        XCTAssertEqual(Set(a.train + a.test), Set(names))
        XCTAssertNotEqual(a.train, Array(names.prefix(8)), "shuffled")
        XCTAssertEqual(try DatasetSplit.random(names: (0..<1162).map { "\($0)" }, seed: 1).train.count, 930)
        XCTAssertEqual(try DatasetSplit.random(names: (0..<10073).map { "\($0)" }, trainFraction: 0.7, seed: 1).train.count, 7051)
        XCTAssertEqual(DatasetSplit.pythonRound(2.5), 2)
        XCTAssertEqual(DatasetSplit.pythonRound(3.5), 4)
        assertError(try DatasetSplit.random(names: names, trainFraction: 1, seed: 1), naming: "split", ["not between 0 and 1"])
        assertError(try DatasetSplit.random(names: ["a"], seed: 1), naming: "split", ["leaves one side empty"])
        assertError(try DatasetSplit.random(names: ["a", "b", "a", "c", "d"], seed: 1), naming: "split", ["\"a\""])
    }

    func testRandomPoisonedSubset() throws {
        let split = try DatasetSplit.random(names: (0..<100).map { "\($0).png" }, seed: 3)
        let poisoned = split.withRandomPoisonedSubset(fraction: 0.2, seed: 5)
        XCTAssertEqual(poisoned.poisonedSubset?.count, 16) // int(0.2 * 80)
        XCTAssertNoThrow(try poisoned.validate())
        XCTAssertEqual(poisoned, split.withRandomPoisonedSubset(fraction: 0.2, seed: 5))
        XCTAssertNotEqual(poisoned, split.withRandomPoisonedSubset(fraction: 0.2, seed: 6))
    }

    // MARK: Index arithmetic

    func testPermutationArithmetic() throws {
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
        let split = try DatasetSplit.fromPermutation([3, 1, 4, 0, 5, 9, 2, 6, 8, 7], names: names,
                                                     poisonedPositions: [2, 0, 7])
        XCTAssertEqual(split.train, ["d", "b", "e", "a", "f", "j", "c", "g"]) // round(0.8·10) = 8, file order
        XCTAssertEqual(split.test, ["i", "h"])
        XCTAssertEqual(split.poisonedSubset, ["e", "d", "g"]) // positions into the train list
        let six = try DatasetSplit.fromPermutation([3, 1, 4, 0, 5, 9, 2, 6, 8, 7], names: names, trainCount: 6)
        XCTAssertEqual(six.test, ["c", "g", "i", "h"])

        assertError(try DatasetSplit.fromPermutation([0, 1, 2], names: names), naming: "split",
                    ["holds 3 indices but the dataset has 10 images"])
        assertError(try DatasetSplit.fromPermutation([0, 1, 2, 3, 4, 5, 6, 7, 8, 10], names: names, source: "p.pkl"),
                    naming: "p.pkl", ["index 10 (entry 9) is outside 0..<10"])
        assertError(try DatasetSplit.fromPermutation([0, 1, 2, 3, 4, 5, 6, 7, 8, 1], names: names), naming: "split",
                    ["index 1 appears twice (again at entry 9)"])
        assertError(try DatasetSplit.fromPermutation(Array(0..<10), names: names, poisonedPositions: [8],
                                                     source: "p.pkl", positionsSource: "q.npy"),
                    naming: "q.npy", ["train position 8 (entry 0) is outside 0..<8"])
        assertError(try DatasetSplit.fromPermutation(Array(0..<10), names: names, poisonedPositions: [-1]),
                    naming: "split", ["train position -1"])
    }

    func testTrainIndexArithmetic() throws {
        let names = ["a", "b", "c", "d", "e", "f"]
        let split = try DatasetSplit.fromTrainIndices([4, 0, 2, 5], names: names, poisonedPositions: [3])
        XCTAssertEqual(split.train, ["e", "a", "c", "f"])
        XCTAssertEqual(split.test, ["b", "d"]) // ascending
        XCTAssertEqual(split.poisonedSubset, ["f"])
    }

    func testValidation() throws {
        XCTAssertNoThrow(try DatasetSplit(train: ["a"], test: []).validate())
        assertError(try DatasetSplit(train: [], test: ["a"]).validate(), naming: "split", ["training list is empty"])
        assertError(try DatasetSplit(train: ["a", "b"], test: ["b"]).validate(source: "s.json"), naming: "s.json",
                    ["\"b\" is in both train and test"])
        assertError(try DatasetSplit(train: ["a", "a"], test: []).validate(), naming: "split", ["twice in train"])
        assertError(try DatasetSplit(train: ["a"], test: ["b"], poisonedSubset: ["b"]).validate(), naming: "split",
                    ["poisoned image \"b\" is not in the training list"])
        assertError(try DatasetSplit(train: ["a"], test: ["b"], poisonedSubset: ["a", "a"]).validate(), naming: "split",
                    ["twice in poisoned_subset"])
    }

    // MARK: Split files

    func testSplitFileRoundTripAndFormat() throws {
        let folder = try TestSupport.temporaryFolder(self)
        let url = folder.appendingPathComponent("split.json")
        let split = DatasetSplit(train: ["images/a.png", "b.bmp"], test: ["c.JPG"], poisonedSubset: ["b.bmp"])
        try SplitFile.write(split, to: url)
        XCTAssertEqual(try SplitFile.read(url), split)
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.contains("\"poisoned_subset\""))
        XCTAssertTrue(text.contains("\"images/a.png\""), "slashes are not escaped")
        let train = try XCTUnwrap(text.range(of: "\"train\"")), test = try XCTUnwrap(text.range(of: "\"test\""))
        XCTAssertLessThan(train.lowerBound, test.lowerBound)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["split.json"], "no temporary file left")

        XCTAssertEqual(text, """
            {
              "train": [
                "images/a.png",
                "b.bmp"
              ],
              "test": [
                "c.JPG"
              ],
              "poisoned_subset": [
                "b.bmp"
              ]
            }

            """)
        let odd = DatasetSplit(train: ["quote\"d", "back\\slash", "é"], test: [])
        try SplitFile.write(odd, to: url)
        XCTAssertEqual(try SplitFile.read(url), odd)
        XCTAssertTrue(try String(contentsOf: url, encoding: .utf8).contains("\"test\": []"))

        let plain = DatasetSplit(train: ["a"], test: ["b"])
        try SplitFile.write(plain, to: url)
        XCTAssertFalse(try String(contentsOf: url, encoding: .utf8).contains("poisoned"))
        XCTAssertEqual(try SplitFile.read(url), plain)

        assertError(try SplitFile.write(DatasetSplit(train: ["a"], test: ["a"]), to: url), naming: url.path, ["in both"])
        let nowhere = folder.appendingPathComponent("no/such/dir/split.json")
        assertError(try SplitFile.write(plain, to: nowhere), naming: nowhere.path, ["cannot write"])
    }

    func testSplitFileErrors() throws {
        let folder = try TestSupport.temporaryFolder(self)
        let url = folder.appendingPathComponent("bad.json")
        assertError(try SplitFile.read(url), naming: url.path, ["split file does not exist"])
        for (text, words) in [("{\"train\": [\"a\"]}", ["no \"test\" list"]),
                              ("{\"train\": [\"a\"], \"test\": [1]}", ["\"test[0]\" is not a list of image names"]),
                              ("{\"train\": [\"a\"], \"test\": \"b\"}", ["\"test\" is not a list of image names"]),
                              ("not json", ["not valid JSON"]),
                              ("", ["not valid JSON"]),
                              ("{\"train\": [\"a\"], \"test\": [\"a\"]}", ["in both train and test"])] {
            try Data(text.utf8).write(to: url)
            assertError(try SplitFile.read(url), naming: url.path, words)
        }
    }

    // MARK: Official files

    func testReadsOfficialIndexFiles() throws {
        let permutation = try OfficialSplitImport.readIndexList(pickle: try referenceFile("CLIVE_traintest_index.pkl"))
        XCTAssertEqual(permutation.count, 1162)
        XCTAssertEqual(Array(permutation.prefix(5)), [7, 997, 999, 1001, 1002]) // spec A1
        XCTAssertEqual(Array(permutation.suffix(3)), [455, 42, 899])
        XCTAssertEqual(Set(permutation), Set(0..<1162))
        let positions = try OfficialSplitImport.readIndexArray(npy: try referenceFile("partial_index_p0.2.npy"))
        XCTAssertEqual(positions.count, 186)
        XCTAssertEqual(Array(positions.prefix(4)), [760, 521, 136, 322]) // spec A2
        XCTAssertEqual(positions.last, 257)
        XCTAssertEqual(positions.min(), 2)
        XCTAssertEqual(positions.max(), 927)
    }

    /// The full 1162-name LIVEC list in dataset-index order, rebuilt by inverting the official
    /// split: train[k] is the image at index pkl[k], test[j] the one at pkl[930 + j].
    func fullLIVECNames() throws -> (names: [String], reference: DatasetSplit) {
        let reference = try SplitFile.read(try referenceFile("livec_official_split.json"))
        let permutation = try OfficialSplitImport.readIndexList(pickle: try referenceFile("CLIVE_traintest_index.pkl"))
        var names = [String](repeating: "", count: permutation.count)
        for (k, name) in (reference.train + reference.test).enumerated() { names[permutation[k]] = name }
        return (names, reference)
    }

    func testImportReproducesTheOfficialSplit() throws {
        let (names, reference) = try fullLIVECNames()
        XCTAssertEqual(Set(names).count, 1162)
        XCTAssertEqual(names[1021], "1024.JPG") // spec §2.1: dataset index 1021
        XCTAssertEqual(names[1110], "1113.JPG")
        let split = try OfficialSplitImport.livec(names: names,
                                                  traintestIndex: try referenceFile("CLIVE_traintest_index.pkl"),
                                                  partialIndex: try referenceFile("partial_index_p0.2.npy"))
        XCTAssertEqual(split, reference)
        XCTAssertEqual(split.train.count, 930)
        XCTAssertEqual(split.test.count, 232)
        XCTAssertEqual(split.poisonedSubset?.count, 186)
        XCTAssertEqual(split.poisonedSubset?.first, "161.bmp") // spec A2, index 67
        XCTAssertEqual(names[67], "161.bmp")
        XCTAssertTrue(split.poisonedSubset!.contains("1024.JPG"))
        XCTAssertFalse(split.poisonedSubset!.contains("1113.JPG"))
        XCTAssertTrue(split.train.contains("1113.JPG"))

        // Written and read back, byte for byte stable.
        let url = try TestSupport.temporaryFolder(self).appendingPathComponent("livec.json")
        try SplitFile.write(split, to: url)
        XCTAssertEqual(try SplitFile.read(url), reference)

        // Without the .npy there is no poisoned subset.
        XCTAssertNil(try OfficialSplitImport.livec(names: names, traintestIndex: try referenceFile("CLIVE_traintest_index.pkl")).poisonedSubset)
    }

    func testLivecMiniNamesAreTheFullListInOrder() throws {
        // livec-mini keeps the .mat order, so its names are the full list with the absent ones removed.
        let (names, _) = try fullLIVECNames()
        let mini = try TestSupport.livecMini().imageNames()
        let present = Set(mini)
        XCTAssertEqual(names.filter { present.contains($0) }, mini)
    }

    func testImportAgainstLivecMiniIsRefused() throws {
        let mini = try TestSupport.livecMini().imageNames()
        let pkl = try referenceFile("CLIVE_traintest_index.pkl")
        assertError(try OfficialSplitImport.livec(names: mini, traintestIndex: pkl), naming: pkl.path,
                    ["holds 1162 indices but the dataset has 667 images"])
    }

    func testResolvingTheOfficialSplitAgainstLivecMini() throws {
        let samples = try TestSupport.livecMini().load()
        let splitURL = try referenceFile("livec_official_split.json")
        let split = try SplitFile.read(splitURL)
        assertError(try split.resolve(against: samples, source: splitURL.path), naming: splitURL.path,
                    ["495 images named in the split are not in the dataset (train 378, test 117, poisoned_subset 82)",
                     "\"107.bmp\", \"192.bmp\", \"194.bmp\", \"195.bmp\", \"196.bmp\", … (495 in all)"])
        let resolved = try split.resolve(against: samples, missing: .drop, source: splitURL.path)
        XCTAssertEqual(resolved.train.count, 552)
        XCTAssertEqual(resolved.test.count, 115)
        XCTAssertEqual(resolved.poisoned?.count, 104)
        XCTAssertEqual(resolved.train.first?.name, "1000.JPG")
        XCTAssertEqual(resolved.warnings.count, 1)
        XCTAssertTrue(resolved.warnings[0].hasPrefix("\(splitURL.path): dropped 495 images not in the dataset"), resolved.warnings[0])
        // Order is the split's, scores the dataset's.
        let byName = Dictionary(uniqueKeysWithValues: samples.map { ($0.name, $0) })
        XCTAssertEqual(resolved.train, split.train.compactMap { byName[$0] })

        // A split that fits resolves without warnings.
        let own = try DatasetSplit.random(names: samples.map(\.name), seed: 1)
        let exact = try own.resolve(against: samples)
        XCTAssertEqual(exact.warnings, [])
        XCTAssertEqual(exact.train.count + exact.test.count, 667)
    }

    func testResolveSmallCases() throws {
        let samples = ["a", "b", "c"].map { IQASample(name: $0, url: URL(fileURLWithPath: "/x/\($0)"), score: 1) }
        let split = DatasetSplit(train: ["a", "z"], test: ["c"])
        assertError(try split.resolve(against: samples), naming: "split",
                    ["1 images named in the split are not in the dataset (train 1): \"z\""])
        let none = DatasetSplit(train: ["y", "z"], test: ["c"])
        assertError(try none.resolve(against: samples, missing: .drop), naming: "split", ["no training image"])
    }
}
