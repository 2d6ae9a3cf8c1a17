import Backdoor
import Dispatch
import Foundation
import IQAData

/// `baiqa experiment` without a suite config: one backdoored victim from a dataset to a finished run
/// folder. Every input is checked (the trigger loaded, the dataset decoded) before the folder exists.
public struct ExperimentRun {
    public var config: ExperimentConfig
    public let monitor: RunMonitor

    public init(config: ExperimentConfig, monitor: RunMonitor) {
        self.config = config
        self.monitor = monitor
    }

    /// Runs into `out` (default: the first free runs/experiment[-N]) and returns the results and the folder.
    public func run(out: String?) throws -> (results: ExperimentResults, folder: URL) {
        let trigger = try config.attack.trigger.dctTrigger(seed: config.seed)
        let t0 = DispatchTime.now().uptimeNanoseconds
        let dataset = try LoadedDataset.open(config.dataset, monitor: monitor)
        let timings = ["data": Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9]

        // The run folder: work in <out>.partial, rename when complete.
        let outURL = try RunFolder.choose(out)
        let work = try RunFolder.prepareWork(for: outURL, fingerprint: config.fingerprint, monitor: monitor)
        monitor.copyLog(to: work.appendingPathComponent("log.txt"))
        monitor.log("run folder: \(outURL.path) (working in \(work.lastPathComponent))")
        let results: ExperimentResults
        do {
            results = try BackdoorExperiment(config: config, workDir: work.url, monitor: monitor).run(dataset: dataset, trigger: trigger, timings: timings)
        } catch {
            RunFolder.abandon(work)
            throw error
        }
        try results.jsonData().write(to: work.appendingPathComponent("results.json"), options: .atomic)
        try Data(ExperimentReport.markdown(results, runName: outURL.lastPathComponent).utf8)
            .write(to: work.appendingPathComponent("report.md"), options: .atomic)
        RunFigures.addToRun(work.url, monitor: monitor)
        try RunFolder.finish(work, into: outURL)
        return (results, outURL)
    }
}
