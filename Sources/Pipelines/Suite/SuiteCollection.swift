import Backdoor
import Evaluation
import Foundation
import IQAData
import Torch

/// The suite's results, gathered from the finished steps of its plan (whichever executor computed
/// them): the same results.json from a serial run, local processes or Slurm jobs.
extension AttackSuite {
    public func collect(_ plan: SuitePlan) throws -> SuiteResults {
        let unfinished = plan.steps.filter { steps.state(of: $0.folder) != .done }
        guard unfinished.isEmpty else {
            throw RunError("the suite is not finished: \(unfinished.count) of \(plan.steps.count) steps are not done in \(steps.root.path) "
                           + "(\(unfinished.prefix(4).map(\.id).joined(separator: ", "))\(unfinished.count > 4 ? ", …" : ""))")
        }
        func folder(_ role: String) -> URL? { plan.step(role: role).map { steps.root.appendingPathComponent($0.folder) } }

        let clean = plan.step(role: "clean")!
        let cleanBenign = try JSONFiles.read(CleanResult.self, from: folder("clean")!.appendingPathComponent("results.json")).benign
        let victimName = resolved.victim.model.kind.displayName
        monitor.log(String(format: "clean %@: test SROCC %.3f  PLCC %.3f  RMSE %.2f", victimName, cleanBenign.srocc, cleanBenign.plcc, cleanBenign.rmse))
        let surrogate = plan.step(role: "surrogate")!

        var triggerInfo: SuiteResults.TriggerInfo?
        if config.attacks.contains(.baiqa) {
            switch config.trigger.source {
            case "file": triggerInfo = .init(source: "file", file: URL(fileURLWithPath: config.trigger.file).standardizedFileURL.path)
            case "random": triggerInfo = .init(source: "random")
            default:
                let step = folder("trigger")!
                let record = try JSONFiles.read(SearchRecord.self, from: step.appendingPathComponent("trigger.json"))
                monitor.log(String(format: "trigger: PSNR(α=1) %.2f dB on the %d search images", record.psnrAlpha1, record.images))
                triggerInfo = .init(source: "search", file: step.appendingPathComponent("trigger.pt").path, step: step.lastPathComponent,
                                    psnrSearchImages: record.psnrAlpha1, searchImages: record.images)
            }
        }

        var pgdInfo: SuiteResults.PGDInfo?
        if let step = folder("pgd") {
            let r = try JSONFiles.read(PGDRecord.self, from: step.appendingPathComponent("pgd.json"))
            monitor.log(String(format: "PGD: mean |surrogate − %.0f| %.2f → %.2f on %d images", resolved.pgd.target, r.meanDistanceBefore, r.meanDistanceAfter, r.images))
            pgdInfo = .init(step: step.lastPathComponent, images: r.images, meanDistanceBefore: r.meanDistanceBefore, meanDistanceAfter: r.meanDistanceAfter)
        }

        let response = try plan.steps.filter { $0.kind == "response" }.map {
            try JSONFiles.read(SuiteResults.Response.self, from: steps.root.appendingPathComponent($0.folder).appendingPathComponent("response.json"))
        }

        var runs: [SuiteResults.VictimRun] = []
        var defences: [SuiteResults.DefenceRun] = []
        var jpegTestTime: [SuiteResults.JPEGTestRun] = [], jpegRelease: [SuiteResults.JPEGReleaseRun] = []
        for label in config.labels {
            for attack in config.attacks {
                let name = Self.victimName(label: label.rawValue, attack: attack.rawValue)
                let step = folder("victim-\(name)")!
                let saved = try JSONDecoder().decode(SavedExperiment.self, from: Data(contentsOf: step.appendingPathComponent("results.json")))
                let run = SuiteResults.VictimRun(label: label.rawValue, attack: attack.rawValue, step: step.lastPathComponent, benign: saved.benign,
                                                 attackMetrics: .init(saved.attack.metrics, psnr: saved.attack.psnrAlpha1), trainSeconds: saved.timings["train"] ?? 0)
                monitor.log(String(format: "%@: SROCC %.3f  PLCC %.3f  RMSE %.2f | mMAE %.2f  mMRA %.3f  PSNR %.2f dB", name, run.benign.srocc, run.benign.plcc,
                                   run.benign.rmse, run.attackMetrics.mmae, run.attackMetrics.mmra, run.attackMetrics.psnrAlpha1))
                runs.append(run)
                for kind in config.defences.run {
                    defences.append(try defenceRun(folder("defence-\(kind.rawValue)-\(name)")!, kind: kind, victim: run, name: name))
                }
                if let robustness = folder("robustness-\(name)") {
                    let rows = try JSONFiles.read([JPEGRobustness.Row].self, from: robustness.appendingPathComponent("robustness.json"))
                    jpegTestTime.append(.init(label: label.rawValue, attack: attack.rawValue, step: robustness.lastPathComponent, rows: rows))
                    monitor.log("\(name) behind JPEG: mMRA " + rows.map { r in
                        String(format: "%@ %.3f", r.recompression.map { "q\($0.quality)" } ?? "none", r.attack.mmra)
                    }.joined(separator: ", "))
                }
                for channel in try config.robustness.releaseChannels() {
                    let step = folder(Self.victimRole(name, release: channel))!
                    let saved = try JSONFiles.read(SavedExperiment.self, from: step.appendingPathComponent("results.json"))
                    jpegRelease.append(.init(label: label.rawValue, attack: attack.rawValue, release: channel, step: step.lastPathComponent,
                                             benign: saved.benign, attackMetrics: .init(saved.attack.metrics, psnr: saved.attack.psnrAlpha1)))
                    monitor.log(String(format: "%@ released as %@: SROCC %.3f | mMAE %.2f  mMRA %.3f", name, channel.description,
                                       saved.benign.srocc, saved.attack.metrics.mmae, saved.attack.metrics.mmra))
                }
            }
        }

        // The same libtorch/threads record as every step's step.json, plus what only the suite reports.
        var environment = steps.computedWith
        environment["flush_denormal"] = "\(Runtime.flushesDenormals)"
        environment["config_key"] = try StepStore.key(config)
        return SuiteResults(config: config, victimModel: resolved.victim.model.kind.rawValue,
                            clean: .init(step: clean.folder, benign: cleanBenign),
                            surrogate: .init(step: surrogate.folder, reused: surrogate.folder == clean.folder),
                            trigger: triggerInfo, pgd: pgdInfo, runs: runs, cleanModelResponse: response, defences: defences.isEmpty ? nil : defences,
                            jpegTestTime: jpegTestTime.isEmpty ? nil : jpegTestTime, jpegRelease: jpegRelease.isEmpty ? nil : jpegRelease,
                            timings: timings(plan), environment: environment)
    }

