import ArgumentParser
import Backdoor
import Evaluation
import Foundation
import IQAData
import Torch

struct TriggerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Work with DCT triggers.",
        subcommands: [Apply.self])

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inject a trigger into one image at strength α and report the PSNR.",
            discussion: """
            Injection follows the official code on the full image: 8-bit levels, 16×16 block DCT of full-range
            YCbCr with zero padding to a multiple of 16, α·t added at the 64 positions, clamp to [0, 1].
            The PNG is the result rounded to 8 bits; --npy writes the exact float32 result, shape H×W×3
            (row-major, RGB, values on 0…1). The PSNR is that of the float result against the input.
            """)

        @Argument(help: "Input image (JPEG, PNG or BMP).")
        var image: String

        @Option(help: "Trigger file (.pt holding a [3, 64] tensor).")
        var trigger: String

        @Option(help: "Trigger strength α.")
        var alpha: Double = 1

        @Option(help: "Output PNG.")
        var out: String

        @Option(help: "Also write the float result as a NumPy .npy file (H×W×3 float32).")
        var npy: String?

        @Option(help: "DCT positions: official or mid-band.")
        var positions: DCTPositions = .official

        func run() throws {
            guard alpha.isFinite else { throw ValidationError("--alpha must be finite") }
            let input = try ImageIO.read(URL(fileURLWithPath: image))
            let tensor: Tensor
            do { tensor = try TensorFile.loadTensor(from: URL(fileURLWithPath: trigger)) } catch { throw CLIError("\(trigger): \(error)") }
            let t: DCTTrigger
            do { t = try DCTTrigger(tensor: tensor, positions: positions) } catch { throw CLIError("\(trigger): \(error)") }
            let (h, w) = (input.height, input.width)
            var chw = [Float](repeating: 0, count: 3 * h * w)
            input.pixels.withUnsafeBufferPointer { src in
                chw.withUnsafeMutableBufferPointer { t.inject(hwc: src, height: h, width: w, alpha: alpha, originY: 0, originX: 0,
                                                              fullHeight: h, fullWidth: w, into: $0) }
            }
            var hwc = [Float](repeating: 0, count: 3 * h * w)
            var bytes = [UInt8](repeating: 0, count: 3 * h * w)
            var sum = 0.0
            for p in 0..<(h * w) {
                for c in 0..<3 {
                    let v = chw[c * h * w + p]
                    hwc[p * 3 + c] = v
                    bytes[p * 3 + c] = UInt8((v * 255).rounded())
                    let d = Double(v) - Double(input.pixels[p * 3 + c]) / 255
                    sum += d * d
                }
            }
            let mse = sum / Double(3 * h * w)
            try ImageIO.writePNG(RGBImage(width: w, height: h, pixels: bytes), to: URL(fileURLWithPath: out))
            if let npy { try NPYWriter.write(float32: hwc, shape: [h, w, 3], to: URL(fileURLWithPath: npy)) }
            print(String(format: "PSNR %.3f dB (MSE %.5e on [0,1], α = %g) → %@", try Metrics.psnr(mse: mse), mse, alpha, out))
        }
    }
}
