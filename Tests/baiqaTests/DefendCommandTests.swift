import Foundation
import Torch
import XCTest

/// `baiqa defend` on a tiny backdoored victim (24 generated images, 1 epoch): the rows and columns of
/// each defence, the undefended row reproducing the run's own results, determinism, resuming after a
/// kill, a clean set disjoint from the poisoned images, training that never sees the trigger, and the
/// defended folder being a run that `evaluate` takes.
final class DefendCommandTests: XCTestCase {
    static var dir: URL!
    static let tiny = ["--threads", "2"]

    override class func setUp() {
        super.setUp()
        do {
            dir = try CLI.temporaryDirectory("defend")
            let r = try CLI.run(["experiment", "--root", "data", "--out", "victim", "--epochs", "1", "--builtin-count", "24",
                                 "--builtin-size", "128", "--threads", "2"], in: dir)
            precondition(r.status == 0, r.stderr)
        } catch {
            preconditionFailure("\(error)")
        }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: dir)
        super.tearDown()
    }

    var dir: URL { Self.dir }

    func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(path))) as! [String: Any]
    }

    func csv(_ path: String) throws -> [[String]] {
        try String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    func defend(_ args: [String]) throws -> CLI.Result {
        let r = try CLI.run(["defend"] + args + Self.tiny, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r
    }

    /// The columns, the undefended row against the run's results.json, and the row of `phase`/`strength`.
    func checkSteps(_ folder: String, phases: [String]) throws -> [[String]] {
        let rows = try csv("\(folder)/steps.csv")
        let header = rows[0]
        XCTAssertEqual(Array(header.prefix(11)), ["phase", "strength", "pruned", "clean_set_rmse", "plcc", "srocc", "krcc", "rmse", "mmae",
                                                  "mmra", "triggered_mae_vs_mos"])
        XCTAssertEqual(header.count, 11 + 40, "20 α values: MAE and MRA each")
        XCTAssertEqual(rows.dropFirst().map { $0[0] }, phases)
        XCTAssertTrue(rows.dropFirst().allSatisfy { $0.count == header.count })
        let own = try json("victim/results.json")
        let attack = own["attack"] as! [String: Any], benign = own["benign"] as! [String: Any]
        XCTAssertEqual(Double(rows[1][8])!, attack["mmae"] as! Double, accuracy: 1e-5, "row 'none' is the run's own α sweep")
        XCTAssertEqual(Double(rows[1][9])!, attack["mmra"] as! Double, accuracy: 1e-5)
        XCTAssertEqual(Double(rows[1][5])!, benign["srocc"] as! Double, accuracy: 1e-5)
        return rows
    }

    func testFineTuningRowsResumeAndTheDefendedRun() throws {
        _ = try defend(["finetune", "--run", "victim", "--epochs", "2", "--clean-fraction", "0.2"])
        let folder = "victim/defences/finetune"
        let rows = try checkSteps(folder, phases: ["none", "finetune", "finetune"])
        XCTAssertEqual(rows.dropFirst().map { $0[1] }, ["0", "1", "2"])
        for file in ["defended.pt", "manifest.json", "clean_set.json", "results.json", "report.md", "trigger.pt"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("\(folder)/\(file)").path), file)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("\(folder).partial").path))
        // Clean set: 20 % of 19 training images, none of them poisoned.
        let clean = try json("\(folder)/clean_set.json")["clean"] as! [String]
        XCTAssertEqual(clean.count, 4)
        let poisoned = Set((try json("victim/poison.json")["images"] as! [[String: Any]]).map { $0["name"] as! String })
        XCTAssertFalse(poisoned.isEmpty)
        XCTAssertTrue(Set(clean).isDisjoint(with: poisoned))
        XCTAssertTrue(Set(clean).isDisjoint(with: Set((try json("victim/manifest.json")["test"]) as! [String])))
        // results.json's chosen step is the last epoch; evaluate on the defended folder gives its numbers.
        let results = try json("\(folder)/results.json")
        let chosen = results["chosen"] as! [String: Any]
        XCTAssertEqual(chosen["strength"] as? Double, 2)
        let e = try CLI.run(["evaluate", "--run", folder, "--attack", "--json"], in: dir)
        XCTAssertEqual(e.status, 0, e.stderr)
        let again = (try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as! [String: Any])["attack"] as! [String: Any]
        XCTAssertEqual(again["mmae"] as! Double, Double(rows[3][8])!, accuracy: 1e-5)

        // Killed after its first epoch's checkpoint and run again: the same rows and weights.
        let killed = try CLI.runAndKill(["defend", "finetune", "--run", "victim", "--epochs", "2", "--clean-fraction", "0.2", "--out", "ft2"] + Self.tiny,
                                        in: dir, afterFileAppears: "ft2.partial/train_state.pt", leaving: "ft2.partial")
        XCTAssertTrue(killed, "the defence finished before it could be killed")
        _ = try defend(["finetune", "--run", "victim", "--epochs", "2", "--clean-fraction", "0.2", "--out", "ft2"])
        XCTAssertEqual(try csv("ft2/steps.csv"), rows)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("ft2/defended.pt")),
                       try Data(contentsOf: dir.appendingPathComponent("\(folder)/defended.pt")))

        // The defender's own learning rate: recorded, reported, and it changes the first epoch.
        _ = try defend(["finetune", "--run", "victim", "--epochs", "1", "--clean-fraction", "0.2", "--lr", "1e-5", "--out", "ft-lr"])
        let slow = try csv("ft-lr/steps.csv")
        XCTAssertEqual(slow[1], rows[1], "the undefended row does not depend on the rate")
        XCTAssertNotEqual(slow[2], rows[2])
        XCTAssertEqual((try json("ft-lr/results.json")["settings"] as! [String: Any])["learning_rate"] as? Double, 1e-5)
        XCTAssertNil((results["settings"] as! [String: Any])["learning_rate"])
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("ft-lr/report.md"), encoding: .utf8).contains("1 epochs at learning rate 1e-05"))
    }

    /// The defence trains on clean data only: with another trigger recorded in the run, the defended
    /// weights, the clean-set RMSE and the benign metrics are bit-identical; only the attack's numbers move.
    func testNothingReadsTriggeredData() throws {
        let fm = FileManager.default
        try fm.copyItem(at: dir.appendingPathComponent("victim"), to: dir.appendingPathComponent("victim-other-trigger"))
        try? fm.removeItem(at: dir.appendingPathComponent("victim-other-trigger/defences"))
        // Another trigger: the victim's, negated and doubled.
        let triggerURL = dir.appendingPathComponent("victim-other-trigger/trigger.pt")
        let trigger = try TensorFile.loadTensor(from: triggerURL)
        try fm.removeItem(at: triggerURL)
        try TensorFile.save(trigger * -2, to: triggerURL)
        for run in ["victim", "victim-other-trigger"] {
            _ = try defend(["finetune", "--run", run, "--epochs", "1", "--clean-fraction", "0.2", "--out", "\(run)-ft"])
        }
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("victim-ft/defended.pt")),
                       try Data(contentsOf: dir.appendingPathComponent("victim-other-trigger-ft/defended.pt")))
        let a = try csv("victim-ft/steps.csv"), b = try csv("victim-other-trigger-ft/steps.csv")
        for (ra, rb) in zip(a.dropFirst(), b.dropFirst()) {
            XCTAssertEqual(Array(ra[0..<8]), Array(rb[0..<8]), "clean-set RMSE and benign metrics do not depend on the trigger")
        }
        XCTAssertNotEqual(a[1][8], b[1][8], "the attack is measured with each run's own trigger")
    }

    func testFinePruningRanksMasksAndFineTunes() throws {
        _ = try defend(["fineprune", "--run", "victim", "--rates", "0,0.5,0.9", "--epochs", "1", "--clean-fraction", "0.2", "--max-rmse-rise", "100"])
        let folder = "victim/defences/fineprune"
        let rows = try checkSteps(folder, phases: ["none", "prune", "prune", "prune", "finetune"])
        // The cpu HyperIQA's layer4 has 256 channels: 0, 128 and 230 of them masked.
        XCTAssertEqual(rows[2...4].map { $0[2] }, ["0", "128", "230"])
        XCTAssertEqual(rows[2][3], rows[1][3], "rate 0 is the undefended model")
        let ranking = try csv("\(folder)/channel_ranking.csv")
        XCTAssertEqual(ranking.count, 257)
        let activity = ranking.dropFirst().map { Double($0[2])! }
        XCTAssertEqual(activity, activity.sorted(), "ranked from least to most active")
        // With a generous rule (RMSE may rise 100-fold) the largest rate is chosen and its mask kept.
        let results = try json("\(folder)/results.json")
        XCTAssertEqual(results["chosen_rate"] as? Double, 0.9)
        let mask = try TensorFile.loadTensor(from: dir.appendingPathComponent("\(folder)/last_stage_mask.pt")).floats()
        XCTAssertEqual(mask.filter { $0 == 0 }.count, 230)
        let pruned = Set(ranking.dropFirst().prefix(230).map { Int($0[1])! })
        XCTAssertEqual(Set(mask.indices.filter { mask[$0] == 0 }), pruned, "the least active channels are the masked ones")
        let e = try CLI.run(["evaluate", "--run", folder, "--attack", "--json"], in: dir)
        XCTAssertEqual(e.status, 0, e.stderr)
        let again = (try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as! [String: Any])["attack"] as! [String: Any]
        XCTAssertEqual(again["mmae"] as! Double, Double(rows[5][8])!, accuracy: 1e-5, "evaluate applies the saved mask")
    }

    func testANPMasksThresholdsAndResume() throws {
        let args = ["anp", "--run", "victim", "--iterations", "12", "--batch-size", "8", "--thresholds", "0,0.95", "--clean-fraction", "0.2"]
        _ = try defend(args)
        let folder = "victim/defences/anp"
        let rows = try checkSteps(folder, phases: ["none", "anp", "anp"])
        XCTAssertEqual(rows[2][2], "0")
        XCTAssertEqual(rows[2][3], rows[1][3], "threshold 0 prunes nothing")
        let masks = try csv("\(folder)/mask_values.csv")
        let values = masks.dropFirst().map { Double($0[2])! }
        XCTAssertTrue(values.allSatisfy { $0 >= 0 && $0 <= 1 }, "masks are clipped to [0, 1]")
        XCTAssertTrue(values.contains { $0 < 1 }, "the masks moved")
        XCTAssertEqual(Int(rows[3][2])!, values.filter { $0 < 0.95 }.count)
        XCTAssertTrue(masks.dropFirst().allSatisfy { $0[0].hasPrefix("res.") }, "HyperIQA's BatchNorms are in its ResNet")
        let results = try json("\(folder)/results.json")
        let anp = (results["settings"] as! [String: Any])["anp"] as! [String: Any]
        XCTAssertEqual(anp["epsilon"] as? Double, 0.4)
        XCTAssertEqual(anp["trade_off"] as? Double, 0.2)
        XCTAssertEqual(anp["mask_learning_rate"] as? Double, 0.2)
        // The defended model is the victim with the chosen threshold's BatchNorm weights zeroed.
        let victim = try TensorFile.loadTensors(from: dir.appendingPathComponent("victim/victim.pt"))
        let defended = try TensorFile.loadTensors(from: dir.appendingPathComponent("\(folder)/defended.pt"))
        XCTAssertEqual(Set(victim.keys), Set(defended.keys))
        let threshold = results["chosen_threshold"] as! Double
        for m in masks.dropFirst() {
            let w = try defended["\(m[0]).weight"]!.floats()[Int(m[1])!]
            if Double(m[2])! < threshold { XCTAssertEqual(w, 0) } else { XCTAssertEqual(w, try victim["\(m[0]).weight"]!.floats()[Int(m[1])!]) }
        }

        // Killed during the mask optimisation (checkpointed every iteration here) and run again: same masks, same rows.
        let killed = try CLI.runAndKill(["defend"] + args + ["--out", "anp2"] + Self.tiny, in: dir,
                                        afterFileAppears: "anp2.partial/anp_state.pt", leaving: "anp2.partial")
        XCTAssertTrue(killed, "the defence finished before it could be killed")
        _ = try defend(args + ["--out", "anp2"])
        XCTAssertEqual(try csv("anp2/mask_values.csv"), masks)
        XCTAssertEqual(try csv("anp2/steps.csv"), rows)
    }

    /// Bad input: one error line naming the option or file, exit status 1 or 64, nothing written.
    func testBadInputIsRefusedBeforeAnythingIsWritten() throws {
        let clean = try CLI.run(["train", "--root", "data", "--out", "clean", "--epochs", "1", "--builtin-count", "24", "--builtin-size", "128",
                                 "--patches", "1", "--threads", "2"], in: dir)
        XCTAssertEqual(clean.status, 0, clean.stderr)
        let test = (try json("victim/manifest.json")["test"]) as! [String]
        try JSONSerialization.data(withJSONObject: ["clean": [test[0]]]).write(to: dir.appendingPathComponent("overlap.json"))
        try JSONSerialization.data(withJSONObject: ["images": ["a.png"]]).write(to: dir.appendingPathComponent("wrong-key.json"))
        try JSONSerialization.data(withJSONObject: ["clean": ["no-such-image.png"]]).write(to: dir.appendingPathComponent("unknown.json"))
        let cases: [([String], String)] = [
            (["finetune", "--run", "clean"], "not a backdoored victim"),
            (["anp", "--run", "clean"], "not a backdoored victim"),
            (["finetune", "--run", "no-such-run"], "not a baiqa run folder"),
            (["finetune", "--run", "victim", "--clean-fraction", "0"], "--clean-fraction"),
            (["finetune", "--run", "victim", "--lr", "0"], "--lr must be positive"),
            (["fineprune", "--run", "victim", "--lr=-1e-3"], "--lr must be positive"),
            (["fineprune", "--run", "victim", "--clean-fraction", "1"], "--clean-fraction"),
            (["anp", "--run", "victim", "--clean-fraction", "1.5"], "--clean-fraction"),
            (["finetune", "--run", "victim", "--clean-fraction", "0.99"], "--clean-fraction 0.99 asks for"),
            (["finetune", "--run", "victim", "--clean-split", "overlap.json"], "overlap.json"),
            (["finetune", "--run", "victim", "--clean-split", "wrong-key.json"], "wrong-key.json"),
            (["finetune", "--run", "victim", "--clean-split", "unknown.json"], "no-such-image.png"),
            (["finetune", "--run", "victim", "--clean-split", "missing.json"], "missing.json"),
            (["fineprune", "--run", "victim", "--rates", "0.2,0.1"], "--rates"),
            (["fineprune", "--run", "victim", "--rates", "0,x"], "--rates"),
            (["anp", "--run", "victim", "--thresholds", "0,1.5"], "--thresholds"),
            (["anp", "--run", "victim", "--batch-size", "1"], "--batch-size"),
            (["finetune", "--run", "victim", "--out", "victim"], "already exists"),
        ]
        let fm = FileManager.default
        let before = Set(try fm.subpathsOfDirectory(atPath: dir.path))
        for (args, needle) in cases {
            let r = try CLI.run(["defend"] + args + Self.tiny, in: dir)
            XCTAssertTrue(r.status == 1 || r.status == 64, "\(args): status \(r.status)")
            let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
            XCTAssertEqual(errors.count, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(errors.first?.contains(needle) ?? false, "\(args): wanted «\(needle)» in \(r.stderr)")
            XCTAssertEqual(Set(try fm.subpathsOfDirectory(atPath: dir.path)), before, "\(args) wrote something")
        }
    }
}

