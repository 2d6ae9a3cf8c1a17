/// The image operations behind `BuiltinDistortions`. Each works on a `PixelBuffer` in a fixed
/// order of floating-point operations, so that results are the same bits everywhere.
enum BuiltinDatasetFilters {
    /// Applies every distortion of `d` in the documented order: contrast, brightness (then the
    /// display clip to 0–255), blur, noise, and finally JPEG on the quantised image.
    static func apply(_ d: BuiltinDistortions, to image: RGBImage, noise rng: inout SeededGenerator) throws -> RGBImage {
        if d.active.isEmpty { return image }
        var buffer = PixelBuffer(image)
        if d.contrast > 0 { reduceContrast(&buffer, factor: d.contrastFactor) }
        if d.brightness != 0 { shiftBrightness(&buffer, by: d.brightnessShift) }
        buffer.clip()
        if d.blur > 0 { gaussianBlur(&buffer, sigma: d.blurSigma) }
        if d.noise > 0 { addNoise(&buffer, sigma: d.noiseSigma, rng: &rng) }
        let quantized = buffer.quantized()
        if d.jpeg > 0 { return try jpegRoundTrip(quantized, quality: d.jpegQuality) }
        return quantized
    }

    /// Pulls every sample towards the image's mean: v ← m + f·(v − m).
    static func reduceContrast(_ buffer: inout PixelBuffer, factor: Double) {
        let m = buffer.mean
        for i in buffer.values.indices { buffer.values[i] = m + factor * (buffer.values[i] - m) }
    }

    static func shiftBrightness(_ buffer: inout PixelBuffer, by shift: Double) {
        for i in buffer.values.indices { buffer.values[i] += shift }
    }

    /// Separable Gaussian blur, kernel radius ⌈3σ⌉, mirrored borders (…2 1 | 0 1 2…).
    static func gaussianBlur(_ buffer: inout PixelBuffer, sigma: Double) {
        guard sigma > 1e-3 else { return }
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (0...radius).map { i in DeterministicMath.exp(-Double(i * i) / (2 * sigma * sigma)) }
        var total = kernel[0]
        for i in 1...radius { total += 2 * kernel[i] }
        for i in kernel.indices { kernel[i] /= total }

        let w = buffer.width, h = buffer.height
        var temp = [Double](repeating: 0, count: buffer.values.count)
        let xIndex = (-radius..<(w + radius)).map { mirror($0, w) }
        let yIndex = (-radius..<(h + radius)).map { mirror($0, h) }
        buffer.values.withUnsafeBufferPointer { src in
            temp.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let row = y * w * 3
                    for x in 0..<w {
                        for c in 0..<3 {
                            var sum = kernel[0] * src[row + x * 3 + c]
                            for k in 1...radius {
                                sum += kernel[k] * (src[row + xIndex[x - k + radius] * 3 + c]
                                    + src[row + xIndex[x + k + radius] * 3 + c])
                            }
                            dst[row + x * 3 + c] = sum
                        }
                    }
                }
            }
        }
        temp.withUnsafeBufferPointer { src in
            buffer.values.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    for x in 0..<w {
                        for c in 0..<3 {
                            let o = x * 3 + c
                            var sum = kernel[0] * src[y * w * 3 + o]
                            for k in 1...radius {
                                sum += kernel[k] * (src[yIndex[y - k + radius] * w * 3 + o]
                                    + src[yIndex[y + k + radius] * w * 3 + o])
                            }
                            dst[y * w * 3 + o] = sum
                        }
                    }
                }
            }
        }
    }

    /// Independent Gaussian noise on every sample of every channel.
    static func addNoise(_ buffer: inout PixelBuffer, sigma: Double, rng: inout SeededGenerator) {
        for i in buffer.values.indices { buffer.values[i] += sigma * rng.nextGaussian() }
    }

    static func jpegRoundTrip(_ image: RGBImage, quality: Int) throws -> RGBImage {
        try JPEGCodec.decode(try JPEGCodec.encode(image, quality: quality))
    }

    /// Reflects an out-of-range index back into 0..<n without repeating the edge sample.
    static func mirror(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        let period = 2 * (n - 1)
        var j = i % period
        if j < 0 { j += period }
        return j < n ? j : period - j
    }
}
