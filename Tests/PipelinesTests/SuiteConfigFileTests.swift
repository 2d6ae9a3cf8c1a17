import Backdoor
@testable import Pipelines
import Foundation
import XCTest

/// The suite config: YAML/JSON merged over the defaults, `--set` overrides, and errors that name the key.
final class SuiteConfigFileTests: XCTestCase {
    func write(_ text: String, ext: String = "yaml") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("suite-\(UUID().uuidString.prefix(8)).\(ext)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func error(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        XCTFail("expected an error")
        return ""
    }

    func testDefaultsAreThePaperChainAtTheCPUPreset() throws {
        let c = try SuiteConfigFile.load(nil)
        XCTAssertEqual(c, SuiteConfig())
        XCTAssertEqual(c.attacks, [.baiqa, .blended, .wanet, .ftrojan])
        XCTAssertEqual(c.labels, [.poison, .clean])
        XCTAssertEqual(c.alphas.count, 20)
        let r = try c.resolved()
        XCTAssertEqual(r.search.epochs, 4)
        XCTAssertEqual(r.search.repeats, 4)
        XCTAssertEqual(r.search.epsilon, 8.0 / 255, accuracy: 1e-12)
        XCTAssertEqual(r.pgd.steps, 10)
        XCTAssertEqual(r.pgd.views, 8)
        XCTAssertEqual(r.pgd.stepSize, 1.6 / 255, accuracy: 1e-12)
    }

    func testPaperPresetFillsEveryStep() throws {
        let r = try SuiteConfigFile.load(nil, overrides: ["preset=paper"]).resolved()
        XCTAssertEqual(r.search.epochs, 50)
        XCTAssertEqual(r.search.repeats, 25)
        XCTAssertEqual(r.search.batchSize, 128)
        XCTAssertEqual(r.search.stepsPerBatch, 10)
        XCTAssertEqual(r.pgd.steps, 20)
        XCTAssertEqual(r.pgd.views, 25)
        XCTAssertEqual(r.surrogate.patchesPerImage, 5)
        XCTAssertEqual(r.search.crop, 224)
    }

    func testYAMLFileThenSetOverrides() throws {
        let url = try write("""
        name: mini
        seed: 3
        dataset:
          kind: folder
          root: some/where
        victim: {model: dbcnn, epochs: 2}
        attacks: [baiqa, wanet]
        labels: [clean]
        poison:
          rate: 0.1
          alpha_sampling: uniform
        pgd:
          steps: null        # null keeps the default
        """)
        defer { try? FileManager.default.removeItem(at: url) }
        let c = try SuiteConfigFile.load(url, overrides: ["victim.epochs=5", "alphas=[-1, 1]", "trigger.seed=7"])
        XCTAssertEqual(c.name, "mini")
        XCTAssertEqual(c.seed, 3)
        XCTAssertEqual(c.dataset.kind, "folder")
        XCTAssertEqual(c.dataset.root, "some/where")
        XCTAssertEqual(c.dataset.csv, "scores.csv")   // untouched keys keep their defaults
        XCTAssertEqual(c.victim.model, "dbcnn")
        XCTAssertEqual(c.victim.epochs, 5)            // --set wins over the file
        XCTAssertEqual(c.attacks, [.baiqa, .wanet])
        XCTAssertEqual(c.labels, [.clean])
        XCTAssertEqual(c.poison.rate, 0.1)
        XCTAssertEqual(c.poison.alphaSampling, .uniform)
        XCTAssertEqual(c.pgd.steps, 0)
        XCTAssertEqual(c.alphas, [-1, 1])
        XCTAssertEqual(c.trigger.seed, 7)
    }

