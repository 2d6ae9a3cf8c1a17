import Foundation
import IQAData
import Torch
import TorchPickle
import XCTest

/// Every command against every kind of bad file it reads: each case must end with exactly one
/// `Error:` line naming the file or key, exit status 1 or 64 (not a crash), and leave the folder
/// exactly as it was (no output, no half-written or temporary file). The corpus is made here from a
/// small generated dataset and a 1-epoch run; the count of cases per command is printed at the end.
final class BadInputSuiteTests: XCTestCase {
    static var dir: URL!
    static var cases: [String: Int] = [:]

    override class func setUp() {
        super.setUp()
        do {
            dir = try CLI.temporaryDirectory("badinput")
            let synth = try CLI.run(["dataset", "synth", "--out", "good", "--count", "12", "--size", "96"], in: dir)
            precondition(synth.status == 0, synth.stderr)
            let train = try CLI.run(["train", "--dataset", "folder", "--root", "good", "--epochs", "1", "--crop", "64", "--patches", "1",
                                     "--threads", "2", "--out", "run"], in: dir)
            precondition(train.status == 0, train.stderr)
            try makeCorpus()
        } catch {
            preconditionFailure("\(error)")
        }
    }

    override class func tearDown() {
        let lines = cases.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value)" }.joined(separator: "\n")
        print("bad-input cases per command (\(cases.values.reduce(0, +)) in all):\n\(lines)")
        try? FileManager.default.removeItem(at: dir)
        super.tearDown()
    }

    var dir: URL { Self.dir }
    static func url(_ name: String) -> URL { dir.appendingPathComponent(name) }

    // MARK: the corpus

    static let imageProblems = ["zero", "truncated", "corrupt", "huge"]
    static let imageFormats = ["png", "jpg", "bmp"]

    /// A 24-bit bottom-up BMP (IQAData writes no BMP).
    static func bmp(width: Int, height: Int) -> [UInt8] {
        let row = (width * 3 + 3) / 4 * 4
        var b: [UInt8] = Array("BM".utf8)
        func le32(_ v: Int) { b += [UInt8(v & 255), UInt8(v >> 8 & 255), UInt8(v >> 16 & 255), UInt8(v >> 24 & 255)] }
        func le16(_ v: Int) { b += [UInt8(v & 255), UInt8(v >> 8 & 255)] }
        le32(54 + row * height); le32(0); le32(54); le32(40); le32(width); le32(height); le16(1); le16(24)
        le32(0); le32(row * height); le32(2835); le32(2835); le32(0); le32(0)
        for y in 0..<height { for x in 0..<row { b.append(UInt8((x * 7 + y * 3) & 255)) } }
        return b
    }

    static func makeCorpus() throws {
        let good = try ImageIO.read(url("good/images/00000.png"))
        let valid: [String: [UInt8]] = ["png": try ImageIO.encodePNG(good), "jpg": try ImageIO.encodeJPEG(good, quality: 90),
                                        "bmp": bmp(width: 96, height: 96)]
        // Headers that claim 100000×100000 (PNG, BMP) or 65535×65535 (JPEG's most) in a few bytes.
        var hugePNG = Array(valid["png"]!.prefix(33))
        hugePNG.replaceSubrange(16..<24, with: [0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0])
        var hugeBMP = bmp(width: 4, height: 4)
        hugeBMP.replaceSubrange(18..<26, with: [0xA0, 0x86, 1, 0, 0xA0, 0x86, 1, 0])
        let hugeJPEG: [UInt8] = [0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8, 0xFF, 0xFF, 0xFF, 0xFF, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9]
        for format in imageFormats {
            let bytes = valid[format]!
            var corrupt = bytes
            for i in stride(from: bytes.count / 3, to: bytes.count * 2 / 3, by: 7) { corrupt[i] ^= 0x5A }
            if format == "bmp" { corrupt.replaceSubrange(28..<30, with: [13, 0]) }   // 13 bits per pixel
            let files: [String: [UInt8]] = [
                "zero": [], "truncated": Array(bytes.prefix(bytes.count / 2)), "corrupt": corrupt,
                "huge": format == "png" ? hugePNG : format == "bmp" ? hugeBMP : hugeJPEG,
            ]
            for (problem, content) in files { try Data(content).write(to: url("\(problem).\(format)")) }
        }
        // Torch files: truncated, the wrong type (a list), the wrong shape.
        let trigger = url("trigger.pt")
        try TorchFile.save(.tensor(TensorRecord([Float](repeating: 0.5, count: 192), shape: [3, 64])), to: trigger)
        let triggerBytes = try Data(contentsOf: trigger)
        try triggerBytes.prefix(triggerBytes.count / 2).write(to: url("truncated.pt"))
        try TorchFile.save(.list([.int(1), .int(2)]), to: url("list.pt"))
        try TorchFile.save(.tensor(TensorRecord([Float](repeating: 1, count: 128), shape: [2, 64])), to: url("shape.pt"))
        try Data().write(to: url("zero.pt"))
        // A run whose weights are cut short.
        try FileManager.default.copyItem(at: url("run"), to: url("brokenrun"))
        let weights = try Data(contentsOf: url("run/model.pt"))
        try weights.prefix(weights.count / 3).write(to: url("brokenrun/model.pt"))
        try FileManager.default.copyItem(at: url("run"), to: url("badmanifest"))
        try Data("{\"model\": 3".utf8).write(to: url("badmanifest/manifest.json"))
        try Data("existing".utf8).write(to: url("existing.file"))
    }

    // MARK: the check

    /// Runs `args`; it must fail with one `Error:` line containing `needle` and change nothing in the folder.
    /// `dataset info` is the audit command: it lists every problem (one `error:` line each) and exits 1.
    func refuse(_ args: [String], _ needle: String, environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try listing()
        let r = try CLI.run(args, in: dir, environment: environment, killAfter: 120)
        let command = args[0] + (["dataset", "trigger", "pretrain", "defend"].contains(args[0]) ? " " + args[1] : "")
        Self.cases[command, default: 0] += 1
        XCTAssertTrue(r.status == 1 || r.status == 64, "\(args): exit status \(r.status) (a crash, a kill after 120 s, or success)\n\(r.stderr.suffix(2000))",
                      file: file, line: line)
        if command == "dataset info" {
            // The audit lists every problem it finds (stdout, or `error:` lines when the list cannot be read).
            let problems = (r.stdout + r.stderr).split(separator: "\n").filter { $0.contains(needle) }
            XCTAssertFalse(problems.isEmpty, "\(args): wanted «\(needle)» in \(r.stdout.suffix(1000))\(r.stderr.suffix(1000))", file: file, line: line)
        } else {
            let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
            XCTAssertEqual(errors.count, 1, "\(args): \(r.stderr.suffix(2000))", file: file, line: line)
            XCTAssertTrue(errors.first?.contains(needle) ?? false, "\(args): wanted «\(needle)» in \(r.stderr.suffix(2000))", file: file, line: line)
        }
        let after = try listing()
        XCTAssertEqual(after, before, "\(args) changed the folder", file: file, line: line)
        // A case that wrongly wrote something must not spoil the next ones.
        for path in Set(after.keys).subtracting(before.keys).sorted(by: >) { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Every path under the folder with its size.
    func listing() throws -> [String: Int] {
        var all: [String: Int] = [:]
        let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.fileSizeKey])!
        for case let u as URL in e { all[u.path] = (try? u.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? -1 }
        return all
    }

    /// A copy of the good dataset changed by `change(root)`.
    func dataset(_ name: String, _ change: (URL) throws -> Void) throws -> String {
        let root = dir.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: root.path) {
            try FileManager.default.copyItem(at: dir.appendingPathComponent("good"), to: root)
            try change(root)
        }
        return name
    }

    func editScores(_ root: URL, _ edit: (inout [String]) -> Void) throws {
        let csv = root.appendingPathComponent("scores.csv")
        var lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").map(String.init)
        edit(&lines)
        try (lines.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
    }

    // MARK: cases

    func testBadImages() throws {
        for format in Self.imageFormats {
            for problem in Self.imageProblems {
                let name = "\(problem).\(format)"
                try refuse(["trigger", "apply", name, "--attack", "baiqa", "--out", "out.png"], problem == "huge" ? "limit" : name)
                try refuse(["score", name, "--run", "run"], name)
                let root = try dataset("data-\(problem)-\(format)") { root in
                    try FileManager.default.copyItem(at: dir.appendingPathComponent(name), to: root.appendingPathComponent("images/\(name)"))
                    try editScores(root) { $0[3] = "images/\(name)," + $0[3].split(separator: ",", maxSplits: 1)[1] }
                }
                try refuse(["train", "--dataset", "folder", "--root", root, "--out", "r"], name)
                try refuse(["experiment", "--dataset", "folder", "--root", root, "--out", "r"], name)
            }
        }
        // The limit is the user's: lowered, a normal image is refused; raised, the huge header gets to the decoder.
        try refuse(["trigger", "apply", "good/images/00000.png", "--attack", "baiqa", "--out", "out.png"], "limit of 1000", environment: ["BAIQA_MAX_IMAGE_PIXELS": "1000"])
        try refuse(["score", "huge.png", "--run", "run"], "huge.png", environment: ["BAIQA_MAX_IMAGE_PIXELS": "20000000000"])
        // A folder where an image should be, and an image that is not there.
        try refuse(["trigger", "apply", "good", "--attack", "baiqa", "--out", "out.png"], "good")
        try refuse(["trigger", "apply", "nothing.png", "--attack", "baiqa", "--out", "out.png"], "nothing.png")
        try refuse(["trigger", "apply", "good/images/00000.png", "--out", "out.png"], "name a trigger")
    }

    func testBadScoreLists() throws {
        let problems: [(String, String, (URL) throws -> Void)] = [
            ("missing column", "mos", { try self.editScores($0) { $0[0] = $0[0].replacingOccurrences(of: "mos", with: "score") } }),
            ("non-numeric", "excellent", { try self.editScores($0) { $0[2] = $0[2].replacingOccurrences(of: ",", with: ",excellent,", options: [], range: $0[2].range(of: ",")) } }),
            ("nan", "nan", { try self.editScores($0) { $0[2] = $0[2].replacingOccurrences(of: ",", with: ",nan,", options: [], range: $0[2].range(of: ",")) } }),
            ("inf", "inf", { try self.editScores($0) { $0[2] = $0[2].replacingOccurrences(of: ",", with: ",inf,", options: [], range: $0[2].range(of: ",")) } }),
            ("duplicate", "twice", { try self.editScores($0) { $0.append($0[1]) } }),
            ("missing image", "00004.png", { try FileManager.default.removeItem(at: $0.appendingPathComponent("images/00004.png")) }),
            ("empty", "scores.csv", { try Data().write(to: $0.appendingPathComponent("scores.csv")) }),
            ("short row", "scores.csv", { try self.editScores($0) { $0[2] = "images/00001.png" } }),
            ("no list", "scores.csv", { try FileManager.default.removeItem(at: $0.appendingPathComponent("scores.csv")) }),
        ]
        for (k, (what, needle, change)) in problems.enumerated() {
            let root = try dataset("csv-\(k)", change)
            for command in [["train"], ["experiment"], ["dataset", "info"], ["pretrain", "backbone"]] {
                let out = command[0] == "dataset" ? [] : ["--out", "r"]
                try refuse(command + ["--dataset", "folder", "--root", root] + out, needle)
                _ = what
            }
        }
        try refuse(["train", "--dataset", "folder", "--root", "good", "--score-column", "quality", "--out", "r"], "quality")
        try refuse(["train", "--dataset", "folder", "--root", "nowhere", "--out", "r"], "nowhere")
        // Split files: not JSON, the wrong types, an image the dataset lacks.
        try Data("{\"train\": [".utf8).write(to: dir.appendingPathComponent("broken.json"))
        try Data("{\"train\": 3, \"test\": []}".utf8).write(to: dir.appendingPathComponent("types.json"))
        try Data("{\"train\": [\"images/00000.png\"], \"test\": [\"images/nope.png\"]}".utf8).write(to: dir.appendingPathComponent("absent.json"))
        for (split, needle) in [("broken.json", "broken.json"), ("types.json", "types.json"), ("absent.json", "nope.png"), ("none.json", "none.json")] {
            try refuse(["train", "--dataset", "folder", "--root", "good", "--split", split, "--out", "r"], needle)
            try refuse(["experiment", "--dataset", "folder", "--root", "good", "--split", split, "--out", "r"], needle)
        }
    }

    func testTruncatedMATFiles() throws {
        let livec = CLI.shared.appendingPathComponent("datasets/livec-mini")
        guard FileManager.default.fileExists(atPath: livec.path) else { throw XCTSkip("../shared/datasets/livec-mini is absent") }
        for (k, mat) in ["AllMOS_release.mat", "AllImages_release.mat"].enumerated() {
            for cut in [0, 3] {
                let root = dir.appendingPathComponent("livec-\(k)-\(cut)")
                try FileManager.default.createDirectory(at: root.appendingPathComponent("Data"), withIntermediateDirectories: true)
                try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("Images"), withDestinationURL: livec.appendingPathComponent("Images"))
                for file in ["AllMOS_release.mat", "AllImages_release.mat"] {
                    var bytes = try Data(contentsOf: livec.appendingPathComponent("Data/\(file)"))
                    if file == mat { bytes = bytes.prefix(cut == 0 ? 0 : bytes.count / cut) }
                    try bytes.write(to: root.appendingPathComponent("Data/\(file)"))
                }
                for command in [["dataset", "info"], ["train"], ["experiment"]] {
                    try refuse(command + ["--dataset", "livec", "--root", root.lastPathComponent] + (command[0] == "dataset" ? [] : ["--out", "r"]), mat)
                }
            }
        }
    }

    func testBadConfigsAndSettings() throws {
        let configs: [(String, String)] = [
            ("poison: {rate: lots}", "poison.rate"), ("poison: {rate: 0}", "poison.rate"), ("poison: {rate: 1.5}", "poison.rate"),
            ("victim: {epochs: -1}", "victim.epochs"), ("poison: {delta_y: .nan}", "poison.delta_y"), ("surrogate: {crop: -8}", "surrogate.crop"), ("victim: {patches: -3}", "victim.patches"),
            ("alphas: []", "alphas"), ("poison: {delta_y: 0}", "poison.delta_y"), ("alphas: [1, 0]", "alphas"),
            ("victim: {epoch: 3}", "victim.epoch"), ("attacks: [baiqa, sunglasses]", "sunglasses"), ("seed: [1]", "seed"),
            ("victim:\n\tepochs: 2", "bad.yaml"), ("{\"poison\": {\"rate\": \"x\"}}", "poison.rate"),
        ]
        for (k, (text, needle)) in configs.enumerated() {
            let name = text.hasPrefix("{") ? "bad-\(k).json" : "bad-\(k).yaml"
            try Data((text.hasPrefix("{") ? text : "name: bad\n" + text + "\n").utf8).write(to: dir.appendingPathComponent(name))
            try refuse(["experiment", "--config", name, "--out", "r"], needle == "bad.yaml" ? name : needle)
            try FileManager.default.removeItem(at: dir.appendingPathComponent(name))
        }
        try refuse(["experiment", "--config", "missing.yaml", "--out", "r"], "missing.yaml")
        try Data().write(to: dir.appendingPathComponent("empty.yaml"))
        try refuse(["experiment", "--config", "empty.yaml", "--set", "victim.epochs=-2", "--out", "r"], "victim.epochs")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("empty.yaml"))
        try refuse(["experiment", "--set", "alphas=[]", "--out", "r"], "alphas")
        // The same settings as options of a single run.
        let data = ["--dataset", "folder", "--root", "good", "--out", "r"]
        for (option, value) in [("--rate", "0"), ("--rate", "1.5"), ("--delta-y", "0"), ("--epochs", "-1"), ("--patches", "0"), ("--crop", "8")] {
            try refuse(["experiment", option, value] + data, option)
        }
        for (option, value) in [("--epochs", "-1"), ("--patches", "0"), ("--lr", "-1")] { try refuse(["train", option, value] + data, option) }
        try refuse(["poison", "--dataset", "folder", "--root", "good", "--rate", "1.5", "--out", "r"], "--rate")
        try refuse(["dataset", "split", "--dataset", "folder", "--root", "good", "--ratio", "1.5", "--out", "s.json"], "--ratio")
        try refuse(["trigger", "search", "--surrogate", "run", "--epochs", "0", "--out", "t.pt"], "--epochs")
        try refuse(["pgd", "--surrogate", "run", "--steps", "0", "--out", "d.pt"], "--steps")
        try refuse(["pretrain", "scnn", "--epochs", "0", "--out", "s.pt"], "--epochs")
        try refuse(["pretrain", "scnn", "--scenes", "5", "--out", "s.pt"], "--scenes")
        try refuse(["pretrain", "scnn", "--preset", "huge", "--out", "s.pt"], "--preset")
        try refuse(["pretrain", "backbone", "--lr", "-1", "--dataset", "folder", "--root", "good", "--out", "b.pt"], "--lr")
    }

    /// A device this libtorch cannot use stops every computing command before it writes anything.
    func testDevicesThatCannotBeUsed() throws {
        guard Runtime.cudaDeviceCount == 0 else { throw XCTSkip("a CUDA device is visible: --device cuda is usable here") }
        let needle = Runtime.hasCUDABuild ? "sees 0 CUDA devices" : "has no CUDA"
        let data = ["--dataset", "folder", "--root", "good"]
        let commands: [[String]] = [
            ["train"] + data + ["--out", "r"], ["experiment"] + data + ["--out", "r"], ["experiment", "--set", "name=x", "--out", "r"],
            ["evaluate", "--run", "run"], ["score", "good/images", "--run", "run"], ["poison"] + data + ["--out", "r"],
            ["trigger", "search", "--surrogate", "run", "--out", "t.pt"], ["pgd", "--surrogate", "run", "--out", "d.pt"],
            ["pretrain", "scnn", "--out", "s.pt"], ["pretrain", "backbone"] + data + ["--out", "b.pt"],
        ]
        for command in commands {
            try refuse(command + ["--device", "cuda"], needle)
            try refuse(command + ["--device", "cuda:1"], needle)
            try refuse(command + ["--device", "tpu"], "tpu")
            try refuse(command, needle, environment: ["BAIQA_DEVICE": "cuda"])
        }
        try refuse(["train"] + data + ["--out", "r"], "BAIQA_DEVICE=gpu", environment: ["BAIQA_DEVICE": "gpu"])
        for (text, needle) in [("device: cuda", needle), ("device: tpu", "device: unknown device 'tpu'")] {
            try Data("name: dev\n\(text)\n".utf8).write(to: dir.appendingPathComponent("dev.yaml"))
            try refuse(["experiment", "--config", "dev.yaml", "--out", "r"], needle)
            try FileManager.default.removeItem(at: dir.appendingPathComponent("dev.yaml"))
        }
    }

    /// Where a run computed is in its results and report.
    func testTheDeviceIsRecorded() throws {
        let r = try CLI.run(["train", "--dataset", "folder", "--root", "good", "--epochs", "1", "--crop", "64", "--patches", "1", "--threads", "2",
                             "--device", "cpu", "--deterministic", "--out", "recorded"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        defer { try? FileManager.default.removeItem(at: dir.appendingPathComponent("recorded")) }
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("recorded/results.json"))) as! [String: Any]
        let environment = results["environment"] as? [String: String] ?? [:]
        XCTAssertEqual(environment["device"], "cpu", "\(environment)")
        XCTAssertEqual(environment["deterministic"], "true")
        XCTAssertEqual(environment["libtorch"], Runtime.libtorchVersion)
        XCTAssertEqual(environment["threads"], "2")
    }

    func testBadTorchFiles() throws {
        let triggerNeedles = [("truncated.pt", "truncated.pt"), ("list.pt", "list.pt"), ("shape.pt", "[3, 64]"), ("zero.pt", "zero.pt"), ("none.pt", "none.pt")]
        for (file, needle) in triggerNeedles {
            try refuse(["trigger", "apply", "good/images/00000.png", "--trigger", file, "--out", "out.png"], needle)
            try refuse(["trigger", "psnr", "--dataset", "folder", "--root", "good", "--trigger", file], needle)
            try refuse(["trigger", "show", "--trigger", file, "--out", "pattern"], needle)
            try refuse(["experiment", "--dataset", "folder", "--root", "good", "--trigger", file, "--out", "r"], needle)
            try refuse(["poison", "--dataset", "folder", "--root", "good", "--trigger", file, "--out", "r"], needle)
            try refuse(["evaluate", "--run", "run", "--trigger", file], needle)
            try refuse(["train", "--dataset", "folder", "--root", "good", "--backbone-weights", file, "--out", "r"],
                        needle == "[3, 64]" ? file : needle)
        }
        for run in ["brokenrun", "badmanifest"] {
            let needle = run == "brokenrun" ? "model.pt" : "manifest.json"
            try refuse(["evaluate", "--run", run], needle)
            try refuse(["score", "good/images", "--run", run], needle)
            try refuse(["trigger", "search", "--surrogate", run, "--out", "t.pt"], needle)
            try refuse(["pgd", "--surrogate", run, "--out", "d.pt"], needle)
        }
        try refuse(["evaluate", "--run", "nowhere"], "nowhere")
    }

    func testOutputsThatExist() throws {
        let data = ["--dataset", "folder", "--root", "good"]
        for out in ["existing.file", "run"] {
            try refuse(["train"] + data + ["--epochs", "1", "--out", out], out)
            try refuse(["experiment"] + data + ["--epochs", "1", "--out", out], out)
            try refuse(["poison"] + data + ["--out", out], out)
            try refuse(["dataset", "synth", "--count", "2", "--out", out], out)
        }
        try refuse(["experiment", "--set", "name=x", "--out", "existing.file"], "existing.file")
        try refuse(["trigger", "apply", "good/images/00000.png", "--out", "existing.file"], "existing.file")
        try refuse(["trigger", "apply", "good/images/00000.png", "--out", "out.png", "--npy", "existing.file"], "existing.file")
        try refuse(["trigger", "apply", "good/images/00000.png", "--out", "no/such/folder.png"], "no/such")
        try Data().write(to: dir.appendingPathComponent("shown-pattern.png"))
        try refuse(["trigger", "show", "--attack", "baiqa", "--out", "shown"], "shown-pattern.png")
        try refuse(["trigger", "search", "--surrogate", "run", "--out", "existing.file"], "existing.file")
        try refuse(["pgd", "--surrogate", "run", "--out", "existing.file"], "existing.file")
        try refuse(["dataset", "split"] + data + ["--out", "existing.file"], "existing.file")
        try refuse(["pretrain", "backbone"] + data + ["--out", "existing.file"], "existing.file")
        try refuse(["pretrain", "scnn", "--out", "existing.file"], "existing.file")
        for defence in ["finetune", "fineprune", "anp"] {
            try refuse(["defend", defence, "--run", "run", "--out", "existing.file"], "existing.file")
        }
    }

    /// Defences need a backdoored victim: a clean model, a missing run or a run without its weights is refused.
    func testDefencesOfRunsThatCannotBeDefended() throws {
        for defence in ["finetune", "fineprune", "anp"] {
            try refuse(["defend", defence, "--run", "run"], "not a backdoored victim")
            try refuse(["defend", defence, "--run", "good"], "not a baiqa run folder")
            try refuse(["defend", defence, "--run", "run", "--clean-fraction", "0"], "--clean-fraction")
        }
        try refuse(["plot", "good"], "not a baiqa run, defence or suite folder")
    }
}
