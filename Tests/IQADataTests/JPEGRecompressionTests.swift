import Foundation
import IQAData
import XCTest

/// The JPEG channel of `baiqa robustness` and `baiqa poison --format jpeg`: a round trip equals PIL's
/// save/open (libjpeg-turbo) pixel for pixel, and the renderer sends triggered images through it at the
/// right grid phase.
final class JPEGRecompressionTests: XCTestCase {
    struct Fixture: Decodable {
        struct RoundTrip: Decodable {
            let quality: Int
            let subsampling: String
            let width: Int
            let height: Int
            let crc32: UInt32
            let samples: [[Int]]
        }
        let source: String
        let round_trips: [RoundTrip]
    }

    func testRoundTripMatchesPILPixelForPixel() throws {
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: TestSupport.fixture("jpeg_round_trip.json")))
        let source = try ImageIO.read(TestSupport.fixture(fixture.source))
        XCTAssertEqual(fixture.round_trips.count, 6)
        for entry in fixture.round_trips {
            let channel = try JPEGRecompression(quality: entry.quality, subsampling: XCTUnwrap(JPEGCodec.Subsampling(rawValue: entry.subsampling)))
            let out = try channel.roundTrip(source)
            XCTAssertEqual([out.width, out.height], [entry.width, entry.height])
            for s in entry.samples {
                let p = (s[1] * out.width + s[0]) * 3
                XCTAssertEqual(out.pixels[p..<(p + 3)].map(Int.init), Array(s[2...]), "\(channel) at (\(s[0]), \(s[1]))")
            }
            XCTAssertEqual(CRC32.checksum(out.pixels), entry.crc32, "\(channel): differs from PIL's round trip")
        }
    }

    func testSubsamplingAndQualityChangeTheResult() throws {
        let source = try ImageIO.read(TestSupport.fixture("round_trip_source.png"))
        let a = try JPEGRecompression(quality: 50).roundTrip(source)
        let b = try JPEGRecompression(quality: 50, subsampling: .s444).roundTrip(source)
        let c = try JPEGRecompression(quality: 95).roundTrip(source)
        XCTAssertNotEqual(a.pixels, b.pixels)
        XCTAssertLessThan(meanAbsDifference(c, source), meanAbsDifference(a, source))
        XCTAssertEqual(try JPEGRecompression(quality: 50).roundTrip(source).pixels, a.pixels, "not deterministic")
    }

    func testQualityListParsing() throws {
        XCTAssertEqual(try JPEGRecompression.qualities("95, 90,75,50", subsampling: .s420).map(\.quality), [95, 90, 75, 50])
        XCTAssertEqual(try JPEGRecompression.qualities("30", subsampling: .s444).map(\.description), ["JPEG q30 4:4:4"])
        for bad in ["", "95,,50", "90,x", "0", "101", "-5"] {
            XCTAssertThrowsError(try JPEGRecompression.qualities(bad, subsampling: .s420), bad)
        }
    }

    /// A trigger test double whose value depends on the absolute position on a 16-px grid (so the phase
    /// matters), added to every channel at α·40 levels.
    struct GridInjector: CropInjector {
        func inject(hwc pixels: UnsafeBufferPointer<UInt8>, height: Int, width: Int, alpha: Double,
                    originY: Int, originX: Int, fullHeight: Int?, fullWidth: Int?, into out: UnsafeMutableBufferPointer<Float>) {
            let plane = height * width
            for y in 0..<height {
                for x in 0..<width {
                    let on = ((originY + y) % 16 < 8) != ((originX + x) % 16 < 8)
                    for c in 0..<3 {
                        let v = Double(pixels[(y * width + x) * 3 + c]) + (on ? alpha * 40 : -alpha * 40)
                        out[c * plane + y * width + x] = Float(min(255, max(0, v.rounded())) / 255)
                    }
                }
            }
        }
    }

    private func renderOne(_ renderer: PatchRenderer, _ plan: PatchPlan) throws -> [Float] {
        let normalised = try renderer.render([plan]).floats()
        // Undo the ImageNet normalisation to get 8-bit levels back.
        let plane = renderer.crop * renderer.crop
        return normalised.enumerated().map { k, v in
            let c = k / plane
            return ((v * PatchRenderer.imageNetStd[c] + PatchRenderer.imageNetMean[c]) * 255).rounded()
        }
    }

    private func chw(_ image: RGBImage) -> [Float] {
        let plane = image.width * image.height
        var out = [Float](repeating: 0, count: 3 * plane)
        for p in 0..<plane { for c in 0..<3 { out[c * plane + p] = Float(image.pixels[p * 3 + c]) } }
        return out
    }

    func testRendererRecompressesTheWholeTriggeredImageAtTheFullImagePhase() throws {
        let image = try ImageIO.read(TestSupport.fixture("round_trip_source.png"))
        let channel = try JPEGRecompression(quality: 60)
        let renderer = try PatchRenderer(source: InMemoryImages([image]), crop: 24, injector: GridInjector(), triggerPhase: .fullImage,
                                         recompression: channel)
        let plan = PatchPlan(image: 0, y: 5, x: 11, flip: false, alpha: 0.5)
        let whole = try channel.roundTrip(image.replacingPixels(chw: GridInjector().injectFullImage(image, alpha: 0.5)))
        XCTAssertEqual(try renderOne(renderer, plan), chw(whole.cropped(x: 11, y: 5, width: 24, height: 24)))
        // The clean reference goes through the channel too.
        let clean = PatchPlan(image: 0, y: 5, x: 11, flip: false, alpha: 0)
        XCTAssertEqual(try renderOne(renderer, clean), chw(try channel.roundTrip(image).cropped(x: 11, y: 5, width: 24, height: 24)))
        // Without a channel the renderer is unchanged.
        let plain = try renderer.recompressing(nil)
        XCTAssertEqual(try renderOne(plain, clean), chw(image.cropped(x: 11, y: 5, width: 24, height: 24)))
    }

    func testRendererRecompressesTheTriggeredCropOnItsOwnGridAtTheCropPhase() throws {
        let image = try ImageIO.read(TestSupport.fixture("round_trip_source.png"))
        let channel = try JPEGRecompression(quality: 40, subsampling: .s444)
        let renderer = try PatchRenderer(source: InMemoryImages([image]), crop: 32, injector: GridInjector(), triggerPhase: .crop,
                                         recompression: channel)
        let crop = image.cropped(x: 13, y: 3, width: 32, height: 32)
        let expected = try channel.roundTrip(crop.replacingPixels(chw: GridInjector().injectFullImage(crop, alpha: -1)))
        XCTAssertEqual(try renderOne(renderer, PatchPlan(image: 0, y: 3, x: 13, flip: false, alpha: -1)), chw(expected))
        XCTAssertNotEqual(try renderOne(try renderer.recompressing(nil), PatchPlan(image: 0, y: 3, x: 13, flip: false, alpha: -1)),
                          chw(expected), "the channel changed nothing")
    }

    func testReleaseTimeRendererRecompressesOnlyPoisonedImagesAndRemembersEach() throws {
        let a = try ImageIO.read(TestSupport.fixture("round_trip_source.png"))
        let b = RGBImage(width: a.width, height: a.height, pixels: a.pixels.reversed())
        let channel = try JPEGRecompression(quality: 35)
        let release = try PatchRenderer(source: InMemoryImages([a, b]), crop: 24, injector: GridInjector(), triggerPhase: .fullImage,
                                        recompression: channel, recompressesCleanCrops: false)
        // A clean crop is left as it is.
        XCTAssertEqual(try renderOne(release, PatchPlan(image: 0, y: 2, x: 3, flip: false)), chw(a.cropped(x: 3, y: 2, width: 24, height: 24)))
        // Poisoned crops of two images in turn (the remembered image changes, the kept bytes serve again).
        let expectedA = try channel.roundTrip(a.replacingPixels(chw: GridInjector().injectFullImage(a, alpha: 0.75))).cropped(x: 9, y: 4, width: 24, height: 24)
        let expectedB = try channel.roundTrip(b.replacingPixels(chw: GridInjector().injectFullImage(b, alpha: -0.5))).cropped(x: 1, y: 7, width: 24, height: 24)
        for _ in 0..<2 {
            XCTAssertEqual(try renderOne(release, PatchPlan(image: 0, y: 4, x: 9, flip: false, alpha: 0.75)), chw(expectedA))
            XCTAssertEqual(try renderOne(release, PatchPlan(image: 1, y: 7, x: 1, flip: false, alpha: -0.5)), chw(expectedB))
        }
    }

    private func meanAbsDifference(_ a: RGBImage, _ b: RGBImage) -> Double {
        zip(a.pixels, b.pixels).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(a.pixels.count)
    }
}
