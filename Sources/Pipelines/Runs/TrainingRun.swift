import Dispatch
import Evaluation
import Foundation
import Torch
import IQAData
import IQAModels

/// `baiqa train`: one clean training run in a run folder (written as `<out>.partial`, renamed when
/// complete), or one run per random split with the median of their test metrics, as IQA papers report.
public struct TrainingRun {
    public var config: TrainingConfig
    /// Log test metrics every that many epochs (0: only at the end). Monitoring only: no model selection.
    public var evalEvery = 0
    public let monitor: RunMonitor

    public init(config: TrainingConfig, evalEvery: Int = 0, monitor: RunMonitor) {
        self.config = config
        self.evalEvery = evalEvery
        self.monitor = monitor
    }

    /// The config of the unfinished run `folder` (or `folder.partial`) and its final folder, for `--resume`.
    public static func unfinished(_ folder: String) throws -> (config: TrainingConfig, out: URL) {
        let out = URL(fileURLWithPath: folder.hasSuffix(".partial") ? String(folder.dropLast(8)) : folder).standardizedFileURL
        let saved = RunFolder.partial(out).appendingPathComponent(configFile)
        guard FileManager.default.fileExists(atPath: saved.path) else {
            throw RunError("\(folder): no unfinished training run there (missing \(configFile))")
        }
        return (try JSONFiles.read(TrainingConfig.self, from: saved), out)
    }

    static let configFile = "train_config.json"

    /// Trains into `out` and returns the test metrics.
    public func run(into out: URL) throws -> BenignMetrics {
        let (dataset, dataSeconds) = try loadDataset()
        return try train(config, into: out, dataset: dataset, dataSeconds: dataSeconds)
    }

    /// Trains on `splits` random splits (seeds seed…seed+K−1) into `out/split-k`; finished splits are
    /// kept, so re-running completes a killed series. Writes `out/summary.json`.
    public func runSplits(_ splits: Int, into out: URL) throws -> SplitsSummary {
        guard config.dataset.splitFile == nil else { throw RunError("--splits draws random splits; it cannot be combined with --split") }
        let (dataset, dataSeconds) = try loadDataset()
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var all: [BenignMetrics] = []
        for k in 0..<splits {
            var c = config
            c.seed = config.seed &+ UInt64(k)
            let sub = out.appendingPathComponent("split-\(k)")
            if FileManager.default.fileExists(atPath: sub.appendingPathComponent("results.json").path) {
                all.append(try JSONFiles.read(SavedBenign.self, from: sub.appendingPathComponent("results.json")).benign)
                monitor.log("split \(k + 1)/\(splits): already done")
                continue
            }
            monitor.log("split \(k + 1)/\(splits) (seed \(c.seed))")
            all.append(try train(c, into: sub, dataset: dataset, dataSeconds: dataSeconds))
        }
        let summary = SplitsSummary(perSplit: all)
        try JSONFiles.write(summary, to: out.appendingPathComponent("summary.json"), keys: .snakeCase)
        return summary
    }

    func loadDataset() throws -> (LoadedDataset, Double) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let dataset = try LoadedDataset.open(config.dataset, monitor: monitor)
        return (dataset, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }

    /// One training run into `out` (via `<out>.partial`), returning its test metrics.
    func train(_ config: TrainingConfig, into out: URL, dataset: LoadedDataset, dataSeconds: Double) throws -> BenignMetrics {
        var timings: [String: Double] = ["data": dataSeconds]
        let work = try RunFolder.prepareWork(for: out, fingerprint: config.fingerprint, monitor: monitor)
        monitor.copyLog(to: work.appendingPathComponent("log.txt"))
        try JSONFiles.write(config, to: work.appendingPathComponent(Self.configFile))
        monitor.log("run folder \(out.path)")
        do {
            let benign = try CleanTraining(config: config, workDir: work.url, monitor: monitor).run(dataset: dataset, evalEvery: evalEvery, timings: &timings)
            let results = TrainingResults(config: config, benign: benign, timings: timings, environment: Runtime.computeEnvironment)
            try JSONFiles.write(results, to: work.appendingPathComponent("results.json"))
            try Data(TrainingReport.markdown(results, runName: out.lastPathComponent).utf8).write(to: work.appendingPathComponent("report.md"), options: .atomic)
            RunFigures.addToRun(work.url, monitor: monitor)
            try? FileManager.default.removeItem(at: work.appendingPathComponent(Self.configFile))
            try RunFolder.finish(work, into: out)
            return benign
        } catch {
            RunFolder.abandon(work)
            throw error
        }
    }

    struct SavedBenign: Decodable { var benign: BenignMetrics }
}

/// `results.json` of a training run.
public struct TrainingResults: Encodable {
    public var config: TrainingConfig
    public var benign: BenignMetrics
    public var timings: [String: Double]
    /// libtorch, threads, device (name, CUDA/cuDNN versions), deterministic.
    public var environment: [String: String]
}

/// `summary.json` of a series of training runs on random splits.
public struct SplitsSummary: Encodable {
    public var splits: Int
    public var perSplit: [BenignMetrics]
    public var median: [String: Double]

    public init(perSplit: [BenignMetrics]) {
        splits = perSplit.count
        self.perSplit = perSplit
        func median(_ xs: [Double]) -> Double {
            let s = xs.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        self.median = ["plcc": median(perSplit.map(\.plcc)), "srocc": median(perSplit.map(\.srocc)),
                       "krcc": median(perSplit.map(\.krcc)), "rmse": median(perSplit.map(\.rmse))]
    }
}
