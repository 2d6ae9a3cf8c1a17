import ArgumentParser
import Pipelines

/// How a suite's steps are computed: in this process, in local processes, or as Slurm jobs; and what a
/// Slurm job asks for (each overrides the config's `cluster:` key of the same name).
struct ExecutorOptions: ParsableArguments {
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case serial, local, slurm
    }

    @Option(help: "Suite: serial (this process), local (--jobs processes) or slurm (one job per step; returns after submitting). Default: serial, or local with --jobs > 1.")
    var executor: Kind?

    @Option(help: "Suite: compute up to N independent steps at once, as separate processes sharing --threads (default 1: in this process).")
    var jobs = 1

    @Flag(help: "Suite: print each step's state in the store and its Slurm job's state (squeue/scontrol), and exit.")
    var status = false

    @Flag(help: "Suite: only write results.json and report.md from the finished steps (the Slurm executor's last job).")
    var collect = false

    @Option(help: "Slurm partition (cluster.partition).") var partition: String?
    @Option(help: "Slurm generic resources per step, e.g. gpu:1 (cluster.gres).") var gres: String?
    @Option(help: "CPUs per step job; the step runs with that many threads (cluster.cpus_per_task).") var cpusPerTask: Int?
    @Option(help: "Memory per step job, e.g. 16G (cluster.mem).") var mem: String?
    @Option(help: "Time limit per job, e.g. 4:00:00 (cluster.time).") var time: String?
    @Option(name: .customLong("sbatch-line"), help: "A further sbatch option for every job, e.g. --sbatch-line=--account=proj42 (repeatable; cluster.sbatch_lines).")
    var sbatchLines: [String] = []

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if jobs > 1 && executor != nil && executor != .local { throw ValidationError("--jobs applies to the local executor, not --executor \(executor!.rawValue)") }
        if status && collect { throw ValidationError("--status and --collect exclude each other") }
    }

    /// The executor asked for (local when --jobs > 1 without --executor).
    var kind: Kind { executor ?? (jobs > 1 ? .local : .serial) }

    /// The `--set` overrides that put the Slurm options into the config's `cluster:` section.
    var overrides: [String] {
        var sets: [String] = []
        if let partition { sets.append("cluster.partition=\(partition)") }
        if let gres { sets.append("cluster.gres=\(gres)") }
        if let cpusPerTask { sets.append("cluster.cpus_per_task=\(cpusPerTask)") }
        if let mem { sets.append("cluster.mem=\(mem)") }
        if let time { sets.append("cluster.time='\(time)'") }
        if !sbatchLines.isEmpty { sets.append("cluster.sbatch_lines=[" + sbatchLines.map { "'\($0)'" }.joined(separator: ",") + "]") }
        return sets
    }

    var isSuiteOnly: Bool { executor != nil || jobs > 1 || status || collect || !overrides.isEmpty }
}
