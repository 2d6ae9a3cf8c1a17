import Backdoor
import Evaluation
import Foundation
import IQAData

/// `baiqa robustness`: a run's α sweep with every (triggered) test image sent through JPEG channels
/// before scoring, one row per channel after a reference row without one. The trigger is the run's own
/// unless told otherwise, the crops and seeds are the run's evaluation's.
public struct RunRobustness {
    public var evaluation: RunEvaluation
    public var channels: [JPEGRecompression]

    public init(evaluation: RunEvaluation, channels: [JPEGRecompression]) {
        self.evaluation = evaluation
        self.channels = channels
    }

    public func run(monitor: RunMonitor) throws -> RobustnessOutput {
        guard evaluation.trigger != nil else {
            throw RunError("\(evaluation.folder.path): the run has no trigger (a clean run): name one with --attack or --trigger")
        }
        let p = try evaluation.prepare()
        let rows = try JPEGRobustness(predictor: p.predictor, sweep: p.sweep, seed: p.cropSeed)
            .run(images: p.test, labels: p.labels, channels: [nil] + channels) { d, t in
                monitor.progress(stage: "JPEG α sweeps", done: d, total: t, detail: "")
            }
        return RobustnessOutput(run: evaluation.folder.path, n: p.test.count, trigger: evaluation.trigger,
                                triggerPhase: p.predictor.renderer.triggerPhase, rows: rows)
    }
}

/// What `baiqa robustness` prints (`--json`) and writes (`--csv`).
public struct RobustnessOutput: Encodable {
    public var run: String
    public var n: Int
    public var trigger: TriggerSpec?
    public var triggerPhase: TriggerPhase
    public var rows: [JPEGRobustness.Row]

    public static let csvHeader = "jpeg_quality,subsampling,benign_srocc,benign_plcc,mean_clean_shift,mmae,mmra,trigger_retained,trigger_psnr"

    /// One line per row; the reference row has an empty quality.
    public var csv: String {
        var lines = [Self.csvHeader]
        for r in rows {
            let psnr = r.survival?.psnr.map { String(format: "%.3f", $0) } ?? ""
            lines.append([r.recompression.map { "\($0.quality)" } ?? "", r.recompression?.subsampling.rawValue ?? "",
                          String(format: "%.4f", r.benign.srocc), String(format: "%.4f", r.benign.plcc),
                          String(format: "%.4f", r.meanCleanShift), String(format: "%.4f", r.attack.mmae),
                          String(format: "%.4f", r.attack.mmra),
                          r.survival.map { String(format: "%.4f", $0.retained) } ?? "", psnr].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
