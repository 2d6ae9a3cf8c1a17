import Dispatch
import Foundation
import XCTest
@testable import IQAData

final class ImageSizeTests: XCTestCase {
    func testHeaderSizeMatchesDecodedSize() throws {
        var urls: [URL] = []
        for name in ["bilevel.bmp", "bitfields32.bmp", "bottomup32.bmp", "cmyk.jpg", "gray.jpg", "gray16.png",
                     "gray2.png", "gray_alpha.png", "palette4.png"] {
            urls.append(try TestSupport.fixture(name))
        }
        let dir = try TestSupport.temporaryFolder(self)
        let odd = RGBImage(width: 37, height: 11, red: 3)
        try ImageIO.writePNG(odd, to: dir.appendingPathComponent("odd.png"))
        try ImageIO.writeJPEG(odd, quality: 80, to: dir.appendingPathComponent("odd.jpg"))
        urls += [dir.appendingPathComponent("odd.png"), dir.appendingPathComponent("odd.jpg")]
        if let t1 = try? TestSupport.livecImage("t1.bmp"), FileManager.default.fileExists(atPath: t1.path) {
            urls += [t1, try TestSupport.livecImage("1024.JPG")]
        }
        for url in urls {
            let image = try ImageIO.read(url)
            XCTAssertEqual(try ImageIO.size(of: url), ImageSize(width: image.width, height: image.height), url.lastPathComponent)
        }
    }

    func testJPEGWithLargeMetadataBeforeTheFrame() throws {
        // An APP1 segment of 60 KB and a COM segment push the frame header past the first read.
        var jpeg = try ImageIO.encodeJPEG(RGBImage(width: 9, height: 7, blue: 90), quality: 90)
        var app1: [UInt8] = [0xFF, 0xE1, 0xEA, 0x62] + [UInt8](repeating: 0x41, count: 0xEA62 - 2)
        app1 += [0xFF, 0xFF, 0xFE, 0x00, 0x04, 0x68, 0x69] // fill byte, then COM "hi"
        jpeg.insert(contentsOf: app1 + app1, at: 2)
        let url = try TestSupport.temporaryFolder(self).appendingPathComponent("meta.jpg")
        try Data(jpeg).write(to: url)
        XCTAssertEqual(try ImageIO.size(of: url), ImageSize(width: 9, height: 7))
        XCTAssertEqual(try ImageIO.read(url).width, 9)
    }

    func testHeadersAboveThePixelLimitAreRefusedBeforeDecoding() throws {
        // A PNG of 100000×100000 in 33 bytes: the codec would allocate 30 GB.
        var png = Array(try ImageIO.encodePNG(RGBImage(width: 4, height: 4, red: 9)).prefix(33))
        png.replaceSubrange(16..<24, with: [0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0])
        XCTAssertThrowsError(try ImageIO.decode(png)) { error in
            XCTAssertEqual((error as? ImageError)?.kind, .tooLarge)
            XCTAssertTrue("\(error)".contains("100000x100000") && "\(error)".contains("\(ImageIO.maxPixels)"), "\(error)")
        }
        XCTAssertEqual(ImageIO.maxPixels, ImageIO.defaultMaxPixels)   // PIL's limit unless the environment says otherwise
        // Just below the limit the header alone is fine.
        let side = Int(Double(ImageIO.maxPixels).squareRoot())
        png.replaceSubrange(16..<24, with: [0, 0, UInt8(side >> 8), UInt8(side & 255), 0, 0, UInt8(side >> 8), UInt8(side & 255)])
        XCTAssertThrowsError(try ImageIO.decode(png)) { error in XCTAssertNotEqual((error as? ImageError)?.kind, .tooLarge, "\(error)") }
    }

    func testBadHeaders() throws {
        let dir = try TestSupport.temporaryFolder(self)
        let png = try ImageIO.encodePNG(RGBImage(width: 5, height: 6))
        let jpeg = try ImageIO.encodeJPEG(RGBImage(width: 5, height: 6), quality: 90)
        let cases: [(String, [UInt8], String)] = [
            ("empty.png", [], "empty file"),
            ("short.png", Array(png.prefix(20)), "truncated PNG header"),
            ("short.jpg", Array(jpeg.prefix(3)), "truncated JPEG header"),
            ("noframe.jpg", [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02], "no frame header"),
            ("nomarker.jpg", [0xFF, 0xD8, 0x12, 0x34], "no marker at byte 2"),
            ("text.png", Array("hello world".utf8), "unsupported image format"),
        ]
        for (name, bytes, words) in cases {
            let url = dir.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            XCTAssertThrowsError(try ImageIO.size(of: url)) { error in
                XCTAssertEqual((error as? ImageError)?.file, url.path)
                XCTAssertTrue("\(error)".contains(words), "\(error) lacks \(words)")
            }
        }
        XCTAssertThrowsError(try ImageIO.size(of: dir.appendingPathComponent("none.png"))) { error in
            XCTAssertEqual((error as? ImageError)?.kind, .missingFile)
        }
        // Every prefix of a JPEG fails cleanly or gives the right size.
        let url = dir.appendingPathComponent("p.jpg")
        for n in stride(from: 0, to: 200, by: 3) {
            try Data(jpeg.prefix(n)).write(to: url)
            if let size = try? ImageIO.size(of: url) { XCTAssertEqual(size, ImageSize(width: 5, height: 6)) }
        }
    }
}

