import Foundation
@testable import IQAData
import XCTest

final class BuiltinDatasetTests: XCTestCase {
    private func generate(_ generator: BuiltinDatasetGenerator) throws -> URL {
        let dir = try TestSupport.temporaryFolder(self).appendingPathComponent("builtin")
        try generator.generate(into: dir, progress: nil)
        return dir
    }

    private func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    func testSameSeedGivesIdenticalBytes() throws {
        let generator = BuiltinDatasetGenerator(count: 12, size: 64, seed: 7)
        let a = try generate(generator), b = try generate(generator)
        for file in ["scores.csv", "README.md", "images/00000.png", "images/00005.png", "images/00011.png"] {
            XCTAssertEqual(try bytes(a.appendingPathComponent(file)), try bytes(b.appendingPathComponent(file)), file)
        }
        let images = try FileManager.default.contentsOfDirectory(atPath: a.appendingPathComponent("images").path)
        XCTAssertEqual(images.sorted(), (0..<12).map { String(format: "%05d.png", $0) })
    }

    /// scores.csv involves only our RNG and IEEE arithmetic, so it is the same on every machine.
    func testScoresAreStableAcrossMachines() throws {
        let lines = BuiltinDatasetGenerator(count: 12, size: 64, seed: 7).csvLines(
            BuiltinDatasetGenerator(count: 12, size: 64, seed: 7).items())
        XCTAssertEqual(lines[0], "image,mos,contrast,brightness,blur,noise,jpeg")
        XCTAssertEqual(CRC32.checksum(Array((lines.joined(separator: "\n") + "\n").utf8)), Self.goldenScoresCRC,
                       "scores for seed 7 changed:\n\(lines.joined(separator: "\n"))")
    }

    static let goldenScoresCRC: UInt32 = 1_628_514_457

    func testDifferentSeedsDiffer() throws {
        let a = try generate(BuiltinDatasetGenerator(count: 12, size: 64, seed: 7))
        let b = try generate(BuiltinDatasetGenerator(count: 12, size: 64, seed: 8))
        XCTAssertNotEqual(try bytes(a.appendingPathComponent("scores.csv")), try bytes(b.appendingPathComponent("scores.csv")))
        XCTAssertNotEqual(try ImageIO.read(a.appendingPathComponent("images/00000.png")),
                          try ImageIO.read(b.appendingPathComponent("images/00000.png")))
    }

    func testWrittenImagesAreTheRenderedOnesWhateverTheScheduling() throws {
        let generator = BuiltinDatasetGenerator(count: 8, size: 48, seed: 3)
        let dir = try generate(generator)
        for i in [0, 3, 7] {
            XCTAssertEqual(try ImageIO.read(dir.appendingPathComponent(generator.item(at: i).name)), try generator.image(at: i))
        }
        // Items do not depend on the dataset they sit in, only on (seed, index).
        XCTAssertEqual(BuiltinDatasetGenerator(count: 20, size: 48, seed: 3).item(at: 5).mos, generator.item(at: 5).mos)
    }

    func testScoresCSVMatchesItems() throws {
        let generator = BuiltinDatasetGenerator(count: 10, size: 32, seed: 11)
        let dir = try generate(generator)
        let records = try CSV.parse(String(contentsOf: dir.appendingPathComponent("scores.csv"), encoding: .utf8))
        XCTAssertEqual(records.first?.fields, BuiltinDatasetGenerator.csvColumns)
        XCTAssertEqual(records.count, 11)
        for (record, item) in zip(records.dropFirst(), generator.items()) {
            XCTAssertEqual(record.fields[0], item.name)
            XCTAssertEqual(Double(record.fields[1]), item.mos)
            for (k, kind) in BuiltinDistortionKind.allCases.enumerated() {
                XCTAssertEqual(Double(record.fields[2 + k])!, item.distortions.value(of: kind), accuracy: 5e-5)
            }
        }
        let readme = try String(contentsOf: dir.appendingPathComponent("README.md"), encoding: .utf8)
        XCTAssertTrue(readme.contains("seed 11"))
        XCTAssertTrue(readme.contains("10 images"))
        XCTAssertTrue(readme.contains("90 · Π_k (1 − w_k · s_k)"))
    }

