import Foundation
import XCTest

/// `--sweep` and a config's `sweep:` section: the product of the axes as suites sharing one step store
/// (a step common to members is computed once), a report with mean ± standard deviation over the seed
/// axis computed from the members' own results, and the sweep folder's config.json re-creating the sweep
/// (what Slurm's collecting job runs). Bad axes fail before anything is written.
final class SweepCommandTests: XCTestCase {
    /// One poison-label WaNet victim per suite, no PGD or defences: seven steps per seed.
    static let tinyYAML = """
        name: tiny
        dataset: {root: data, builtin_count: 24, builtin_size: 128}
        victim: {epochs: 1}
        surrogate: {epochs: 1}
        alphas: [-1, 0.5, 1]
        attacks: [wanet]
        labels: [poison]
        sweep:
          seed: [0, 1]

        """

    static func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    func stepFolders(_ store: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: store.path).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// The victim's benign SROCC and mMAE in one member's results.json.
    func victimNumbers(_ member: URL) throws -> (srocc: Double, mmae: Double) {
        let runs = try XCTUnwrap(Self.json(member.appendingPathComponent("results.json"))["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.count, 1)
        let benign = try XCTUnwrap(runs[0]["benign"] as? [String: Any]), attack = try XCTUnwrap(runs[0]["attack_metrics"] as? [String: Any])
        return (try XCTUnwrap(benign["srocc"] as? Double), try XCTUnwrap(attack["mmae"] as? Double))
    }

    func testSweepSharesStepsAndReportsMeanAndDeviationOverSeeds() throws {
        let dir = try CLI.temporaryDirectory("sweep")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.tinyYAML.write(to: dir.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)

        // The config's seed axis times the command line's Δy axis: four suites.
        let r = try CLI.run(["experiment", "--config", "tiny.yaml", "--sweep", "poison.delta_y=20,40", "--out", "grid", "--threads", "2"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("4 suites: "), r.stdout)
        let grid = dir.appendingPathComponent("grid")
        // Axes in key order name the members.
        let members = ["poison.delta_y-20_seed-0", "poison.delta_y-20_seed-1", "poison.delta_y-40_seed-0", "poison.delta_y-40_seed-1"]
        for m in members { XCTAssertTrue(FileManager.default.fileExists(atPath: grid.appendingPathComponent("\(m)/report.md").path), m) }

        // Δy does not change the clean model: per seed one clean model, and per Δy the victim and the two
        // clean-model responses (whose mMAE depends on Δy): 2 × (1 + 2 × 3) = 14 steps, not 4 × 4.
        let steps = try stepFolders(grid.appendingPathComponent("steps"))
        XCTAssertEqual(steps.filter { $0.hasPrefix("train-") }.count, 2, "\(steps)")
        XCTAssertEqual(steps.filter { $0.hasPrefix("victim-") }.count, 4, "\(steps)")
        XCTAssertTrue(r.stderr.contains("sweep of 4 suites (poison.delta_y: 2 × seed: 2), 14 distinct steps"), r.stderr)

        // The report's P-BAIQA row for Δy = 20: mean ± sample s.d. of the two seeds' own results.
        let a = try victimNumbers(grid.appendingPathComponent(members[0])), b = try victimNumbers(grid.appendingPathComponent(members[1]))
        let sroccMean = (a.srocc + b.srocc) / 2, sroccSD = abs(a.srocc - b.srocc) / 2.0.squareRoot()
        let mmaeMean = (a.mmae + b.mmae) / 2, mmaeSD = abs(a.mmae - b.mmae) / 2.0.squareRoot()
        let report = try String(contentsOf: grid.appendingPathComponent("report.md"), encoding: .utf8)
        let section = try XCTUnwrap(report.components(separatedBy: "## poison.delta_y = 20\n").dropFirst().first?.components(separatedBy: "\n## ").first)
        let row = try XCTUnwrap(section.split(separator: "\n").first { $0.hasPrefix("| P-BAIQA / WaNet") })
        let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(cells[1], "2")
        XCTAssertEqual(cells[3], String(format: "%.3f ± %.3f", sroccMean, sroccSD), String(row))
        XCTAssertEqual(cells[5], String(format: "%.2f ± %.2f", mmaeMean, mmaeSD), String(row))
        XCTAssertNotEqual(a.mmae, b.mmae, "two seeds gave the same victim")

        // results.csv: a line per member and model, the numbers of the members' results.json.
        let csv = try String(contentsOf: grid.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.first, "poison.delta_y,seed,folder,model,plcc,srocc,krcc,rmse,mmae,mmra,psnr_alpha1")
        XCTAssertEqual(csv.count, 1 + 4 * 2)
        let line = try XCTUnwrap(csv.first { $0.hasPrefix("20,1,\(members[1]),P-BAIQA / WaNet,") }).split(separator: ",")
        XCTAssertEqual(try XCTUnwrap(Double(line[5])), b.srocc, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(Double(line[8])), b.mmae, accuracy: 1e-6)

        // The sweep folder's config.json is the whole sweep: its plan is all done, and collecting from it
        // (the Slurm executor's last job) writes the same results.
        let plan = try CLI.run(["experiment", "--config", "grid/config.json", "--out", "grid", "--plan"], in: dir)
        XCTAssertEqual(plan.status, 0, plan.stderr)
        XCTAssertTrue(plan.stdout.hasSuffix("14 steps: 14 done\n"), plan.stdout)
        let before = try Data(contentsOf: grid.appendingPathComponent("sweep.json"))
        try FileManager.default.removeItem(at: grid.appendingPathComponent("sweep.json"))
        let collect = try CLI.run(["experiment", "--config", "grid/config.json", "--out", "grid", "--collect", "--threads", "2"], in: dir)
        XCTAssertEqual(collect.status, 0, collect.stderr)
        XCTAssertEqual(try Data(contentsOf: grid.appendingPathComponent("sweep.json")), before)
    }

    func testBadSweepsStopBeforeAnythingIsWritten() throws {
        let dir = try CLI.temporaryDirectory("sweep-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: x\nsweep: 3\n".write(to: dir.appendingPathComponent("scalar.yaml"), atomically: true, encoding: .utf8)
        try "name: x\nsweep: {seed: []}\n".write(to: dir.appendingPathComponent("empty.yaml"), atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["--set", "name=x", "--sweep", "victim.modle=a,b"], "sweep victim.modle=a: unknown key 'victim.modle'"),
            (["--set", "name=x", "--sweep", "victim.model=hyperiqa,nosuch"], "sweep victim.model=nosuch: victim.model: unknown model 'nosuch'"),
            (["--set", "name=x", "--sweep", "name=a,b"], "sweep name: cannot be swept"),
            (["--set", "name=x", "--sweep", "seed=1,1"], "sweep seed: a value appears twice"),
            (["--set", "name=x", "--sweep", "seed"], "--sweep seed: expected key.path=value1,value2"),
            (["--set", "name=x", "--sweep", "seed=0,"], "--sweep seed=0,: an empty value"),
            (["--config", "scalar.yaml"], "scalar.yaml: 'sweep' must map key paths to lists of values"),
            (["--config", "empty.yaml"], "empty.yaml: 'sweep.seed' must be a non-empty list of values"),
            (["--set", "name=x", "--sweep", "dataset.root=a b,a/b"], "would share the folder dataset.root-a-b"),
            (["--sweep", "seed=0,1"], "--sweep"),
        ]
        for (arguments, message) in cases {
            let r = try CLI.run(["experiment"] + arguments + ["--out", "out"], in: dir)
            XCTAssertNotEqual(r.status, 0, "\(arguments)")
            XCTAssertTrue(r.stderr.contains(message), "\(arguments): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path), "\(arguments) wrote its folder")
        }
    }

    /// A sweep grown by a seed on the real cluster: only the new seed's steps become jobs (the first
    /// seed's are in the shared store), and the collecting job writes the sweep's report.
    func testAGrownSweepOnSlurmSubmitsOnlyTheNewSteps() throws {
        try SlurmExecutorTests.requireCluster()
        let dir = try CLI.temporaryDirectory("sweep-slurm")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.tinyYAML.write(to: dir.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)

        let first = try CLI.run(["experiment", "--config", "tiny.yaml", "--sweep", "seed=0", "--out", "one", "--steps", "store", "--threads", "1"], in: dir)
        XCTAssertEqual(first.status, 0, first.stderr)
        let submit = try CLI.run(["experiment", "--config", "tiny.yaml", "--sweep", "seed=0,1", "--out", "two", "--steps", "store",
                                  "--executor", "slurm"], in: dir)
        XCTAssertEqual(submit.status, 0, submit.stderr)
        // Seed 1: its clean model, two responses, the victim; then the collecting job.
        XCTAssertTrue(submit.stdout.contains("submitted 5 job(s) to Slurm"), submit.stdout)

        let collected = dir.appendingPathComponent("two/sweep.json"), report = dir.appendingPathComponent("two/report.md")
        let deadline = Date().addingTimeInterval(900)
        var status = ""
        repeat {
            Thread.sleep(forTimeInterval: 2)
            let s = try CLI.run(["experiment", "--config", "two/config.json", "--out", "two", "--steps", "store", "--status"], in: dir)
            XCTAssertEqual(s.status, 0, s.stderr)
            status = s.stdout
            if status.contains("FAILED") || status.contains("CANCELLED") { break }
        } while !FileManager.default.fileExists(atPath: collected.path) && Date() < deadline
        XCTAssertTrue(FileManager.default.fileExists(atPath: collected.path), status)
        XCTAssertFalse(status.contains("missing"), status)
        let text = try String(contentsOf: report, encoding: .utf8)
        XCTAssertTrue(text.contains("| P-BAIQA / WaNet |   2 |"), text)
        // The first seed's member is the single-seed sweep's suite, reused.
        XCTAssertEqual(try SuiteExecutorTests.numbers(dir.appendingPathComponent("two/seed-0/results.json")),
                       try SuiteExecutorTests.numbers(dir.appendingPathComponent("one/seed-0/results.json")))
    }
}
