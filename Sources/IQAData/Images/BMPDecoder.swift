/// A reader for the uncompressed Windows bitmaps that IQA datasets ship (LIVE In the Wild has 542
/// 24-bit ones): 1/4/8-bit palettised, 16-bit (5-5-5 or bit fields), 24-bit, and 32-bit BI_RGB or
/// BI_BITFIELDS, bottom-up or top-down. Alpha is dropped, as PIL's `convert("RGB")` does.
/// RLE-compressed bitmaps are rejected as unsupported.
public enum BMPDecoder {
    private static let biRGB: UInt32 = 0, biRLE8: UInt32 = 1, biRLE4: UInt32 = 2
    private static let biBitfields: UInt32 = 3, biAlphaBitfields: UInt32 = 6

    public static func decode(_ data: [UInt8]) throws -> RGBImage {
        func fail(_ problem: String, _ kind: ImageError.Kind = .corrupt) -> ImageError {
            ImageError(kind, file: nil, problem)
        }
        func u16(_ at: Int) -> UInt32 { UInt32(data[at]) | UInt32(data[at + 1]) << 8 }
        func u32(_ at: Int) -> UInt32 { u16(at) | u16(at + 2) << 16 }

        guard data.count >= 26, data[0] == 0x42, data[1] == 0x4D else {
            throw fail("truncated BMP header (\(data.count) bytes)")
        }
        let pixelOffset = Int(u32(10))
        let headerSize = Int(u32(14))
        guard headerSize >= 12, data.count >= 14 + headerSize else {
            throw fail("truncated or invalid BMP info header (size \(headerSize))")
        }

        let width: Int, rawHeight: Int, bitCount: Int
        var compression = biRGB
        var paletteEntries = 0
        let paletteEntrySize: Int
        if headerSize == 12 { // OS/2 BITMAPCOREHEADER: 16-bit sizes, BGR palette
            width = Int(u16(18))
            rawHeight = Int(u16(20))
            bitCount = Int(u16(24))
            paletteEntrySize = 3
        } else {
            guard headerSize >= 40 else { throw fail("unsupported BMP info header size \(headerSize)", .unsupportedFormat) }
            width = Int(Int32(bitPattern: u32(18)))
            rawHeight = Int(Int32(bitPattern: u32(22)))
            bitCount = Int(u16(28))
            compression = u32(30)
            paletteEntries = Int(u32(46))
            paletteEntrySize = 4
        }
        let topDown = rawHeight < 0
        let height = abs(rawHeight)
        guard width > 0, height > 0, width <= 1 << 16, height <= 1 << 16 else {
            throw fail("invalid BMP size \(width)x\(rawHeight)")
        }

        // Channel masks for 16/32-bit images: either the defaults, inside a v3+ header, or the
        // three (four) DWORDs that follow a 40-byte header.
        var masks: [UInt32] = []
        switch compression {
        case biRGB:
            if bitCount == 16 { masks = [0x7C00, 0x03E0, 0x001F] }
            if bitCount == 32 { masks = [0xFF0000, 0x00FF00, 0x0000FF] }
        case biBitfields, biAlphaBitfields:
            guard bitCount == 16 || bitCount == 32 else {
                throw fail("BI_BITFIELDS with \(bitCount) bits per pixel is invalid")
            }
            let at = 14 + 40
            guard data.count >= at + 12 else { throw fail("truncated BMP colour masks") }
            masks = [u32(at), u32(at + 4), u32(at + 8)]
        case biRLE8, biRLE4:
            throw fail("RLE-compressed BMP is not supported", .unsupportedFormat)
        default:
            throw fail("BMP compression \(compression) is not supported", .unsupportedFormat)
        }

        var palette: [(UInt8, UInt8, UInt8)] = []
        if bitCount <= 8 {
            guard [1, 4, 8].contains(bitCount) else { throw fail("invalid BMP bit depth \(bitCount)") }
            let count = paletteEntries > 0 ? min(paletteEntries, 1 << bitCount) : 1 << bitCount
            var at = 14 + headerSize
            if compression == biBitfields && headerSize == 40 { at += 12 }
            guard data.count >= at + count * paletteEntrySize else { throw fail("truncated BMP palette") }
            for i in 0..<count {
                let p = at + i * paletteEntrySize
                palette.append((data[p + 2], data[p + 1], data[p])) // stored B, G, R
            }
        } else if ![16, 24, 32].contains(bitCount) {
            throw fail("unsupported BMP bit depth \(bitCount)", .unsupportedFormat)
        }

        let stride = ((width * bitCount + 31) / 32) * 4 // rows are padded to 4 bytes
        guard pixelOffset >= 14 + headerSize, pixelOffset <= data.count,
              data.count - pixelOffset >= stride * (height - 1) + (width * bitCount + 7) / 8 else {
            throw fail("truncated BMP pixel data (\(data.count) bytes for \(width)x\(height) at \(bitCount) bits)")
        }

        let fields = masks.map(MaskField.init)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        data.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let row = pixelOffset + (topDown ? y : height - 1 - y) * stride
                    var o = y * width * 3
                    for x in 0..<width {
                        switch bitCount {
                        case 24:
                            let p = row + x * 3
                            dst[o] = src[p + 2]; dst[o + 1] = src[p + 1]; dst[o + 2] = src[p]
                        case 32, 16:
                            let value: UInt32
                            if bitCount == 32 {
                                let p = row + x * 4
                                value = UInt32(src[p]) | UInt32(src[p + 1]) << 8
                                    | UInt32(src[p + 2]) << 16 | UInt32(src[p + 3]) << 24
                            } else {
                                let p = row + x * 2
                                value = UInt32(src[p]) | UInt32(src[p + 1]) << 8
                            }
                            dst[o] = fields[0].extract(value)
                            dst[o + 1] = fields[1].extract(value)
                            dst[o + 2] = fields[2].extract(value)
                        default: // 1, 4, 8-bit palette indices, most significant bits first
                            let bitIndex = x * bitCount
                            let byte = src[row + bitIndex / 8]
                            let shift = 8 - bitCount - bitIndex % 8
                            let index = Int(byte >> UInt8(shift)) & ((1 << bitCount) - 1)
                            if index < palette.count {
                                let c = palette[index]
                                dst[o] = c.0; dst[o + 1] = c.1; dst[o + 2] = c.2
                            } // else black, as an unset palette entry
                        }
                        o += 3
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// One colour channel of a BI_BITFIELDS mask, scaled to 8 bits the way PIL unpacks 5- and
    /// 6-bit channels (value * 255 / max, truncated); wider channels keep their top 8 bits.
    private struct MaskField {
        let shift: UInt32
        let bits: UInt32
        let mask: UInt32

        init(_ mask: UInt32) {
            self.mask = mask
            shift = mask == 0 ? 0 : UInt32(mask.trailingZeroBitCount)
            bits = mask == 0 ? 0 : UInt32((~(mask >> shift)).trailingZeroBitCount) // length of the run of ones
        }

        func extract(_ value: UInt32) -> UInt8 {
            guard bits > 0 else { return 0 }
            let v = (value & mask) >> shift
            if bits == 8 { return UInt8(v) }
            if bits > 8 { return UInt8(truncatingIfNeeded: v >> (bits - 8)) }
            return UInt8(v * 255 / ((1 << bits) - 1))
        }
    }
}
