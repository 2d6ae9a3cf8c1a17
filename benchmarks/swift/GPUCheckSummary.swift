import Foundation

/// The table scripts/gpu-check.sh ends with, from the files its steps wrote into DIR: `device.json`
/// (baiqa-bench device), `parity.jsonl` (baiqa-bench parity) and `timings.jsonl` (baiqa-bench and the
/// PyTorch scripts, JSON lines with impl, bench and seconds or median_s).
enum GPUCheckSummary {
    struct Inputs {
        var gpu: String
        var testsStatus: Int
        var testsLine: String
        var paritySucceeded: Bool
        var seconds: Int
    }

    static func lines(_ url: URL) -> [[String: Any]] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    static func markdown(folder: URL, inputs: Inputs) -> String {
        var out = "## GPU check: \(inputs.gpu)\n\n| part | result |\n| --- | --- |\n"
        if let data = try? Data(contentsOf: folder.appendingPathComponent("device.json")),
           let device = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            let d = device.mapValues { "\($0)" }
            out += "| device | \(d["device"] ?? "?") \(d["device_name"].map { "(\($0))" } ?? ""), libtorch \(d["libtorch"] ?? "?"), CUDA \(d["cuda"] ?? "?"), cuDNN \(d["cudnn"] ?? "?") |\n"
        }
        out += "| tests on the GPU | \(inputs.testsStatus == 0 ? "passed" : "FAILED (status \(inputs.testsStatus))"): \(inputs.testsLine.isEmpty ? "no summary line" : inputs.testsLine) |\n"
        let parity = lines(folder.appendingPathComponent("parity.jsonl"))
        if parity.isEmpty { out += "| parity | FAILED: no result\(inputs.paritySucceeded ? "" : " (the parity run failed)") |\n" }
        for p in parity {
            let diff = p["relative_difference"] as? Double ?? .nan, tol = p["tolerance"] as? Double ?? .nan
            out += String(format: "| parity: %@ | %.2e (≤ %.0e) %@ |\n", "\(p["check"] ?? "?")", diff, tol, (p["passed"] as? Bool ?? false) ? "ok" : "FAILED")
        }
        out += "\n| timing (GPU) | baiqa | PyTorch | baiqa / PyTorch |\n| --- | ---: | ---: | ---: |\n"
        let timings = lines(folder.appendingPathComponent("timings.jsonl"))
        func seconds(_ r: [String: Any]) -> Double? { (r["median_s"] ?? r["seconds"]) as? Double }
        func pick(_ bench: String, _ impl: String, channelsLast: Bool? = nil) -> Double? {
            timings.first { $0["bench"] as? String == bench && $0["impl"] as? String == impl
                && (channelsLast == nil || ($0["channels_last"] as? Bool) == channelsLast) }.flatMap(seconds)
        }
        let rows: [(String, Double?, Double?)] = [
            ("HyperIQA-ResNet-50 train step, batch 32 (NCHW)", pick("hyperiqa_resnet50_train_step", "baiqa", channelsLast: false),
             pick("hyperiqa_resnet50_train_step", "pytorch", channelsLast: false)),
            ("HyperIQA-ResNet-50 train step, batch 32 (channels-last)", pick("hyperiqa_resnet50_train_step", "baiqa", channelsLast: true),
             pick("hyperiqa_resnet50_train_step", "pytorch", channelsLast: true)),
            ("Algorithm 1 batch (32 crops × 10 Adam steps)", pick("trigger_search_batch", "baiqa"), pick("trigger_search_batch", "pytorch")),
            ("α sweep (2 images × 25 crops × 21 passes)", pick("alpha_sweep", "baiqa"), pick("alpha_sweep", "pytorch-channels-last") ?? pick("alpha_sweep", "pytorch")),
        ]
        for (name, b, p) in rows {
            func ms(_ v: Double?) -> String { v.map { String(format: "%.1f ms", $0 * 1000) } ?? "—" }
            let ratio = (b != nil && p != nil && p! > 0) ? String(format: "%.2f", b! / p!) : "—"
            out += "| \(name) | \(ms(b)) | \(ms(p)) | \(ratio) |\n"
        }
        out += "\nWall time of the check: \(inputs.seconds / 60) min \(inputs.seconds % 60) s.\n"
        return out
    }
}
