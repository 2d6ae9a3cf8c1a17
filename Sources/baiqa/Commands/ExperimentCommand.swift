import ArgumentParser
import Backdoor
import Foundation
import Pipelines
import Torch

struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run a backdoor experiment end to end: one backdoored victim, or the whole attack suite from a config file.",
        discussion: """
        With no arguments: generates the built-in dataset (data/builtin) if absent, poisons 20% of the \
        training split with a seeded DCT trigger, trains a HyperIQA victim with the CPU recipe, and \
        evaluates benign quality and the α-response. Writes results.json, report.md, the victim \
        checkpoint, the trigger, poison.json, predictions.csv and log.txt into the run folder. \
        A killed run resumes from its last epoch when re-run with the same options.

        With --config FILE (YAML or JSON; see configs/) and/or --set key.path=value: the whole chain of \
        the paper — clean model, surrogate, UAP-DCT trigger search, C-BAIQA's PGD, one victim per label \
        mode × attack (BAIQA, Blended, WaNet, FTrojan) — and a Table 1/2-style report.md plus results.json. \
        Each step lives in <out>/steps/<kind>-<hash of its inputs>/ (or --steps DIR, shared between \
        suites) and is reused when its inputs did not change; re-running the same command resumes a \
        killed suite. In this mode only --out, --steps, --set, --sweep, --plan, --jobs, --threads, --device and \
        --deterministic apply (the last two override the config's device and deterministic keys).

        --plan prints the suite's steps (the DAG: each step's role, folder, state and the steps it reads) \
        without computing anything. --jobs N computes independent steps in N processes at once (each \
        `baiqa step run`, with --threads/N threads; the same numbers as a serial run at that many threads), \
        their output in <out>/logs/.

        --sweep key=v1,v2 (repeatable, or a sweep: section in the config) runs the product of the axes as \
        suites in <out>/<key-value_…>/, sharing <out>/steps, and writes <out>/report.md with each number's \
        mean ± standard deviation over the seed axes (seed, *.seed), results.csv and sweep.json.
        """)

    @Option(help: "Suite config file (YAML or JSON): runs the whole attack chain.") var config: String?

    @Option(name: .customLong("set"), help: "Override a config key, e.g. --set victim.epochs=4 --set attacks=[baiqa,wanet] (repeatable).")
    var overrides: [String] = []

    @Option(help: "Suite step folder, shared between suites (default: <out>/steps).") var steps: String?
    @Flag(help: "Suite: print the plan (steps, what each reads, done or not) and exit.") var plan = false
    @Option(help: "Suite: sweep a config key over values, e.g. --sweep seed=0,1,2 --sweep victim.model=hyperiqa,dbcnn (repeatable; the product of all, sharing one step store).")
    var sweep: [String] = []
    @OptionGroup(title: "Suite executor") var executor: ExecutorOptions
    @Option(help: "Run folder (default: runs/experiment, or runs/experiment-N if taken; a suite: runs/<name>).") var out: String?
    @OptionGroup(title: "Victim") var recipe: RecipeOptions
    @OptionGroup(title: "Attack") var trigger: TriggerOptions
    @OptionGroup(title: "Poisoning") var poison: PoisonOptions
    @OptionGroup(title: "Dataset") var data: DatasetOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var compute: DeviceOptions

    func validate() throws {
        if (plan || executor.isSuiteOnly || !sweep.isEmpty) && config == nil && overrides.isEmpty {
            throw ValidationError("--plan, --sweep, --executor, --jobs, --status, --collect and the Slurm options apply to a suite (--config or --set)")
        }
    }

    /// A suite or a sweep through --plan, --status, --collect or an executor; nil when nothing is left
    /// to print (a plan, a status, jobs submitted).
    func drive<Job: SuiteJob>(_ job: Job) throws -> Job.Results? {
        try compute.apply(configured: try job.settings.deviceRequest(), deterministic: job.settings.deterministic)
        if plan {
            let (steps, states) = try job.plan()
            print(steps.table(states: states), terminator: "")
            return nil
        }
        if executor.status {
            print(SlurmExecutor.table(try job.status()), terminator: "")
            return nil
        }
        if executor.collect { return try job.collect() }
        if executor.kind == .slurm {
            var slurm = SlurmExecutor(cluster: job.settings.cluster, executable: Executable.url)
            slurm.stepArguments = compute.forwarded
            let collect = ["experiment", "--config", job.folder.appendingPathComponent("config.json").path,
                           "--out", job.folder.path, "--steps", job.stepsFolder.path, "--collect",
                           // results.json records the steps' thread count (one job's CPUs), not the collecting job's.
                           "--threads", String(max(1, job.settings.cluster.cpusPerTask))]
            let (jobs, done) = try job.submit(slurm, collectArguments: collect)
            if let done { return done }
            print("submitted \(jobs.count) job(s) to Slurm; scripts and logs in \(job.folder.appendingPathComponent("slurm").path)")
            print("follow them with: baiqa experiment --config \(collect[2]) --out \(collect[4]) --steps \(collect[6]) --status")
            return nil
        }
        var local = SuiteRun.Executor.serial
        if executor.kind == .local {
            // Each process gets its share of the threads; this one records that count as the steps' own.
            let jobs = executor.jobs
            let threadsPerJob = max(1, (runtime.threads ?? ProcessInfo.processInfo.activeProcessorCount) / jobs)
            Runtime.setThreads(threadsPerJob)
            var executor = LocalExecutor(jobs: jobs, threadsPerJob: threadsPerJob, executable: Executable.url)
            executor.stepArguments = compute.forwarded
            local = .local(executor)
        }
        return try job.run(executor: local)
    }

    func run() throws {
        let seed = runtime.apply()
        let monitor = ConsoleMonitor()
        if config != nil || !overrides.isEmpty {
            let configFile = config.map { URL(fileURLWithPath: $0) }
            let axes = try SuiteSweep.axes(configFile: configFile, sweeps: sweep)
            if axes.isEmpty {
                let suite = try SuiteRun(configFile: configFile, overrides: overrides + executor.overrides, out: out, steps: steps, monitor: monitor)
                guard let results = try drive(suite) else { return }
                for run in results.runs {
                    print(Print.attackLine(run.benign, mmae: run.attackMetrics.mmae, mmra: run.attackMetrics.mmra, psnr: run.attackMetrics.psnrAlpha1,
                                           prefix: "\(run.label == "poison" ? "P" : "C")-\(run.attack): "))
                }
                return Print.outputs(suite.folder)
            }
            let grid = try SuiteSweep(configFile: configFile, overrides: overrides + executor.overrides, axes: axes, out: out, steps: steps, monitor: monitor)
            guard let results = try drive(grid) else { return }
            print("\(results.members.count) suites: \(grid.folder.appendingPathComponent("report.md").path) (mean ± s.d. over the seed axes), results.csv, sweep.json")
            return
        }
        try compute.apply()
        var config = ExperimentConfig()
        config.seed = seed
        config.dataset = try data.resolved()
        config.recipe = try recipe.recipe()
        config.attack.trigger = try trigger.spec(run: nil) ?? TriggerSpec()
        config.attack.rate = poison.rate
        config.attack.deltaY = poison.deltaY
        config.attack.alphaSampling = poison.alphaSampling
        if poison.label == .clean {
            config.attack.name = "c-baiqa"
            config.attack.labelMode = .clean
            config.attack.targetMean = poison.targetMean
        }
        let (results, folder) = try ExperimentRun(config: config, monitor: monitor).run(out: out)
        let a = results.attack
        print(Print.attackLine(results.benign, mmae: a.metrics.mmae, mmra: a.metrics.mmra, psnr: a.psnrAlpha1))
        Print.outputs(folder)
    }
}