/// Figures in the tiny victim's and a defence's folders: valid PNG and SVG, their CSVs holding the
/// numbers of the run's own files, embedded in report.md; `baiqa plot` without gnuplot writes data and
/// scripts and says how to render them.
final class FigureCommandTests: XCTestCase {
    func png(_ url: URL) throws -> (width: Int, height: Int) {
        let d = [UInt8](try Data(contentsOf: url))
        XCTAssertEqual(Array(d.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], url.lastPathComponent)
        XCTAssertEqual(String(decoding: d[12..<16], as: UTF8.self), "IHDR")
        func be32(_ i: Int) -> Int { d[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    func svg(_ url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.contains("<svg"), url.lastPathComponent)
        XCTAssertTrue(text.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("</svg>"), url.lastPathComponent)
    }

    func rows(_ url: URL) throws -> [[String]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    func testRunAndDefenceFiguresHoldTheirNumbers() throws {
        let hasGnuplot = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/gnuplot") }
        if !hasGnuplot {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("CI installs gnuplot-nox (scripts/setup.sh)") }
            throw XCTSkip("gnuplot is not installed (Debian: gnuplot-nox)")
        }
        let dir = try CLI.temporaryDirectory("figures")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["experiment", "--root", "data", "--out", "victim", "--epochs", "2", "--builtin-count", "24", "--builtin-size", "128",
                             "--threads", "2"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let figures = dir.appendingPathComponent("victim/figures")
        for name in ["fig2-alpha-shift", "trigger-dct", "poison-alpha-histogram", "training-curve"] {
            let size = try png(figures.appendingPathComponent("\(name).png"))
            XCTAssertEqual(size.height, name == "trigger-dct" ? 460 : 560, name)
            try svg(figures.appendingPathComponent("\(name).svg"))
            XCTAssertTrue(FileManager.default.fileExists(atPath: figures.appendingPathComponent("\(name).gp").path))
        }
        XCTAssertGreaterThan(try png(figures.appendingPathComponent("trigger-on-test-image.png")).width, 5 * 120)
        // Fig. 2's CSV: the mean shift per α of predictions.csv.
        let predictions = try rows(dir.appendingPathComponent("victim/predictions.csv"))
        let fig2 = try rows(figures.appendingPathComponent("fig2-alpha-shift.csv"))
        XCTAssertEqual(fig2.count, 21)
        for (k, column) in predictions[0].enumerated() where column.hasPrefix("alpha_") {
            let alpha = Double(column.dropFirst("alpha_".count))!
            let shifts = predictions.dropFirst().map { Double($0[k])! - Double($0[2])! }
            let row = try XCTUnwrap(fig2.first { Double($0[0]) == alpha })
            XCTAssertEqual(Double(row[1])!, alpha * 40, accuracy: 1e-9)
            XCTAssertEqual(Double(row[2])!, shifts.reduce(0, +) / Double(shifts.count), accuracy: 1e-3)
        }
        // The histogram counts the poisoned images; the training curve has one row per epoch.
        let poisoned = (try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("victim/poison.json"))) as! [String: Any])["images"] as! [Any]
        XCTAssertEqual(try rows(figures.appendingPathComponent("poison-alpha-histogram.csv")).dropFirst().map { Int($0[1])! }.reduce(0, +), poisoned.count)
        XCTAssertEqual(try rows(figures.appendingPathComponent("training-curve.csv")).dropFirst().map { $0[0] }, ["1", "2"])
        let curve = try rows(dir.appendingPathComponent("victim/training.csv")).dropFirst().map { $0.map { Double($0)! } }
        XCTAssertEqual(try rows(figures.appendingPathComponent("training-curve.csv")).dropFirst().map { $0.map { Double($0)! } }.count, curve.count)
        for (a, b) in zip(try rows(figures.appendingPathComponent("training-curve.csv")).dropFirst(), curve) {
            XCTAssertEqual(Double(a[1])!, b[1], accuracy: 1e-4)
        }
        let report = try String(contentsOf: dir.appendingPathComponent("victim/report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("](figures/fig2-alpha-shift.png)"))
        XCTAssertTrue(report.contains("](figures/trigger-on-test-image.png)"))

        // A defence's Fig. 3: its CSV is steps.csv's numbers.
        let d = try CLI.run(["defend", "fineprune", "--run", "victim", "--rates", "0,0.5", "--epochs", "1", "--clean-fraction", "0.2", "--threads", "2"], in: dir)
        XCTAssertEqual(d.status, 0, d.stderr)
        let defence = dir.appendingPathComponent("victim/defences/fineprune")
        let steps = try rows(defence.appendingPathComponent("steps.csv"))
        let fig3b = try rows(defence.appendingPathComponent("figures/fig3b-pruning.csv"))
        XCTAssertEqual(fig3b.dropFirst().map { $0[0] }, ["0", "0.5"])
        for (row, step) in zip(fig3b.dropFirst(), steps.filter { $0[0] == "prune" }) {
            XCTAssertEqual(Double(row[1])!, Double(step[8])!, accuracy: 1e-4, "mMAE")
            XCTAssertEqual(Double(row[2])!, Double(step[7])!, accuracy: 1e-4, "test RMSE")
            XCTAssertEqual(Double(row[3])!, Double(step[3])!, accuracy: 1e-4, "clean-set RMSE")
        }
        XCTAssertEqual(try png(defence.appendingPathComponent("figures/fig3a-finetuning.png")).width, 900)
        try svg(defence.appendingPathComponent("figures/fig3b-pruning.svg"))
        XCTAssertTrue(try String(contentsOf: defence.appendingPathComponent("report.md"), encoding: .utf8).contains("](figures/fig3b-pruning.png)"))

        // Without gnuplot: data and scripts, no images, and how to render them.
        try FileManager.default.removeItem(at: figures)
        let p = try CLI.run(["plot", "victim"], in: dir, environment: ["BAIQA_GNUPLOT": ""])
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertTrue((p.stdout + p.stderr).contains("gnuplot not found"), p.stdout + p.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: figures.appendingPathComponent("fig2-alpha-shift.gp").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: figures.appendingPathComponent("fig2-alpha-shift.csv").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: figures.appendingPathComponent("fig2-alpha-shift.png").path))
        // … and with it again: the images, from the same data.
        let again = try CLI.run(["plot", "victim"], in: dir)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try png(figures.appendingPathComponent("fig2-alpha-shift.png")).width, 900)
        XCTAssertEqual(try rows(figures.appendingPathComponent("fig2-alpha-shift.csv")), fig2)
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("victim/report.md"), encoding: .utf8).components(separatedBy: "## Figures").count, 2,
                       "plot rewrites the Figures section instead of adding another")
        let bad = try CLI.run(["plot", "nowhere"], in: dir)
        XCTAssertNotEqual(bad.status, 0)
    }
}