    func testJSONIsAccepted() throws {
        let url = try write(#"{"name": "j", "poison": {"delta_y": 20}}"#, ext: "json")
        defer { try? FileManager.default.removeItem(at: url) }
        let c = try SuiteConfigFile.load(url)
        XCTAssertEqual(c.name, "j")
        XCTAssertEqual(c.poison.deltaY, 20)
    }

    func testConfigJSONRoundTrips() throws {
        let c = try SuiteConfigFile.load(nil, overrides: ["victim.model=tres", "poison.rate=0.3", "labels=[poison]"])
        let url = try write(String(decoding: try SuiteConfigFile.json(c), as: UTF8.self), ext: "json")
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertEqual(try SuiteConfigFile.load(url), c)
    }

    func testUnknownKeysAreNamed() throws {
        let url = try write("victim:\n  epoch: 3\n")
        defer { try? FileManager.default.removeItem(at: url) }
        let e = error { _ = try SuiteConfigFile.load(url) }
        XCTAssertTrue(e.contains(url.path), e)
        XCTAssertTrue(e.contains("unknown key 'victim.epoch'"), e)
        XCTAssertTrue(e.contains("epochs"), e)  // the known keys are listed
        let s = error { _ = try SuiteConfigFile.load(nil, overrides: ["trigger.epsilonn=4"]) }
        XCTAssertTrue(s.contains("--set trigger.epsilonn=4"), s)
        XCTAssertTrue(s.contains("unknown key 'trigger.epsilonn'"), s)
    }

    func testWrongTypesAndBadValuesAreNamed() throws {
        let t = error { _ = try SuiteConfigFile.load(nil, overrides: ["poison.rate=abc"]) }
        XCTAssertTrue(t.contains("'poison.rate': expected"), t)
        let m = error { _ = try SuiteConfigFile.load(nil, overrides: ["victim=3"]) }
        XCTAssertTrue(m.contains("'victim' must be a mapping"), m)
        let a = error { _ = try SuiteConfigFile.load(nil, overrides: ["attacks=[baiqa, badnets]"]) }
        XCTAssertTrue(a.contains("attacks[1]"), a)
        let eq = error { _ = try SuiteConfigFile.load(nil, overrides: ["victim.epochs"]) }
        XCTAssertTrue(eq.contains("expected key.path=value"), eq)
        let inf = error { _ = try SuiteConfigFile.load(nil, overrides: ["poison.delta_y=.inf"]) }
        XCTAssertTrue(inf.contains("must be finite"), inf)
        let notMapping = try write("- a\n- b\n")
        defer { try? FileManager.default.removeItem(at: notMapping) }
        XCTAssertTrue(error { _ = try SuiteConfigFile.load(notMapping) }.contains("must be a mapping"))
        let broken = try write("victim: {model: [\n")
        defer { try? FileManager.default.removeItem(at: broken) }
        XCTAssertTrue(error { _ = try SuiteConfigFile.load(broken) }.contains("not valid YAML"))
        let missing = URL(fileURLWithPath: "/nonexistent/suite.yaml")
        XCTAssertTrue(error { _ = try SuiteConfigFile.load(missing) }.contains("/nonexistent/suite.yaml"))
    }

    func testResolutionValidatesRanges() throws {
        func resolveError(_ sets: [String]) -> String { error { _ = try SuiteConfigFile.load(nil, overrides: sets).resolved() } }
        XCTAssertTrue(resolveError(["poison.rate=0"]).contains("poison.rate"))
        XCTAssertTrue(resolveError(["poison.rate=1.5"]).contains("poison.rate"))
        XCTAssertTrue(resolveError(["preset=gpu"]).contains("unknown preset 'gpu'"))
        XCTAssertTrue(resolveError(["victim.model=resnet"]).contains("victim.model: unknown model 'resnet'"))
        XCTAssertTrue(resolveError(["attacks=[]"]).contains("attacks"))
        XCTAssertTrue(resolveError(["attacks=[baiqa, baiqa]"]).contains("duplicates"))
        XCTAssertTrue(resolveError(["alphas=[0, 1]"]).contains("alphas"))
        XCTAssertTrue(resolveError(["trigger.source=file"]).contains("trigger.file"))
        XCTAssertTrue(resolveError(["trigger.source=magic"]).contains("unknown source 'magic'"))
        XCTAssertTrue(resolveError(["pgd.step=-1"]).contains("pgd.step"))
        XCTAssertTrue(resolveError(["dataset.kind=imagenet"]).contains("dataset.kind"))
        XCTAssertTrue(resolveError(["dataset.split=/nonexistent/split.json"]).contains("/nonexistent/split.json"))
        XCTAssertTrue(resolveError(["surrogate.scnn_weights=/etc/hostname"]).contains("dbcnn only"))
        XCTAssertTrue(resolveError(["victim.backbone=vgg19"]).contains("victim.backbone: unknown backbone 'vgg19'"))
        XCTAssertTrue(resolveError(["victim.model=dbcnn", "victim.backbone=resnet18"]).contains("victim.backbone: DBCNN"))
        XCTAssertTrue(resolveError(["victim.crop=-16"]).contains("victim.crop: must not be negative"))
        XCTAssertTrue(resolveError(["trigger.learning_rate=-1"]).contains("trigger.learning_rate"))
        XCTAssertTrue(resolveError(["trigger.every=0"]).contains("trigger.every"))
        XCTAssertTrue(error { _ = try SuiteConfigFile.load(nil, overrides: ["trigger.method=pgd"]) }.contains("trigger.method"))
    }

    /// Algorithm 1's update rule and its learning rate: each method's default unless set.
    func testTriggerSearchMethod() throws {
        let official = try SuiteConfigFile.load(nil, overrides: []).resolved().search
        XCTAssertEqual(official.method, .official)
        XCTAssertEqual(official.learningRate, 1)
        let projected = try SuiteConfigFile.load(nil, overrides: ["trigger.method=projected"]).resolved().search
        XCTAssertEqual(projected.method, .projected)
        XCTAssertEqual(projected.learningRate, 10)
        XCTAssertEqual(try SuiteConfigFile.load(nil, overrides: ["trigger.method=projected", "trigger.learning_rate=3"]).resolved().search.learningRate, 3)
    }

    /// victim.backbone / victim.crop reach the victim's recipe and leave the surrogate's alone.
    func testVictimBackboneAndCropOverrides() throws {
        let r = try SuiteConfigFile.load(nil, overrides: ["victim.backbone=resnet18", "victim.crop=192"]).resolved()
        XCTAssertEqual(r.victim.cropSize, 192)
        XCTAssertEqual(r.victim.model.backboneName, "resnet18")
        XCTAssertEqual(r.surrogate.cropSize, 128)
        XCTAssertEqual(r.surrogate.model.backboneName, "resnet10-w32")
    }

    /// The configs shipped in configs/ parse (a renamed key would break them).
    func testShippedConfigsLoad() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../configs").standardizedFileURL
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertEqual(files, ["builtin-cpu.yaml", "livec-mini-cpu.yaml", "livec-paper.yaml"])
        for file in files {
            let c = try SuiteConfigFile.load(folder.appendingPathComponent(file))
            XCTAssertEqual(c.name + ".yaml", file)
        }
        let mini = try SuiteConfigFile.load(folder.appendingPathComponent("livec-mini-cpu.yaml"))
        XCTAssertEqual(mini.dataset.kind, "livec")
        XCTAssertEqual(try mini.resolved().search.epochs, 4)
        XCTAssertEqual(mini.trigger.file, "triggers/hyperiqa-livec-mini-cpu.pt")   // the tool's own, shipped trigger
        let paper = try SuiteConfigFile.load(folder.appendingPathComponent("livec-paper.yaml"))
        XCTAssertEqual(paper.preset, "paper")
        XCTAssertEqual(paper.surrogate.patches, 5)
    }
}