    func defenceRun(_ step: URL, kind: DefenceKind, victim run: SuiteResults.VictimRun, name: String) throws -> SuiteResults.DefenceRun {
        let results = try JSONFiles.read(DefenceResults.self, from: step.appendingPathComponent("defence/results.json"))
        monitor.log(String(format: "%@, %@: mMAE %.2f → %.2f, mMRA %.3f → %.3f, SROCC %.3f → %.3f, RMSE %.2f → %.2f", name, kind.title,
                           results.undefended.attack.mmae, results.chosen.attack.mmae, results.undefended.attack.mmra, results.chosen.attack.mmra,
                           results.undefended.benign.srocc, results.chosen.benign.srocc, results.undefended.benign.rmse, results.chosen.benign.rmse))
        return .init(label: run.label, attack: run.attack, defence: kind.rawValue, step: step.lastPathComponent,
                     chosenStrength: results.chosenRate ?? results.chosenThreshold ?? results.chosen.strength,
                     before: .init(results.undefended), after: .init(results.chosen))
    }

    /// Seconds each part of the suite took when its steps were computed (from their step.json; steps
    /// computed before step.json recorded it count 0), plus this process's dataset load.
    func timings(_ plan: SuitePlan) -> [String: Double] {
        var t = ["data": dataTime]
        for step in plan.steps {
            let part: String
            switch step.kind {
            case "train": part = step.id == "clean" ? "clean model" : "surrogate"
            case "response": part = "clean-model response"
            case "victim": part = "victim " + step.id.dropFirst("victim-".count)
            case "robustness": part = "JPEG robustness"
            case let k where k.hasPrefix("defence-"): part = "defence " + k.dropFirst("defence-".count)
            default: part = step.kind
            }
            t[part, default: 0] += steps.recordedSeconds(of: step.folder) ?? 0
        }
        return t
    }

    /// The parts of a victim's results.json the suite reads back.
    struct SavedExperiment: Decodable {
        var benign: BenignMetrics
        var attack: SavedAttack
        var timings: [String: Double]
    }

    struct SavedAttack: Decodable {
        var metrics: AttackMetrics
        var psnrAlpha1: Double
        enum Keys: String, CodingKey { case psnrAlpha1 = "psnr_alpha1" }
        init(from decoder: Decoder) throws {
            metrics = try AttackMetrics(from: decoder)
            psnrAlpha1 = try decoder.container(keyedBy: Keys.self).decodeIfPresent(Double.self, forKey: .psnrAlpha1) ?? .infinity
        }
    }
}
