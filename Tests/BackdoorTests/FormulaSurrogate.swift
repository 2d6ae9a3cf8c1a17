import Foundation
import IQAData
import IQAModels
import Torch

/// The surrogate and images of Fixtures/make_uap_fixture.py, rebuilt from the same formulas: a tiny
/// HyperIQA whose scores spread over tens of units (so the search has a real gradient) and 240×256
/// textured images. Shared by the fidelity test and the projected-search tests.
enum FormulaSurrogate {
    /// The fixture's surrogate: HyperIQA on a [1,1,1,1] basic-block ResNet of width 8, weights by formula.
    static func make() throws -> HyperIQA {
        let model = try HyperIQA.make(config: .init(backbone: ResNetSpec(block: .basic, layers: [1, 1, 1, 1], width: 8)), device: .cpu,
                                      channelsLast: false)
        let entries = model.store.entries.filter { !$0.name.hasSuffix("num_batches_tracked") }
        let names = Set(entries.map(\.name))
        var state: [String: Tensor] = [:]
        for (k, name) in entries.map(\.name).sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }).enumerated() {
            let entry = entries.first { $0.name == name }!
            let shape = entry.tensor.shape
            let prefix = String(name[..<name.lastIndex(of: ".")!]), leaf = String(name[name.index(after: name.lastIndex(of: ".")!)...])
            let isBatchNorm = names.contains(prefix + ".running_mean")
            let count = shape.reduce(1, *)
            var values = [Float](repeating: 0, count: count)
            for i in 0..<count {
                let h = (UInt64(i) &* 2_654_435_761 &+ UInt64(k + 1) * 40503) & 0xFFFF_FFFF
                let u = Double(h >> 16) / 65536 - 0.5
                var v: Double
                switch (isBatchNorm, leaf) {
                case (true, "weight"): v = 1 + 0.2 * u
                case (true, "running_var"): v = 1 + 0.5 * u
                case (true, _): v = 0.2 * u
                case (false, _) where shape.count >= 2: v = u * 2 * (6.0 / Double(shape[1] * shape.dropFirst(2).reduce(1, *))).squareRoot()
                default: v = 0.2 * u
                }
                if name.hasPrefix("fc5w_fc.") { v *= 512 }
                values[i] = Float(v)
            }
            state[name] = try Tensor(values, shape: shape)
        }
        try model.store.load(state, strict: false)
        model.store.eval()
        return model
    }

    /// v(n, y, x, c) = (37n + 3x + 2y + 60c + (xy mod 23)) mod 256, 240×256.
    static func images(height h: Int = 240, width w: Int = 256) -> InMemoryImages {
        return InMemoryImages((0..<4).map { n in
            var pixels = [UInt8](repeating: 0, count: h * w * 3)
            for y in 0..<h { for x in 0..<w { for c in 0..<3 { pixels[(y * w + x) * 3 + c] = UInt8((37 * n + 3 * x + 2 * y + 60 * c + (x * y) % 23) % 256) } } }
            return RGBImage(width: w, height: h, pixels: pixels)
        })
    }

}
