import ArgumentParser
import Foundation
import Pipelines
import Torch

/// `baiqa step run`: the unit every executor runs — one step of a suite's step store, in this process.
struct StepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "step",
        abstract: "Compute one step of a suite's step store (what `experiment --jobs` and cluster jobs run).",
        subcommands: [Run.self])

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compute one planned step of a step store, or reuse it when done.",
            discussion: """
            The step is named by its folder in the store (`<kind>-<key>`, as `baiqa experiment --config C \\
            --plan` lists them); the suite that planned it left its config in <store>/.specs/. The steps it \\
            reads must be done. A killed step resumes from its checkpoints when run again; two processes \\
            never compute one step at once (the second waits, then reuses it).
            """)

        @Option(help: "The suite's step store (a suite's <out>/steps or its --steps).") var store: String
        @Option(help: "The step's folder name in the store, e.g. victim-0123456789abcdef.") var step: String
        @Option(help: "Intra-op threads (default: all cores).") var threads: Int?
        @OptionGroup var compute: DeviceOptions

        func validate() throws {
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        }

        func run() throws {
            if let threads { Runtime.setThreads(threads) }
            let monitor = ConsoleMonitor()
            let single = try SingleStepRun(store: store, step: step, monitor: monitor)
            try compute.apply(configured: try single.spec.config.deviceRequest(), deterministic: single.spec.config.deterministic)
            try single.run()
        }
    }
}