    func testNoiselessMOSIsMonotoneInEveryStrength() {
        var rng = SeededGenerator(seed: 99)
        for _ in 0..<50 {
            var base = BuiltinDistortions.none
            for kind in BuiltinDistortionKind.allCases where rng.chance(0.4) { base.set(kind, rng.nextDouble()) }
            for kind in BuiltinDistortionKind.allCases {
                var previous = Double.infinity
                for step in 0...20 {
                    var d = base
                    let s = Double(step) / 20
                    d.set(kind, kind == .brightness && rng.chance(0.5) ? -s : s)
                    let mos = BuiltinDatasetScoring.mos(for: d)
                    XCTAssertLessThan(mos, previous, "\(kind) at \(s) over \(base)")
                    XCTAssertGreaterThanOrEqual(mos, 0)
                    previous = mos
                }
            }
        }
        XCTAssertEqual(BuiltinDatasetScoring.mos(for: .none), 90)
        XCTAssertEqual(BuiltinDatasetScoring.mos(for: .none, raterNoise: 30), 100) // clipped
        XCTAssertEqual(BuiltinDatasetScoring.mos(for: BuiltinDistortions(blur: 1, noise: 1), raterNoise: -50), 0)
    }

    func testScoreStatisticsLookLikeLIVEC() {
        let items = BuiltinDatasetGenerator(count: 200, seed: 0).items() // recipes only, no rendering
        let scores = items.map(\.mos)
        let mean = scores.reduce(0, +) / Double(scores.count)
        let std = (scores.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(scores.count)).squareRoot()
        XCTAssertGreaterThanOrEqual(scores.min()!, 0)
        XCTAssertLessThanOrEqual(scores.max()!, 100)
        XCTAssertLessThan(scores.min()!, 30)
        XCTAssertGreaterThan(scores.max()!, 88)
        XCTAssert((48...68).contains(mean), "mean \(mean)")
        XCTAssert((14...23).contains(std), "std \(std)")
        let pristine = items.filter { $0.distortions.active.isEmpty }.count
        XCTAssert((8...35).contains(pristine), "pristine \(pristine)")
        XCTAssert(items.allSatisfy { $0.distortions.active.count <= 2 })
        for kind in BuiltinDistortionKind.allCases {
            XCTAssertGreaterThan(items.filter { $0.distortions.strength(of: kind) > 0 }.count, 20, "\(kind)")
        }
        XCTAssert(items.contains { $0.distortions.brightness < 0 } && items.contains { $0.distortions.brightness > 0 })
        // Rater noise is small: scores stay close to the noiseless formula.
        let deviations = items.map { $0.mos - BuiltinDatasetScoring.mos(for: $0.distortions) }
        XCTAssertLessThan(deviations.map(abs).max()!, 12.01)
    }

    func testParameterMapping() {
        XCTAssertEqual(BuiltinDistortions(jpeg: 0).jpegQuality, 90)
        XCTAssertEqual(BuiltinDistortions(jpeg: 1).jpegQuality, 5)
        XCTAssertEqual(BuiltinDistortions(jpeg: 0.5).jpegQuality, 26)
        let qualities = (0...20).map { BuiltinDistortions(jpeg: Double($0) / 20).jpegQuality }
        XCTAssertEqual(qualities, qualities.sorted(by: >))
        XCTAssertEqual(BuiltinDistortions(blur: 1).blurSigma, 4)
        XCTAssertEqual(BuiltinDistortions(noise: 1).noiseSigma, 30)
        XCTAssertEqual(BuiltinDistortions(contrast: 1).contrastFactor, 0.3, accuracy: 1e-12)
        XCTAssertEqual(BuiltinDistortions(brightness: -1).brightnessShift, -80)
        XCTAssertEqual(BuiltinDistortions(brightness: -0.5).strength(of: .brightness), 0.5)
        XCTAssertEqual(BuiltinDistortions(brightness: 0.2, noise: 0.3).active, [.brightness, .noise])
    }

