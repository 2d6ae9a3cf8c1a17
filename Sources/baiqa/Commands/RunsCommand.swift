import ArgumentParser
import Foundation
import Pipelines

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Work across run folders.",
        subcommands: [Compare.self])

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Benign and attack metrics of several run, suite, sweep or defence folders in one table, with the configuration keys that differ.",
            discussion: """
            Rows: an experiment or training run's model (and each defence in its defences/ folder), a suite's \
            clean model, victims and defences, a sweep's suites, a defence folder's undefended and defended \
            victim. Then every configuration key (and environment: libtorch, threads, device) whose value is \
            not the same in all folders, with each folder's value. --csv gives a line per row with the \
            differing keys as columns; --json both.
            """)

        @Argument(help: "Run, suite, sweep or defence folders.") var folders: [String]
        @Flag(help: "Print CSV (run, model, metrics, then one column per differing key).") var csv = false
        @OptionGroup var output: JSONOutputOption

        func validate() throws {
            if folders.isEmpty { throw ValidationError("name at least one folder") }
            if csv && output.json { throw ValidationError("--csv and --json exclude each other") }
        }

        func run() throws {
            let comparison = try RunComparison(folders: folders)
            if output.json {
                print(String(decoding: try comparison.jsonData(), as: UTF8.self))
            } else if csv {
                print(comparison.csv(), terminator: "")
            } else {
                print(comparison.markdown(), terminator: "")
            }
        }
    }
}
