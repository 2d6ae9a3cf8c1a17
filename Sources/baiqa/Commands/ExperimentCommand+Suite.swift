import Evaluation
import Foundation

extension ExperimentCommand {
    /// `--config`/`--set`: the whole attack chain as reusable steps (see `AttackSuite`).
    func runSuite() throws {
        let monitor = ConsoleMonitor()
        // Every config problem fails here, before anything is written.
        let suiteConfig = try SuiteConfigFile.load(config.map { URL(fileURLWithPath: $0) }, overrides: overrides)
        let outURL = URL(fileURLWithPath: out ?? "runs/\(suiteConfig.name)").standardizedFileURL
        let stepsURL = steps.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? outURL.appendingPathComponent("steps")
        let suite = try AttackSuite(config: suiteConfig, stepsFolder: stepsURL, monitor: monitor)
        let fm = FileManager.default
        let configURL = outURL.appendingPathComponent("config.json")
        let configData = try SuiteConfigFile.json(suiteConfig)
        if fm.fileExists(atPath: outURL.path) {
            // A suite folder is re-entered (resume, or steps reused after a config change) but never
            // taken over from something else.
            guard fm.fileExists(atPath: configURL.path) else {
                throw CLIError("\(outURL.path) exists and is not an attack-suite folder (no config.json); choose another --out")
            }
        }
        try fm.createDirectory(at: stepsURL, withIntermediateDirectories: true)
        try fm.createDirectory(at: outURL, withIntermediateDirectories: true)
        try configData.write(to: configURL, options: .atomic)
        monitor.logFile = outURL.appendingPathComponent("log.txt")
        monitor.log("attack suite `\(suiteConfig.name)` in \(outURL.path) (steps in \(stepsURL.path))")
        let results = try suite.run()
        try results.jsonData().write(to: outURL.appendingPathComponent("results.json"), options: .atomic)
        try Data(SuiteReport.markdown(results, runName: outURL.lastPathComponent).utf8)
            .write(to: outURL.appendingPathComponent("report.md"), options: .atomic)
        for run in results.runs {
            print(String(format: "%@-%@: SROCC %.3f  PLCC %.3f  RMSE %.2f | mMAE %.2f  mMRA %.3f  PSNR(α=1) %.2f dB",
                         run.label == "poison" ? "P" : "C", run.attack, run.benign.srocc, run.benign.plcc, run.benign.rmse,
                         run.attackMetrics.mmae, run.attackMetrics.mmra, run.attackMetrics.psnrAlpha1))
        }
        print("results: \(outURL.appendingPathComponent("results.json").path)")
        print("report:  \(outURL.appendingPathComponent("report.md").path)")
    }
}