    func testEachDistortionIsVisible() throws {
        let generator = BuiltinDatasetGenerator(count: 1, size: 128, seed: 5)
        let pristine = generator.pristineImage(at: 0)
        let sharpness = gradientEnergy(pristine)
        func apply(_ d: BuiltinDistortions) throws -> RGBImage {
            var rng = SeededGenerator(seed: 1)
            return try BuiltinDatasetFilters.apply(d, to: pristine, noise: &rng)
        }
        XCTAssertEqual(try apply(.none), pristine)
        XCTAssertLessThan(gradientEnergy(try apply(BuiltinDistortions(blur: 0.5))), 0.6 * sharpness)
        XCTAssertGreaterThan(gradientEnergy(try apply(BuiltinDistortions(noise: 0.5))), 1.3 * sharpness)
        XCTAssertLessThan(standardDeviation(try apply(BuiltinDistortions(contrast: 0.8))), 0.6 * standardDeviation(pristine))
        XCTAssertGreaterThan(mean(try apply(BuiltinDistortions(brightness: 0.5))), mean(pristine) + 25)
        XCTAssertLessThan(mean(try apply(BuiltinDistortions(brightness: -0.5))), mean(pristine) - 25)
        let jpeg = try apply(BuiltinDistortions(jpeg: 0.9))
        XCTAssertGreaterThan(meanAbsoluteDifference(jpeg, pristine), 4)
    }

    func testPristineScenesAreNormalisedAndVaried() {
        let generator = BuiltinDatasetGenerator(count: 6, size: 96, seed: 2)
        let scenes = (0..<6).map { generator.pristineImage(at: $0) }
        for scene in scenes {
            XCTAssert((100...140).contains(mean(scene)), "mean \(mean(scene))")
            XCTAssert((30...70).contains(standardDeviation(scene)), "std \(standardDeviation(scene))")
        }
        XCTAssertEqual(Set(scenes).count, 6)
    }

    func testGenerateLeavesNoPartialOutput() throws {
        let folder = try TestSupport.temporaryFolder(self)
        let dir = folder.appendingPathComponent("set")
        var calls: [(Int, Int)] = []
        try BuiltinDatasetGenerator(count: 5, size: 32, seed: 1).generate(into: dir) { calls.append(($0, $1)) }
        XCTAssertEqual(calls.count, 5)
        XCTAssertEqual(calls.last?.0, 5)
        XCTAssert(calls.allSatisfy { $0.1 == 5 })
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["set"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["README.md", "images", "scores.csv"])

        // Refuses to overwrite a dataset, and leaves it as it was.
        XCTAssertThrowsError(try BuiltinDatasetGenerator(count: 3, size: 32).generate(into: dir)) { error in
            XCTAssertTrue("\(error)".contains(dir.path), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("images").path).count, 5)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["set"])

        // An empty folder is fine.
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: false)
        try BuiltinDatasetGenerator(count: 2, size: 32).generate(into: empty)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["empty", "set"])
    }

    func testGenerateCreatesMissingParentsButFailsUnderAFile() throws {
        let folder = try TestSupport.temporaryFolder(self)
        try BuiltinDatasetGenerator(count: 2, size: 32).generate(into: folder.appendingPathComponent("a/b/c"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("a/b").path), ["c"])

        let file = folder.appendingPathComponent("file")
        try Data("x".utf8).write(to: file)
        XCTAssertThrowsError(try BuiltinDatasetGenerator(count: 2, size: 32).generate(into: file.appendingPathComponent("set"))) { error in
            XCTAssertTrue("\(error)".contains(file.path), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["a", "file"])
    }

    // MARK: Helpers

    private func luminance(_ image: RGBImage) -> [Double] {
        stride(from: 0, to: image.pixels.count, by: 3).map { (i: Int) -> Double in
            let sum = Int(image.pixels[i]) + Int(image.pixels[i + 1]) + Int(image.pixels[i + 2])
            return Double(sum) / 3
        }
    }

    private func gradientEnergy(_ image: RGBImage) -> Double {
        let g = luminance(image)
        var sum = 0.0
        for y in 0..<image.height {
            for x in 1..<image.width { sum += abs(g[y * image.width + x] - g[y * image.width + x - 1]) }
        }
        return sum / Double(image.height * (image.width - 1))
    }

    private func mean(_ image: RGBImage) -> Double {
        image.pixels.reduce(0.0) { $0 + Double($1) } / Double(image.pixels.count)
    }

    private func standardDeviation(_ image: RGBImage) -> Double {
        let m = mean(image)
        return (image.pixels.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / Double(image.pixels.count)).squareRoot()
    }

    private func meanAbsoluteDifference(_ a: RGBImage, _ b: RGBImage) -> Double {
        zip(a.pixels, b.pixels).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(a.pixels.count)
    }
}
