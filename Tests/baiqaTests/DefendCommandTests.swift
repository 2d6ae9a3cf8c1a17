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