final class DecodedImageCacheTests: XCTestCase {
    /// Counts decodes per file.
    final class Counter: @unchecked Sendable {
        let lock = NSLock()
        var counts: [String: Int] = [:]
        func add(_ url: URL) {
            lock.lock()
            counts[url.lastPathComponent, default: 0] += 1
            lock.unlock()
        }
        func count(_ name: String) -> Int {
            lock.lock()
            defer { lock.unlock() }
            return counts[name] ?? 0
        }
    }

    /// Three 10×10 images (300 bytes each) in a temporary folder.
    func makeImages() throws -> [URL] {
        let dir = try TestSupport.temporaryFolder(self)
        return try (0..<3).map { i in
            let url = dir.appendingPathComponent("im\(i).png")
            try ImageIO.writePNG(RGBImage(width: 10, height: 10, red: UInt8(i * 50), green: 7), to: url)
            return url
        }
    }

    func testLRUEviction() throws {
        let urls = try makeImages()
        let counter = Counter()
        let cache = DecodedImageCache(byteBudget: 600) { url in
            counter.add(url)
            return try ImageIO.read(url)
        }
        let (a, b, c) = (urls[0], urls[1], urls[2])
        _ = try cache.image(at: a)
        _ = try cache.image(at: b)
        _ = try cache.image(at: a) // hit; b is now the least recently used
        _ = try cache.image(at: c) // evicts b
        XCTAssertEqual(cache.statistics, .init(hits: 1, misses: 3, evictions: 1, images: 2, bytes: 600))
        _ = try cache.image(at: a) // still there
        XCTAssertEqual(counter.count("im0.png"), 1)
        _ = try cache.image(at: b) // decoded again, evicts c
        XCTAssertEqual(counter.count("im1.png"), 2)
        _ = try cache.image(at: c)
        XCTAssertEqual(counter.count("im2.png"), 2)
        XCTAssertEqual(cache.statistics.evictions, 3)
        XCTAssertEqual(cache.statistics.bytes, 600)

        cache.removeAll()
        XCTAssertEqual(cache.statistics.images, 0)
        _ = try cache.image(at: a)
        XCTAssertEqual(counter.count("im0.png"), 2)
    }

    func testResultsDoNotDependOnTheBudget() throws {
        let urls = try makeImages()
        let direct = try urls.map { try ImageIO.read($0) }
        let pattern = [0, 1, 2, 2, 0, 1, 0, 0, 2, 1, 1, 0]
        for budget in [0, 299, 300, 650, 10_000] {
            let cache = DecodedImageCache(byteBudget: budget)
            for i in pattern { XCTAssertEqual(try cache.image(at: urls[i]), direct[i], "budget \(budget)") }
            XCTAssertLessThanOrEqual(cache.statistics.bytes, budget)
            if budget < 300 { XCTAssertEqual(cache.statistics.hits, 0) }
            if budget >= 900 { XCTAssertEqual(cache.statistics.misses, 3) }
        }
    }

    func testConcurrentUseAndErrors() throws {
        let urls = try makeImages()
        let direct = try urls.map { try ImageIO.read($0) }
        let cache = DecodedImageCache(byteBudget: 600)
        final class Failures: @unchecked Sendable {
            let lock = NSLock()
            var count = 0
        }
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 300) { k in
            let i = (k * 7) % 3
            let image = try? cache.image(at: urls[i])
            if image != direct[i] {
                failures.lock.lock()
                failures.count += 1
                failures.lock.unlock()
            }
        }
        XCTAssertEqual(failures.count, 0)
        let stats = cache.statistics
        XCTAssertEqual(stats.hits + stats.misses, 300)
        XCTAssertLessThanOrEqual(stats.bytes, 600)

        let missing = urls[0].deletingLastPathComponent().appendingPathComponent("none.png")
        XCTAssertThrowsError(try cache.image(at: missing)) { error in
            XCTAssertEqual((error as? ImageError)?.kind, .missingFile)
        }
    }
}
