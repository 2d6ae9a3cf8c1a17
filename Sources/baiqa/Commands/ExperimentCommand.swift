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
        killed suite. In this mode only --out, --steps, --set, --plan, --jobs, --threads, --device and \
        --deterministic apply (the last two override the config's device and deterministic keys).

        --plan prints the suite's steps (the DAG: each step's role, folder, state and the steps it reads) \
        without computing anything. --jobs N computes independent steps in N processes at once (each \
        `baiqa step run`, with --threads/N threads; the same numbers as a serial run at that many threads), \
        their output in <out>/logs/.
        """)

    @Option(help: "Suite config file (YAML or JSON): runs the whole attack chain.") var config: String?

    @Option(name: .customLong("set"), help: "Override a config key, e.g. --set victim.epochs=4 --set attacks=[baiqa,wanet] (repeatable).")
    var overrides: [String] = []

    @Option(help: "Suite step folder, shared between suites (default: <out>/steps).") var steps: String?
    @Flag(help: "Suite: print the plan (steps, what each reads, done or not) and exit.") var plan = false
    @OptionGroup(title: "Suite executor") var executor: ExecutorOptions
    @Option(help: "Run folder (default: runs/experiment, or runs/experiment-N if taken; a suite: runs/<name>).") var out: String?
    @OptionGroup(title: "Victim") var recipe: RecipeOptions
    @OptionGroup(title: "Attack") var trigger: TriggerOptions
    @OptionGroup(title: "Poisoning") var poison: PoisonOptions
    @OptionGroup(title: "Dataset") var data: DatasetOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var compute: DeviceOptions

    func validate() throws {
        if (plan || executor.isSuiteOnly) && config == nil && overrides.isEmpty {
            throw ValidationError("--plan, --executor, --jobs, --status, --collect and the Slurm options apply to a suite (--config or --set)")
        }
    }

    func run() throws {
        let seed = runtime.apply()
        let monitor = ConsoleMonitor()
        if config != nil || !overrides.isEmpty {
            let suite = try SuiteRun(configFile: config.map { URL(fileURLWithPath: $0) }, overrides: overrides + executor.overrides, out: out, steps: steps, monitor: monitor)
            try compute.apply(configured: try suite.config.deviceRequest(), deterministic: suite.config.deterministic)
            if plan {
                let (steps, states) = try suite.plan()
                return print(steps.table(states: states), terminator: "")
            }
            if executor.status { return print(SlurmExecutor.table(try suite.status()), terminator: "") }
            let results: SuiteResults
            if executor.collect {
                results = try suite.collect()
            } else if executor.kind == .slurm {
                var slurm = SlurmExecutor(cluster: suite.config.cluster, executable: Executable.url)
                slurm.stepArguments = compute.forwarded
                let collect = ["experiment", "--config", suite.folder.appendingPathComponent("config.json").path,
                               "--out", suite.folder.path, "--steps", suite.stepsFolder.path, "--collect",
                               // results.json records the steps' thread count (one job's CPUs), not the collecting job's.
                               "--threads", String(max(1, suite.config.cluster.cpusPerTask))]
                let (jobs, done) = try suite.submit(slurm, collectArguments: collect)
                guard let done else {
                    print("submitted \(jobs.count) job(s) to Slurm; scripts and logs in \(suite.folder.appendingPathComponent("slurm").path)")
                    return print("follow them with: baiqa experiment --config \(collect[2]) --out \(collect[4]) --steps \(collect[6]) --status")
                }
                results = done
            } else {
                var executor = SuiteRun.Executor.serial
                if self.executor.kind == .local {
                    // Each process gets its share of the threads; this one records that count as the steps' own.
                    let jobs = self.executor.jobs
                    let threadsPerJob = max(1, (runtime.threads ?? ProcessInfo.processInfo.activeProcessorCount) / jobs)
                    Runtime.setThreads(threadsPerJob)
                    var local = LocalExecutor(jobs: jobs, threadsPerJob: threadsPerJob, executable: Executable.url)
                    local.stepArguments = compute.forwarded
                    executor = .local(local)
                }
                results = try suite.run(executor: executor)
            }
            for run in results.runs {
                print(Print.attackLine(run.benign, mmae: run.attackMetrics.mmae, mmra: run.attackMetrics.mmra, psnr: run.attackMetrics.psnrAlpha1,
                                       prefix: "\(run.label == "poison" ? "P" : "C")-\(run.attack): "))
            }
            return Print.outputs(suite.folder)
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
