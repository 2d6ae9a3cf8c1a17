import Evaluation
import Foundation
import Pipelines

/// The summary lines commands print on stdout (logs and progress go to stderr).
enum Print {
    static func benign(_ m: BenignMetrics, run: URL) {
        print(String(format: "test: SROCC %.3f  PLCC %.3f  KRCC %.3f  RMSE %.2f (n = %d)", m.srocc, m.plcc, m.krcc, m.rmse, m.n))
        print("run: \(run.path)")
    }

    /// "benign … | mMAE … mMRA … PSNR …" of a backdoored model.
    static func attackLine(_ b: BenignMetrics, mmae: Double, mmra: Double, psnr: Double, prefix: String = "benign ") -> String {
        String(format: "%@SROCC %.3f  PLCC %.3f  RMSE %.2f | mMAE %.2f  mMRA %.3f  PSNR(α=1) %.2f dB", prefix, b.srocc, b.plcc, b.rmse, mmae, mmra, psnr)
    }

    static func outputs(_ folder: URL) {
        print("results: \(folder.appendingPathComponent("results.json").path)")
        print("report:  \(folder.appendingPathComponent("report.md").path)")
    }
}
