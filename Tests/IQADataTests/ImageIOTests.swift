import Foundation
import IQAData
import XCTest

final class ImageIOTests: XCTestCase {
    /// A smooth image (gradients and a soft blob): JPEG's best case.
    private func smoothImage(width: Int = 96, height: Int = 64) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let dx = Double(x - width / 2), dy = Double(y - height / 2)
                let blob = 80.0 / (1.0 + (dx * dx + dy * dy) / 400.0)
                image[x, y] = (UInt8(40 + 150 * x / width), UInt8(30 + 180 * y / height), UInt8(60 + blob))
            }
        }
        return image
    }

    private func noisyImage(width: Int = 33, height: Int = 17) -> RGBImage {
        var g = SeededGenerator(seed: 7)
        return RGBImage(width: width, height: height,
                        pixels: (0..<(width * height * 3)).map { _ in UInt8(truncatingIfNeeded: g.next()) })
    }

    private func assertImageError(_ kind: ImageError.Kind, naming file: URL, _ body: () throws -> Void,
                                  line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { error in
            guard let error = error as? ImageError else { return XCTFail("not an ImageError: \(error)", line: line) }
            XCTAssertEqual(error.kind, kind, "\(error)", line: line)
            XCTAssertTrue(error.description.contains(file.lastPathComponent), "\(error) should name the file", line: line)
            XCTAssertFalse(error.description.contains("\n"), "one-line message expected", line: line)
        }
    }

    func testPNGWriteReadRoundTripIsExact() throws {
        let folder = try TestSupport.temporaryFolder(self)
        let url = folder.appendingPathComponent("noise.png")
        let image = noisyImage()
        try ImageIO.writePNG(image, to: url)
        XCTAssertEqual(try ImageIO.read(url), image)
        // Overwriting goes through a temporary file too and leaves nothing else behind.
        try ImageIO.writePNG(smoothImage(), to: url)
        XCTAssertEqual(try ImageIO.read(url), smoothImage())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["noise.png"])
    }

    func testJPEGRoundTripAtQuality90IsClose() throws {
        let image = smoothImage()
        let bytes = try ImageIO.encodeJPEG(image, quality: 90)
        XCTAssertEqual(ImageFormat.sniff(bytes), .jpeg)
        let decoded = try ImageIO.decodeJPEG(bytes)
        XCTAssertEqual(decoded.width, image.width)
        XCTAssertEqual(decoded.height, image.height)
        XCTAssertGreaterThan(psnr(image, decoded), 30)
        // Lower quality: smaller and worse.
        let low = try ImageIO.encodeJPEG(image, quality: 10)
        XCTAssertLessThan(low.count, bytes.count)
        XCTAssertLessThan(psnr(image, try ImageIO.decodeJPEG(low)), psnr(image, decoded))
    }

    func testJPEGFileWriteRead() throws {
        let url = try TestSupport.temporaryFolder(self).appendingPathComponent("smooth.jpg")
        try ImageIO.writeJPEG(smoothImage(), quality: 95, to: url)
        let back = try ImageIO.read(url)
        XCTAssertGreaterThan(psnr(smoothImage(), back), 35)
    }

    func testEncodingIsDeterministic() throws {
        let image = noisyImage()
        XCTAssertEqual(try ImageIO.encodeJPEG(image, quality: 50), try ImageIO.encodeJPEG(image, quality: 50))
        XCTAssertEqual(try ImageIO.encodePNG(image), try ImageIO.encodePNG(image))
    }

    func testMissingFile() throws {
        let url = try TestSupport.temporaryFolder(self).appendingPathComponent("nowhere.png")
        assertImageError(.missingFile, naming: url) { _ = try ImageIO.read(url) }
    }

    func testZeroByteFile() throws {
        let url = try TestSupport.temporaryFolder(self).appendingPathComponent("empty.jpg")
        try Data().write(to: url)
        assertImageError(.emptyFile, naming: url) { _ = try ImageIO.read(url) }
    }

    func testUnknownFormat() throws {
        let url = try TestSupport.temporaryFolder(self).appendingPathComponent("notes.jpg")
        try Data("GIF89a and some text".utf8).write(to: url)
        assertImageError(.unsupportedFormat, naming: url) { _ = try ImageIO.read(url) }
    }

    func testTruncatedJPEGIsAnError() throws {
        let bytes = try ImageIO.encodeJPEG(noisyImage(width: 64, height: 64), quality: 90)
        let folder = try TestSupport.temporaryFolder(self)
        // Cut inside the entropy-coded data: libjpeg would only warn and pad with grey.
        for (name, length) in [("half.jpg", bytes.count / 2), ("nearly.jpg", bytes.count - 40), ("header.jpg", 100)] {
            let url = folder.appendingPathComponent(name)
            try Data(bytes.prefix(length)).write(to: url)
            assertImageError(.corrupt, naming: url) { _ = try ImageIO.read(url) }
        }
    }

    func testCorruptJPEGIsAnError() throws {
        var bytes = try ImageIO.encodeJPEG(noisyImage(width: 64, height: 64), quality: 90)
        let url = try TestSupport.temporaryFolder(self).appendingPathComponent("garbled.jpg")
        // Destroy the frame header and quantisation tables that follow SOI.
        for i in 2..<min(200, bytes.count) { bytes[i] = 0x5A }
        try Data(bytes).write(to: url)
        assertImageError(.corrupt, naming: url) { _ = try ImageIO.read(url) }
    }

    func testTruncatedAndCorruptPNGAreErrors() throws {
        let bytes = try ImageIO.encodePNG(noisyImage(width: 64, height: 64))
        let folder = try TestSupport.temporaryFolder(self)
        let truncated = folder.appendingPathComponent("cut.png")
        try Data(bytes.prefix(bytes.count / 2)).write(to: truncated)
        assertImageError(.corrupt, naming: truncated) { _ = try ImageIO.read(truncated) }

        var flipped = bytes
        flipped[bytes.count / 2] ^= 0xFF // inside IDAT: CRC mismatch on a critical chunk
        let corrupt = folder.appendingPathComponent("flipped.png")
        try Data(flipped).write(to: corrupt)
        assertImageError(.corrupt, naming: corrupt) { _ = try ImageIO.read(corrupt) }

        let signatureOnly = folder.appendingPathComponent("signature.png")
        try Data(bytes.prefix(8)).write(to: signatureOnly)
        assertImageError(.corrupt, naming: signatureOnly) { _ = try ImageIO.read(signatureOnly) }
    }

    func testTruncatedBMPIsAnError() throws {
        let source = try Data(contentsOf: try TestSupport.fixture("topdown24.bmp"))
        let url = try TestSupport.temporaryFolder(self).appendingPathComponent("short.bmp")
        try source.prefix(source.count - 100).write(to: url)
        assertImageError(.corrupt, naming: url) { _ = try ImageIO.read(url) }
        try source.prefix(20).write(to: url)
        assertImageError(.corrupt, naming: url) { _ = try ImageIO.read(url) }
    }

    func testWriteIntoMissingFolderFailsNamingTheFile() throws {
        let url = try TestSupport.temporaryFolder(self).appendingPathComponent("no/such/folder/out.png")
        assertImageError(.writeFailed, naming: url) { try ImageIO.writePNG(smoothImage(), to: url) }
    }

    func testFormatIsSniffedNotTakenFromTheName() throws {
        let url = try TestSupport.temporaryFolder(self).appendingPathComponent("really_a_png.bmp")
        let image = noisyImage()
        try Data(try ImageIO.encodePNG(image)).write(to: url)
        XCTAssertEqual(try ImageIO.read(url), image)
    }

    func testAccessorsAndCrop() {
        var image = RGBImage(width: 4, height: 3, red: 1, green: 2, blue: 3)
        image[3, 2] = (10, 20, 30)
        image[0, 1, 2] = 99
        XCTAssertEqual(image.pixels.count, 36)
        XCTAssertEqual(image[3, 2, 1], 20)
        XCTAssertEqual(image.pixels[image.offset(x: 0, y: 1, channel: 2)], 99)
        let crop = image.cropped(x: 2, y: 1, width: 2, height: 2)
        XCTAssertEqual(crop.width, 2)
        XCTAssertEqual(crop[1, 1].g, 20)
        XCTAssertEqual(crop[0, 0].r, 1)
    }

    private func psnr(_ a: RGBImage, _ b: RGBImage) -> Double {
        var sum = 0.0
        for (x, y) in zip(a.pixels, b.pixels) {
            let d = Double(x) - Double(y)
            sum += d * d
        }
        let mse = sum / Double(a.pixels.count)
        return 10 * log10(255 * 255 / max(mse, 1e-12))
    }
}
