/// Procedural "natural-like" content for the built-in dataset: the dead-leaves model, whose
/// occluding discs with power-law sizes reproduce the scale invariance and edge statistics of
/// natural images well enough for quality features to transfer.
///
/// Discs are drawn front to back (each pixel keeps the first disc that covers it) until the image
/// is covered or the scene's disc budget runs out; whatever is left shows a smooth background
/// gradient (a quarter of the scenes have a small budget, so that open "sky" areas occur). Radii
/// follow p(r) ∝ r⁻³ on [rMin, rMax]; colours come from a natural palette (foliage, earth, sky,
/// stone, skin, flowers, water, shadow). 55% of discs are flat, 30% carry a smooth colour
/// gradient, and 15% a fine stripe or check texture (period 3–7 px), so that blur has something to
/// remove everywhere. Finally the whole scene is brought to a common overall brightness and
/// contrast (mean 110–130, standard deviation 48–60 over all samples), which makes the global
/// contrast and brightness distortions recognisable from the image itself.
struct BuiltinDatasetScene {
    var rMin = 2.0
    var rMax = 80.0

    /// Base colours (sRGB) the scene palettes are drawn from.
    static let naturalColours: [(Double, Double, Double)] = [
        (60, 110, 45), (95, 140, 60), (40, 70, 35), (130, 150, 70),   // foliage
        (120, 85, 55), (160, 120, 80), (90, 60, 40),                  // earth, bark
        (110, 160, 210), (170, 200, 230),                             // sky
        (130, 130, 125), (90, 95, 100), (200, 200, 195),              // stone
        (220, 190, 150), (200, 160, 120),                             // sand, skin
        (200, 50, 50), (230, 190, 40), (150, 70, 140),                // flowers
        (40, 90, 120), (30, 30, 35),                                  // water, shadow
    ]

    private struct Colour {
        var r, g, b: Double
    }

    func render(size: Int, rng: inout SeededGenerator) -> PixelBuffer {
        var buffer = PixelBuffer(width: size, height: size)
        let palette = (0..<6).map { _ -> Colour in
            let base = rng.pick(Self.naturalColours)
            return Colour(r: base.0 + rng.uniform(-25, 25), g: base.1 + rng.uniform(-25, 25),
                          b: base.2 + rng.uniform(-25, 25))
        }
        func discColour() -> Colour {
            let c = rng.pick(palette)
            let shade = rng.uniform(0.75, 1.2)
            return Colour(r: c.r * shade + rng.uniform(-12, 12), g: c.g * shade + rng.uniform(-12, 12),
                          b: c.b * shade + rng.uniform(-12, 12))
        }

        // Background: a linear gradient between two palette colours.
        let bgFrom = discColour(), bgTo = discColour()
        let bgDir = randomDirection(&rng)
        let budget = rng.chance(0.25) ? 150 + rng.nextInt(below: 450) : 8000

        let n = size * size
        var covered = [Bool](repeating: false, count: n)
        var remaining = n
        let aInv = 1 / (rMin * rMin), bInv = 1 / (rMax * rMax)
        let sizeD = Double(size)
        var discs = 0
        while remaining > 0 && discs < budget {
            discs += 1
            // Inverse CDF of p(r) ∝ r⁻³: r = (rMin⁻² − u·(rMin⁻² − rMax⁻²))^(−1/2).
            let r = 1 / (aInv - rng.nextDouble() * (aInv - bInv)).squareRoot()
            let cx = rng.uniform(-8, sizeD + 8), cy = rng.uniform(-8, sizeD + 8)
            let style = rng.nextDouble()
            let c1 = discColour()
            var c2 = c1
            var dir = (1.0, 0.0), period = 1.0, amplitude = 0.0, phase = 0.0, checks = false
            if style >= 0.55 && style < 0.85 {
                c2 = discColour()
                dir = randomDirection(&rng)
            } else if style >= 0.85 {
                dir = randomDirection(&rng)
                period = rng.uniform(3, 7)
                amplitude = rng.uniform(20, 45)
                phase = rng.nextDouble()
                checks = rng.chance(0.3)
            }

            let x0 = max(0, Int((cx - r).rounded(.down))), x1 = min(size - 1, Int((cx + r).rounded(.up)))
            let y0 = max(0, Int((cy - r).rounded(.down))), y1 = min(size - 1, Int((cy + r).rounded(.up)))
            if x0 > x1 || y0 > y1 { continue }
            let r2 = r * r
            for y in y0...y1 {
                let dy = Double(y) + 0.5 - cy
                for x in x0...x1 {
                    let p = y * size + x
                    if covered[p] { continue }
                    let dx = Double(x) + 0.5 - cx
                    if dx * dx + dy * dy > r2 { continue }
                    covered[p] = true
                    remaining -= 1
                    var colour = c1
                    if style >= 0.55 && style < 0.85 {
                        let t = min(1, max(0, (dx * dir.0 + dy * dir.1) / (2 * r) + 0.5))
                        colour = Colour(r: c1.r + t * (c2.r - c1.r), g: c1.g + t * (c2.g - c1.g), b: c1.b + t * (c2.b - c1.b))
                    } else if style >= 0.85 {
                        let u = (dx * dir.0 + dy * dir.1) / period + phase
                        var wave = triangle(u)
                        if checks { wave *= triangle((dy * dir.0 - dx * dir.1) / period) }
                        let delta = amplitude * wave
                        colour = Colour(r: c1.r + delta, g: c1.g + delta, b: c1.b + delta)
                    }
                    buffer.values[p * 3] = colour.r
                    buffer.values[p * 3 + 1] = colour.g
                    buffer.values[p * 3 + 2] = colour.b
                }
            }
        }
        if remaining > 0 {
            let half = sizeD / 2
            for y in 0..<size {
                for x in 0..<size where !covered[y * size + x] {
                    let proj = ((Double(x) - half) * bgDir.0 + (Double(y) - half) * bgDir.1) / sizeD + 0.5
                    let t = min(1, max(0, proj))
                    let p = (y * size + x) * 3
                    buffer.values[p] = bgFrom.r + t * (bgTo.r - bgFrom.r)
                    buffer.values[p + 1] = bgFrom.g + t * (bgTo.g - bgFrom.g)
                    buffer.values[p + 2] = bgFrom.b + t * (bgTo.b - bgFrom.b)
                }
            }
        }

        // Common overall level and contrast, then the display range.
        let targetMean = rng.uniform(110, 130), targetStd = rng.uniform(48, 60)
        let mean = buffer.mean, std = buffer.standardDeviation
        let gain = std > 1 ? min(1.8, max(0.6, targetStd / std)) : 1
        for i in buffer.values.indices { buffer.values[i] = targetMean + gain * (buffer.values[i] - mean) }
        buffer.clip()
        return buffer
    }

    /// A uniformly random unit vector, by rejection in the unit disc (no sin/cos needed).
    private func randomDirection(_ rng: inout SeededGenerator) -> (Double, Double) {
        while true {
            let x = rng.uniform(-1, 1), y = rng.uniform(-1, 1)
            let n2 = x * x + y * y
            if n2 > 1e-4 && n2 <= 1 {
                let n = n2.squareRoot()
                return (x / n, y / n)
            }
        }
    }

    /// Triangle wave with period 1, range −1...1.
    private func triangle(_ u: Double) -> Double {
        4 * abs(u - (u + 0.5).rounded(.down)) - 1
    }
}
