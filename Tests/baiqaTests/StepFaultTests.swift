import Foundation
import TorchPickle
import XCTest

/// Crash consistency and exclusive writers beyond training: trigger search, PGD and a suite step are
/// stopped at every torch-file write (before and after its rename, through `BAIQA_TEST_FAULT_WRITE`)
/// and re-run, which must end with the files of an uninterrupted run byte for byte; a failed write
/// names the file and keeps the previous checkpoint; two processes never write one folder or step.
final class StepFaultTests: XCTestCase {
    static let points = ["", ":after"]

    func bytes(_ dir: URL, _ name: String) throws -> Data { try Data(contentsOf: dir.appendingPathComponent(name)) }

    /// A folder dataset and a 1-epoch surrogate.
    func surrogate(_ name: String) throws -> URL {
        let dir = try CLI.temporaryDirectory(name)
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "12", "--size", "96"], in: dir).status, 0)
        let train = try CLI.run(["train", "--dataset", "folder", "--root", "data", "--epochs", "1", "--crop", "64", "--patches", "2",
                                 "--threads", "2", "--out", "surrogate"], in: dir)
        XCTAssertEqual(train.status, 0, train.stderr)
        return dir
    }

    /// Stops `args + [--out out]` at each of `writes` writes, re-runs it, and compares `files` (of `out`) with `reference`'s.
    func checkStopsAtEveryWrite(_ args: [String], writes: Int, files: [String], reference: String, in dir: URL,
                                filter: String = "", rerun: [String]? = nil, out: (String) -> String = { $0 }) throws {
        for write in 1...writes {
            for point in Self.points {
                let name = "\(args[0])-stop-\(write)\(point.isEmpty ? "" : "-after")"
                let stopped = try CLI.run(args + ["--out", out(name)], in: dir, environment: ["BAIQA_TEST_FAULT_WRITE": "\(write)\(point)\(filter)"])
                XCTAssertEqual(stopped.status, 86, "write \(write)\(point) was not reached: \(stopped.stderr)")
                let again = try CLI.run((rerun ?? args) + ["--out", out(name)], in: dir)
                XCTAssertEqual(again.status, 0, again.stderr)
                for file in files {
                    let (mine, theirs) = (file.replacingOccurrences(of: "OUT", with: out(name)), file.replacingOccurrences(of: "OUT", with: out(reference)))
                    if file.hasSuffix(".json") {
                        XCTAssertEqual(try bytes(dir, mine), try bytes(dir, theirs), "\(file) after a stop at write \(write)\(point)")
                    } else {   // the archive inside a torch file is named after the file: compare what it holds
                        XCTAssertEqual(try TorchFile.load(contentsOf: dir.appendingPathComponent(mine)), try TorchFile.load(contentsOf: dir.appendingPathComponent(theirs)),
                                       "\(file) after a stop at write \(write)\(point)")
                    }
                }
            }
        }
        // One write more than there are: the run is not stopped (so `writes` is all of them).
        let all = try CLI.run(args + ["--out", out("\(args[0])-all-writes")], in: dir, environment: ["BAIQA_TEST_FAULT_WRITE": "\(writes + 1)\(filter)"])
        XCTAssertEqual(all.status, 0, all.stderr)
    }

    func testTriggerSearchAndPGDResumeBitIdenticallyAfterAStopAtEveryWrite() throws {
        let dir = try surrogate("stepfault")
        defer { try? FileManager.default.removeItem(at: dir) }
        let search = ["trigger", "search", "--surrogate", "surrogate", "--rate", "0.5", "--epochs", "2", "--repeats", "2", "--batch", "4",
                      "--steps", "2", "--threads", "2"]
        XCTAssertEqual(try CLI.run(search + ["--out", "full.pt"], in: dir).status, 0)
        // Two epoch checkpoints, then the trigger.
        try checkStopsAtEveryWrite(search, writes: 3, files: ["OUT", "OUT.json"], reference: "full", in: dir, out: { $0 + ".pt" })
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("trigger-stop-3-after.pt.search.pt").path))
        // The same search again reuses its result; other inputs never overwrite it.
        let same = try CLI.run(search + ["--out", "full.pt"], in: dir)
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertTrue(same.stderr.contains("reusing"), same.stderr)
        let before = try bytes(dir, "full.pt")
        let other = try CLI.run(search + ["--out", "full.pt", "--seed", "9"], in: dir)
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("full.pt") && other.stderr.contains("not computed with these inputs"), other.stderr)
        XCTAssertEqual(try bytes(dir, "full.pt"), before)

        let pgd = ["pgd", "--surrogate", "surrogate", "--rate", "0.5", "--steps", "2", "--views", "2", "--threads", "2"]
        XCTAssertNotEqual(try CLI.run(pgd + ["--out", "full.pt"], in: dir).status, 0)   // refused: full.pt is a trigger
        XCTAssertEqual(try CLI.run(pgd + ["--out", "deltas.pt"], in: dir).status, 0)
        // Five images, one part each, then the perturbation file.
        try checkStopsAtEveryWrite(pgd, writes: 6, files: ["OUT", "OUT.json"], reference: "deltas", in: dir, out: { $0 + ".pt" })
        // Unfinished parts of other settings are not mixed in.
        let stopped = try CLI.run(pgd + ["--out", "mixed.pt"], in: dir, environment: ["BAIQA_TEST_FAULT_WRITE": "3"])
        XCTAssertEqual(stopped.status, 86)
        let mixed = try CLI.run(pgd + ["--out", "mixed.pt", "--epsilon", "4"], in: dir)
        XCTAssertNotEqual(mixed.status, 0)
        XCTAssertTrue(mixed.stderr.contains("mixed.pt.parts"), mixed.stderr)
    }

    func testPretrainingResumesBitIdenticallyAfterAStopAtEveryWrite() throws {
        let dir = try CLI.temporaryDirectory("pretrainfault")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "10", "--size", "64"], in: dir).status, 0)
        let jobs = [["pretrain", "scnn", "--epochs", "2", "--scenes", "10", "--size", "32", "--threads", "2"],
                    ["pretrain", "backbone", "--dataset", "folder", "--root", "data", "--epochs", "2", "--repeats", "1", "--size", "32", "--threads", "2"]]
        for (k, job) in jobs.enumerated() {
            let reference = "full-\(k).pt"
            let full = try CLI.run(job + ["--out", reference], in: dir)
            XCTAssertEqual(full.status, 0, full.stderr)
            // Two epoch checkpoints, then the weights; the checkpoint is gone at the end.
            try checkStopsAtEveryWrite(job, writes: 3, files: ["OUT", "OUT.json"], reference: "full", in: dir, out: { $0 + "-\(k).pt" })
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("pretrain-stop-2-\(k).pt.pretrain.pt").path))
            // A stop after the first epoch's checkpoint really resumes (not just recomputes the same numbers).
            XCTAssertEqual(try CLI.run(job + ["--out", "resumed-\(k).pt"], in: dir, environment: ["BAIQA_TEST_FAULT_WRITE": "2"]).status, 86)
            let resumed = try CLI.run(job + ["--out", "resumed-\(k).pt"], in: dir)
            XCTAssertTrue(resumed.status == 0 && resumed.stderr.contains("resuming after epoch 1 (checkpoint generation 1)"), resumed.stderr)
            let again = try CLI.run(job + ["--out", reference], in: dir)
            XCTAssertTrue(again.status == 0 && again.stderr.contains("reusing"), again.stderr)
            let other = try CLI.run(job + ["--out", reference, "--seed", "4"], in: dir)
            XCTAssertTrue(other.status != 0 && other.stderr.contains("not computed with these inputs"), other.stderr)
        }
    }

    func testASuiteStepResumesBitIdenticallyAfterAStopAtEveryWrite() throws {
        let dir = try CLI.temporaryDirectory("suitefault")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        try "name: tiny\nseed: 1\ndataset: {root: data}\n".write(to: dir.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        let args = ["experiment", "--config", "tiny.yaml"] + SuiteCommandTests.tiny
            + ["--set", "attacks=[baiqa]", "--set", "labels=[clean]", "--set", "clean_model_response=false"]
        let first = try CLI.run(args + ["--out", "runs/reference", "--steps", "store"], in: dir)
        XCTAssertEqual(first.status, 0, first.stderr)
        let steps = try fm.contentsOfDirectory(atPath: dir.appendingPathComponent("store").path).filter { !$0.hasPrefix(".") }
        let pgdStep = try XCTUnwrap(steps.first { $0.hasPrefix("pgd-") })
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: bytes(dir, "store/\(pgdStep)/pgd.json")) as? [String: Any])
        let images = try XCTUnwrap(record["images"] as? Int)
        // The victims' numbers (a victim's step key holds the trigger file's path, which is in the store).
        func runs(_ folder: String) throws -> NSArray {
            let all = try XCTUnwrap((JSONSerialization.jsonObject(with: bytes(dir, "\(folder)/results.json")) as? [String: Any])?["runs"] as? [[String: Any]])
            return NSArray(array: all.map { $0.filter { $0.key != "step" && $0.key != "train_seconds" } })
        }
        // Each trial starts from a copy of the store without the PGD step and the victim after it.
        for write in 1...(images + 1) {
            for point in Self.points {
                let trial = "trial-\(write)\(point.isEmpty ? "" : "-after")"
                let store = dir.appendingPathComponent("\(trial)-store")
                try fm.createDirectory(at: store, withIntermediateDirectories: true)
                for step in steps where !step.hasPrefix("pgd-") && !step.hasPrefix("victim-") {
                    try fm.copyItem(at: dir.appendingPathComponent("store/\(step)"), to: store.appendingPathComponent(step))
                }
                let run = args + ["--out", "runs/\(trial)", "--steps", store.path]
                let stopped = try CLI.run(run, in: dir, environment: ["BAIQA_TEST_FAULT_WRITE": "\(write)\(point)@/pgd-"])
                XCTAssertEqual(stopped.status, 86, "write \(write)\(point) was not reached: \(stopped.stderr)")
                let again = try CLI.run(run, in: dir)
                XCTAssertEqual(again.status, 0, again.stderr)
                XCTAssertFalse(again.stderr.contains("reusing \(pgdStep)"), "the PGD step was done before the stop at write \(write)\(point)")
                for file in ["deltas.pt", "pgd.json"] {
                    XCTAssertEqual(try bytes(store, "\(pgdStep)/\(file)"), try bytes(dir, "store/\(pgdStep)/\(file)"), "\(file), stop at write \(write)\(point)")
                }
                XCTAssertEqual(try runs("runs/\(trial)"), try runs("runs/reference"), "stop at write \(write)\(point)")
                try? fm.removeItem(at: store)
            }
        }
    }

    /// The same suite started twice at once on one step store: every step is computed by one of the
    /// two, which the other waits for and reuses; both end with the same numbers.
    func testTwoProcessesOnOneStepStoreComputeEachStepOnce() throws {
        let dir = try CLI.temporaryDirectory("twosuites")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: tiny\nseed: 1\ndataset: {root: data}\n".write(to: dir.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "24", "--size", "128", "--seed", "1"], in: dir).status, 0)
        let args = ["experiment", "--config", "tiny.yaml"] + SuiteCommandTests.tiny
            + ["--set", "attacks=[baiqa]", "--set", "labels=[poison]", "--steps", "store"]
        let results = try CLI.runConcurrently([args + ["--out", "runs/a"], args + ["--out", "runs/b"]], in: dir)
        for r in results { XCTAssertEqual(r.status, 0, r.stderr) }
        let steps = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("store").path).filter { !$0.hasPrefix(".") }
        XCTAssertFalse(steps.contains { $0.hasSuffix(".partial") }, "\(steps)")
        let computed = results.map { $0.stderr.components(separatedBy: ": step ").count - 1 }
        XCTAssertEqual(computed.reduce(0, +), steps.count, "each step computed once: \(computed) of \(steps)")
        XCTAssertTrue(results.contains { $0.stderr.contains("is computing this step; waiting for it") },
                      "neither process waited for the other: \(results.map(\.stderr))")
        func runs(_ folder: String) throws -> NSArray {
            NSArray(array: try XCTUnwrap((JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("\(folder)/results.json"))) as? [String: Any])?["runs"] as? [Any]))
        }
        XCTAssertEqual(try runs("runs/a"), try runs("runs/b"))
    }

    /// A run folder written by one process: a second with the same --out stops at once and names it.
    func testASecondWriterOfARunFolderIsTurnedAwayNamingTheFirst() throws {
        let dir = try CLI.temporaryDirectory("twotrain")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "40", "--size", "128"], in: dir).status, 0)
        let args = ["train", "--dataset", "folder", "--root", "data", "--epochs", "3", "--patches", "4", "--crop", "96", "--threads", "1", "--out", "r"]
        let first = try CLI.start(args, in: dir)
        let lock = dir.appendingPathComponent("r.partial/.lock")
        let deadline = Date().addingTimeInterval(120)
        while (try? String(contentsOf: lock, encoding: .utf8))?.isEmpty ?? true, first.isRunning, Date() < deadline { usleep(20_000) }
        XCTAssertTrue(first.isRunning, "the first run ended before the second could start")
        let second = try CLI.run(args, in: dir)
        XCTAssertNotEqual(second.status, 0)
        XCTAssertTrue(second.stderr.contains("is being written by pid \(first.processIdentifier) on host "), second.stderr)
        XCTAssertEqual(second.stderr.split(separator: "\n").filter { $0.hasPrefix("Error: ") }.count, 1, second.stderr)
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("r/.lock").path))
        // Killed, its lock is free: the same command resumes (and says whose lock it took over).
        let killed = try CLI.runAndKill(args.dropLast() + ["r2"], in: dir, afterFileAppears: "r2.partial/train_state.pt", leaving: "r2.partial")
        XCTAssertTrue(killed)
        let resumed = try CLI.run(args.dropLast() + ["r2"], in: dir)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("which is no longer running"), resumed.stderr)
    }

    /// A write that fails (a full disk, through the fault hook) names the file, stops the run and keeps
    /// the previous checkpoint; the same command then resumes from it and ends as an uninterrupted run.
    func testAFailedCheckpointWriteNamesTheFileAndKeepsThePreviousCheckpoint() throws {
        let dir = try CLI.temporaryDirectory("diskfull")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "20", "--size", "96", "--seed", "3"], in: dir).status, 0)
        let args = ["train", "--dataset", "folder", "--root", "data", "--epochs", "2", "--patches", "3", "--crop", "64", "--threads", "2", "--seed", "5"]
        XCTAssertEqual(try CLI.run(args + ["--out", "full"], in: dir).status, 0)
        let failed = try CLI.run(args + ["--out", "r"], in: dir, environment: ["BAIQA_TEST_FAULT_WRITE": "2:fail"])
        XCTAssertNotEqual(failed.status, 0)
        let state = dir.appendingPathComponent("r.partial/train_state.pt").standardizedFileURL.path
        XCTAssertTrue(failed.stderr.contains(state) && failed.stderr.contains("space"), failed.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: state), "the epoch-1 checkpoint is gone")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("r").path))
        let again = try CLI.run(args + ["--out", "r"], in: dir)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("resumed after epoch 1"), again.stderr)
        XCTAssertEqual(try bytes(dir, "r/model.pt"), try bytes(dir, "full/model.pt"))
    }
}
