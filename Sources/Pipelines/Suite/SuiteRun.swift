import Foundation
import IQAData

/// `baiqa experiment --config`: a suite folder (config.json, log.txt, results.json, report.md) around
/// an `AttackSuite` whose steps live in `<folder>/steps` or a shared step store.
public struct SuiteRun {
    public let config: SuiteConfig
    public let folder: URL
    public let stepsFolder: URL
    let monitor: RunMonitor

    /// Reads and checks the config (every problem fails here, before anything is written).
    public init(configFile: URL?, overrides: [String], out: String?, steps: String?, monitor: RunMonitor) throws {
        config = try SuiteConfigFile.load(configFile, overrides: overrides)
        folder = URL(fileURLWithPath: out ?? "runs/\(config.name)").standardizedFileURL
        stepsFolder = steps.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? folder.appendingPathComponent("steps")
        self.monitor = monitor
    }

    public func run() throws -> SuiteResults {
        let suite = try AttackSuite(config: config, stepsFolder: stepsFolder, monitor: monitor)
        let fm = FileManager.default
        let configURL = folder.appendingPathComponent("config.json")
        let configData = try SuiteConfigFile.json(config)
        // A suite folder is re-entered (resume, or steps reused after a config change) but never taken
        // over from something else.
        if fm.fileExists(atPath: folder.path) && !fm.fileExists(atPath: configURL.path) {
            throw RunError("\(folder.path) exists and is not an attack-suite folder (no config.json); choose another --out")
        }
        try fm.createDirectory(at: stepsFolder, withIntermediateDirectories: true)
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        try configData.write(to: configURL, options: .atomic)
        monitor.copyLog(to: folder.appendingPathComponent("log.txt"))
        monitor.log("attack suite `\(config.name)` in \(folder.path) (steps in \(stepsFolder.path))")
        let results = try suite.run()
        try results.jsonData().write(to: folder.appendingPathComponent("results.json"), options: .atomic)
        try Data(SuiteReport.markdown(results, runName: folder.lastPathComponent).utf8)
            .write(to: folder.appendingPathComponent("report.md"), options: .atomic)
        RunFigures.addToRun(folder, stepsFolder: stepsFolder, monitor: monitor)
        return results
    }
}
