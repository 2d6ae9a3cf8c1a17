/// A working image in Double (HWC, nominally 0...255) for rendering and filtering: intermediate
/// steps keep their precision and may leave the range; `quantized()` rounds and clips once.
struct PixelBuffer: Sendable {
    let width: Int
    let height: Int
    var values: [Double]

    init(width: Int, height: Int, fill: Double = 0) {
        self.width = width
        self.height = height
        values = [Double](repeating: fill, count: width * height * 3)
    }

    init(_ image: RGBImage) {
        width = image.width
        height = image.height
        values = image.pixels.map(Double.init)
    }

    /// Rounded to the nearest integer (halves away from zero) and clipped to 0...255.
    func quantized() -> RGBImage {
        RGBImage(width: width, height: height, pixels: values.map { v in
            UInt8(min(255, max(0, v.rounded())))
        })
    }

    mutating func clip() {
        for i in values.indices { values[i] = min(255, max(0, values[i])) }
    }

    /// Mean over all samples of all channels.
    var mean: Double {
        var sum = 0.0
        for v in values { sum += v }
        return sum / Double(values.count)
    }

    /// Population standard deviation over all samples.
    var standardDeviation: Double {
        let m = mean
        var sum = 0.0
        for v in values { sum += (v - m) * (v - m) }
        return (sum / Double(values.count)).squareRoot()
    }
}
