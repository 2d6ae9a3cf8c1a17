import Backdoor
import Foundation
import IQAData
import IQAModels
@testable import Pipelines
import XCTest

/// The run manifest's trigger record: what `evaluate`, `score` and `trigger … --run` rebuild.
final class RunManifestTests: XCTestCase {
    func manifest(attack: RunAttack?) -> RunManifest {
        RunManifest(kind: "experiment", recipe: .cpu(.hyperiqa), dataset: DatasetSpec(), seed: 3, checkpoint: "victim.pt",
                    train: ["a"], test: ["b"], attack: attack)
    }

    func testAttackRecordRoundTripsAndNamesTheTriggerFile() throws {
        var trigger = TriggerSpec(attack: .baiqa)
        trigger.positions = .midBand
        trigger.file = "trigger.pt"
        let attack = RunAttack(name: "p-baiqa", trigger: trigger, sourceFile: "/t/searched.pt", sourceFingerprint: "00ff", labelMode: .poison,
                               rate: 0.2, deltaY: -40, alphaSampling: .uniform, targetMean: nil, alphas: [-1, 0.5])
        let m = manifest(attack: attack)
        XCTAssertEqual(m.trigger, "trigger.pt")
        let decoded = try JSONDecoder().decode(RunManifest.self, from: JSONEncoder().encode(m))
        XCTAssertEqual(decoded, m)
        XCTAssertEqual(decoded.triggerSpec, trigger)
        XCTAssertEqual(decoded.attack?.deltaY, -40)
    }

    /// Manifests written before the attack was recorded name only the DCT trigger file: read as BAIQA at
    /// the official positions (all such runs used them); a clean model has no trigger.
    func testOlderManifestsAndCleanModels() throws {
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(manifest(attack: nil))) as! [String: Any]
        XCTAssertNil(try JSONDecoder().decode(RunManifest.self, from: JSONSerialization.data(withJSONObject: json)).triggerSpec)
        json["trigger"] = "trigger.pt"
        let old = try JSONDecoder().decode(RunManifest.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertEqual(old.triggerSpec?.attack, .baiqa)
        XCTAssertEqual(old.triggerSpec?.positions, .official)
        XCTAssertEqual(old.triggerSpec?.file, "trigger.pt")
    }

    /// The experiment config's attack and its `TriggerSpec` view are the same fields (fingerprints unchanged).
    func testExperimentAttackTriggerView() throws {
        var config = ExperimentConfig()
        let before = config.fingerprint
        var t = config.attack.trigger
        config.attack.trigger = t
        XCTAssertEqual(config.fingerprint, before)
        t.attack = .wanet
        t.baselines.wanetStrength = 2
        config.attack.trigger = t
        XCTAssertEqual(config.attack.kind, .wanet)
        XCTAssertEqual(config.attack.baselines.wanetStrength, 2)
        XCTAssertNotEqual(config.fingerprint, before)
    }
}
