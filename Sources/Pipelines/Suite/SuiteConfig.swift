import Backdoor
import Evaluation
import Foundation
import IQAData
import IQAModels
import Torch

/// The whole attack chain of `baiqa experiment --config FILE` (the paper's Tables 1–2 for one victim
/// model and dataset): clean model, surrogate, trigger search, C-BAIQA's PGD, then one backdoored
/// victim per label mode × attack, and the evaluation of each.
///
/// Written as YAML or JSON with snake_case keys; every key is optional (defaults below) and unknown keys
/// are errors. Numbers that are 0 (or strings that are empty) mean "the preset's value", so that one
/// `preset: cpu|paper` switch scales every step; `resolved()` fills them in.
public struct SuiteConfig: Codable, Equatable, Sendable {
    public var name = "suite"
    public var seed: UInt64 = 0
    /// `cpu` (2-core friendly) or `paper` (the official settings of every step).
    public var preset = "cpu"
    public var dataset = DatasetSection()
    public var victim = ModelSection()
    /// The attacker's model for the trigger search and PGD (spec §4.1: HyperIQA trained on the whole
    /// training list with 5 crops per image). A surrogate whose recipe equals the clean victim's (the
    /// `cpu` default for a HyperIQA victim) is the same step: the clean model doubles as the surrogate.
    public var surrogate = ModelSection(model: "hyperiqa", preset: "", epochs: 0, patches: 0)
    public var trigger = TriggerSection()
    public var pgd = PGDSection()
    public var poison = PoisonSection()
    /// Trigger families, each run under every label mode (Table 1's rows).
    public var attacks: [AttackKind] = [.baiqa, .blended, .wanet, .ftrojan]
    /// `poison` (P-BAIQA) and/or `clean` (C-BAIQA) (Table 1's column groups).
    public var labels: [PoisonPlan.LabelMode] = [.poison, .clean]
    public var baselines = BaselineSettings()
    public var alphas: [Double] = AlphaSweep.paperAlphas
    /// Evaluate the clean model with a zero trigger (mMAE must come out ≈ Δy·mean|α|, mMRA ≈ 0: the
    /// metric's sanity check, spec §9.2) and with each attack's trigger (what the trigger alone does).
    public var cleanModelResponse = true
    /// Where to compute (auto, cpu, cuda, cuda:N; `--device` overrides it). Not part of any step's key:
    /// a step computed elsewhere is reused, and step.json says where it was computed.
    public var device = "auto"
    /// Deterministic algorithms (cuDNN deterministic, no benchmark mode); `--deterministic` also sets it.
    public var deterministic = false
    /// Defences run on every backdoored victim (empty `run`: none).
    public var defences = DefenceSection()
    /// How `--executor slurm` asks for each step's job (not part of any step's key).
    public var cluster = ClusterSection()
    /// JPEG robustness of every victim's backdoor (empty lists: none).
    public var robustness = RobustnessSection()

    public init() {}

    /// sbatch settings of every step's job; empty or 0: the cluster's defaults.
    public struct ClusterSection: Codable, Equatable, Sendable {
        public var partition = ""
        /// Generic resources, e.g. `gpu:1` (with `device: cuda` or `auto`).
        public var gres = ""
        /// CPUs per step; each step runs with that many threads (0: the cluster's default, usually 1).
        public var cpusPerTask = 0
        /// Memory per step, e.g. `16G` (sbatch --mem).
        public var mem = ""
        /// Time limit per step, e.g. `4:00:00` (sbatch --time).
        public var time = ""
        /// Further `#SBATCH` lines, e.g. `--account=proj42` or `--qos=short`.
        public var sbatchLines: [String] = []
        public init() {}
    }

    public struct RobustnessSection: Codable, Equatable, Sendable {
        /// Test time: each victim's α sweep with the test images JPEG-recompressed at these qualities.
        public var jpeg: [Int] = []
        /// Release time: one more victim per attack and quality, trained with its poisoned images
        /// re-encoded at that quality (a poisoned set published as JPEG), then evaluated as usual.
        public var release: [Int] = []
        /// Chroma subsampling of both: 420 (PIL's default) or 444.
        public var subsampling: JPEGCodec.Subsampling = .s420
        public init() {}

        func channels(_ qualities: [Int], key: String) throws -> [JPEGRecompression] {
            guard Set(qualities).count == qualities.count else { throw SuiteConfigError("robustness.\(key): duplicate qualities") }
            return try qualities.map { q in
                do { return try JPEGRecompression(quality: q, subsampling: subsampling) } catch { throw SuiteConfigError("robustness.\(key): \(error)") }
            }
        }
        public func testChannels() throws -> [JPEGRecompression] { try channels(jpeg, key: "jpeg") }
        public func releaseChannels() throws -> [JPEGRecompression] { try channels(release, key: "release") }
    }

    public struct DefenceSection: Codable, Equatable, Sendable {
        /// finetune, fineprune and/or anp.
        public var run: [DefenceKind] = []
        /// The defender's share of the training images (0: each defence's default, 5 % or ANP's 1 %).
        public var cleanFraction = 0.0
        /// Fine-tuning epochs (0: the victim's).
        public var epochs = 0
        /// Fine-tuning learning rate of fine-tuning and Fine-Pruning (0: the victim's own).
        public var learningRate = 0.0
        /// The clean-only selection rule of the pruning defences.
        public var maxRmseRise = 0.1
        /// ANP's iterations and crops per iteration (0: official for `paper` victims, 200 × 32 for `cpu`).
        public var anpIterations = 0
        public var anpBatch = 0
        /// Fine-Pruning's rates and ANP's thresholds (empty: 0, 0.05, …, 0.8 and 0, 0.05, …, 0.9).
        public var pruningRates: [Double] = []
        public var anpThresholds: [Double] = []
        public init() {}
    }

    /// The `device` key, parsed.
    public func deviceRequest() throws -> DeviceRequest {
        do { return try DeviceRequest(parsing: device) } catch { throw SuiteConfigError("device: \(error)") }
    }

    public struct DatasetSection: Codable, Equatable, Sendable {
        /// builtin, folder, livec or koniq.
        public var kind = "builtin"
        public var root = "data/builtin"
        public var csv = "scores.csv"
        public var nameColumn = "image"
        public var scoreColumn = "mos"
        /// KonIQ-10k image folder (1024x768 or 512x384; empty: whichever exists).
        public var koniqResolution = ""
        /// Split file (JSON with train, test, optional poisoned_subset); empty: seeded split by train_ratio.
        public var split = ""
        public var trainRatio = 0.8
        public var dropMissing = false
        public var builtinCount = 600
        public var builtinSize = 256
        public init() {}
    }

    public struct ModelSection: Codable, Equatable, Sendable {
        /// hyperiqa, dbcnn or tres.
        public var model = "hyperiqa"
        /// Training recipe: cpu or paper (empty: the suite's preset).
        public var preset = ""
        /// 0: the recipe's epochs.
        public var epochs = 0
        /// Crops per image per epoch (0: the recipe's; the official surrogate uses 5).
        public var patches = 0
        /// Training crop side in pixels (0: the recipe's).
        public var crop = 0
        /// ResNet backbone of HyperIQA/TReS: resnet18, resnet34, resnet50 or resnet10-w32 (empty: the recipe's).
        public var backbone = ""
        /// ImageNet weights in torchvision's layout for the backbone (empty: from scratch).
        public var backboneWeights = ""
        /// DBCNN: a pretrained SCNN for the second stream (empty: none).
        public var scnnWeights = ""
        public init() {}
        public init(model: String, preset: String, epochs: Int, patches: Int) {
            self.model = model
            self.preset = preset
            self.epochs = epochs
            self.patches = patches
        }
    }

    public struct TriggerSection: Codable, Equatable, Sendable {
        /// search (Algorithm 1 against the surrogate), file (a [3, 64] .pt) or random (seeded, at `psnr` dB).
        public var source = "search"
        public var file = ""
        public var psnr = 30.0
        public var positions: DCTPositions = .official
        /// Visibility budget ε in 8-bit levels (8 for LIVEC, 4 for KonIQ-10k).
        public var epsilon = 8.0
        /// 0: 50 (paper) or 4 (cpu).
        public var epochs = 0
        public var steps = 10
        public var batch = 128
        /// Repeats of each search image per epoch (0: 25 paper, 4 cpu).
        public var repeats = 0
        /// The initial trigger is U(−init_range, init_range) per coefficient (official: 300).
        public var initRange = 300.0
        public var seed: UInt64 = 919
        /// Algorithm 1's update rule: official (penalty, fresh Adam per batch) or projected (the budget as
        /// a constraint, one Adam); `learning_rate` 0 takes the method's default (1 or 10).
        public var method: UAPSearch.Method = .official
        public var learningRate = 0.0
        /// Steps between two points of the search's objective curve (on the test images).
        public var every = 50
        public init() {}
    }

    public struct PGDSection: Codable, Equatable, Sendable {
        /// L∞ radius and step in 8-bit levels (2 and 1.6 ≈ 0.00784 and 0.00627).
        public var epsilon = 2.0
        public var step = 1.6
        /// 0: 20 (paper) or 10 (cpu).
        public var steps = 0
        /// EOT views per step (0: 25 paper, 8 cpu).
        public var views = 0
        /// Target surrogate score ȳ.
        public var target = 50.0
        /// false: C-BAIQA without the x → x′ refinement (Remark 2), the ablation of the paper's Table 3 (③).
        public var refine = true
        public var seed: UInt64 = 919
        public init() {}
    }

    public struct PoisonSection: Codable, Equatable, Sendable {
        public var rate = 0.2
        public var deltaY = 40.0
        /// P-BAIQA's α sampling: weighted (official), equal, uniform or sqrt-uniform.
        public var alphaSampling: AlphaSampling = .weighted
        /// C-BAIQA's ȳ in α = (y − ȳ)/Δy.
        public var targetMean = 50.0
        public init() {}
    }

    // MARK: resolution

    /// The settings every step actually runs with (presets applied, everything validated).
    public struct Resolved {
        public var config: SuiteConfig
        public var dataset: DatasetSpec
        public var victim: TrainingRecipe
        public var surrogate: TrainingRecipe
        public var search: UAPSearch
        public var pgd: TargetedPGD
    }

    public func resolved() throws -> Resolved {
        guard ["cpu", "paper"].contains(preset) else { throw SuiteConfigError("preset: unknown preset '\(preset)' (cpu or paper)") }
        let paper = preset == "paper"
        var c = self
        if c.trigger.epochs == 0 { c.trigger.epochs = paper ? 50 : 4 }
        if c.trigger.repeats == 0 { c.trigger.repeats = paper ? 25 : 4 }
        if c.pgd.steps == 0 { c.pgd.steps = paper ? 20 : 10 }
        if c.pgd.views == 0 { c.pgd.views = paper ? 25 : 8 }
        if c.victim.preset.isEmpty { c.victim.preset = preset }
        if c.surrogate.preset.isEmpty { c.surrogate.preset = preset }
        if paper && c.surrogate.patches == 0 { c.surrogate.patches = 5 }

        _ = try deviceRequest()
        guard !attacks.isEmpty else { throw SuiteConfigError("attacks: at least one attack is needed") }
        guard !labels.isEmpty else { throw SuiteConfigError("labels: at least one of poison, clean is needed") }
        guard Set(attacks).count == attacks.count, Set(labels).count == labels.count else { throw SuiteConfigError("attacks/labels: duplicates") }
        guard (0...1).contains(poison.rate), poison.rate > 0 else { throw SuiteConfigError("poison.rate: must be in (0, 1], got \(poison.rate)") }
        guard poison.deltaY.isFinite, poison.deltaY != 0 else { throw SuiteConfigError("poison.delta_y: must be finite and non-zero") }
        guard dataset.trainRatio > 0, dataset.trainRatio < 1 else { throw SuiteConfigError("dataset.train_ratio: must be in (0, 1)") }
        guard ["search", "file", "random"].contains(trigger.source) else {
            throw SuiteConfigError("trigger.source: unknown source '\(trigger.source)' (search, file or random)")
        }
        if trigger.source == "file" && trigger.file.isEmpty { throw SuiteConfigError("trigger.file: needed when trigger.source is file") }
        // At t = 0 the untargeted loss has zero gradient, so a zero start never moves.
        guard trigger.initRange > 0, trigger.initRange.isFinite else { throw SuiteConfigError("trigger.init_range: must be positive and finite, got \(trigger.initRange)") }
        for (key, v) in [("trigger.epsilon", trigger.epsilon), ("pgd.epsilon", c.pgd.epsilon), ("pgd.step", c.pgd.step)] where !(v > 0) {
            throw SuiteConfigError("\(key): must be positive, got \(v)")
        }
        guard trigger.learningRate >= 0, trigger.learningRate.isFinite else {
            throw SuiteConfigError("trigger.learning_rate: must be positive, or 0 for the method's default; got \(trigger.learningRate)")
        }
        for (key, v) in [("trigger.every", c.trigger.every), ("trigger.epochs", c.trigger.epochs), ("trigger.steps", c.trigger.steps), ("trigger.batch", c.trigger.batch),
                         ("trigger.repeats", c.trigger.repeats), ("pgd.steps", c.pgd.steps), ("pgd.views", c.pgd.views)] where v <= 0 {
            throw SuiteConfigError("\(key): must be positive, got \(v)")
        }
        guard !alphas.isEmpty, alphas.allSatisfy({ $0.isFinite && $0 != 0 }) else { throw SuiteConfigError("alphas: need finite, non-zero values") }
        guard Set(defences.run).count == defences.run.count else { throw SuiteConfigError("defences.run: duplicates") }
        _ = try robustness.channels(robustness.jpeg, key: "jpeg")
        _ = try robustness.channels(robustness.release, key: "release")
        guard defences.cleanFraction >= 0, defences.cleanFraction < 1 else {
            throw SuiteConfigError("defences.clean_fraction: must be in (0, 1), or 0 for each defence's default; got \(defences.cleanFraction)")
        }
        guard defences.learningRate >= 0 else { throw SuiteConfigError("defences.learning_rate: must be positive, or 0 for the victim's; got \(defences.learningRate)") }
        guard defences.maxRmseRise > 0 else { throw SuiteConfigError("defences.max_rmse_rise: must be positive, got \(defences.maxRmseRise)") }
        for (key, v) in [("defences.epochs", defences.epochs), ("defences.anp_iterations", defences.anpIterations), ("defences.anp_batch", defences.anpBatch)] where v < 0 {
            throw SuiteConfigError("\(key): must not be negative (0 keeps the default), got \(v)")
        }
        for (key, values) in [("defences.pruning_rates", defences.pruningRates), ("defences.anp_thresholds", defences.anpThresholds)] where !values.isEmpty {
            guard values.first == 0, values == values.sorted(), values.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
                throw SuiteConfigError("\(key): must start at 0 and rise within [0, 1], got \(values)")
            }
        }
        if defences.anpBatch == 1 { throw SuiteConfigError("defences.anp_batch: BatchNorm needs at least 2 crops per batch") }
        if cluster.cpusPerTask < 0 { throw SuiteConfigError("cluster.cpus_per_task: must not be negative (0: the cluster's default), got \(cluster.cpusPerTask)") }
        for (key, v) in [("cluster.partition", cluster.partition), ("cluster.gres", cluster.gres), ("cluster.mem", cluster.mem), ("cluster.time", cluster.time)]
            where v.contains(where: { $0.isWhitespace || $0 == "'" || $0 == "\"" }) {
            throw SuiteConfigError("\(key): '\(v)' has spaces or quotes (one sbatch value is expected)")
        }
        for line in cluster.sbatchLines where !line.hasPrefix("-") || line.contains(where: \.isNewline) {
            throw SuiteConfigError("cluster.sbatch_lines: '\(line)' is not one sbatch option (e.g. --account=proj42)")
        }

        var d = DatasetSpec()
        guard DatasetRegistry.names.contains(dataset.kind) else {
            throw SuiteConfigError("dataset.kind: unknown kind '\(dataset.kind)' (\(DatasetRegistry.names.joined(separator: ", ")))")
        }
        d.kind = dataset.kind
        d.root = dataset.root
        d.csv = dataset.csv
        d.nameColumn = dataset.nameColumn
        d.scoreColumn = dataset.scoreColumn
        d.koniqResolution = dataset.koniqResolution.isEmpty ? nil : dataset.koniqResolution
        d.dropMissing = dataset.dropMissing
        d.builtinCount = dataset.builtinCount
        d.builtinSize = dataset.builtinSize
        if !dataset.split.isEmpty {
            let url = URL(fileURLWithPath: dataset.split)
            guard let bytes = try? Data(contentsOf: url) else { throw SuiteConfigError("dataset.split: \(dataset.split): cannot read the split file") }
            d.splitFile = url.standardizedFileURL.path
            d.splitFingerprint = Fingerprint.fnv1a64(bytes)
        }

        var search = UAPSearch()
        search.epsilon = c.trigger.epsilon / 255
        search.epochs = c.trigger.epochs
        search.stepsPerBatch = c.trigger.steps
        search.batchSize = c.trigger.batch
        search.repeats = c.trigger.repeats
        search.initRange = c.trigger.initRange
        search.method = c.trigger.method
        search.learningRate = c.trigger.learningRate > 0 ? c.trigger.learningRate : UAPSearch.defaultLearningRate(c.trigger.method)
        search.positions = c.trigger.positions
        search.seed = c.trigger.seed
        var pgd = TargetedPGD()
        pgd.epsilon = c.pgd.epsilon / 255
        pgd.stepSize = c.pgd.step / 255
        pgd.steps = c.pgd.steps
        pgd.views = c.pgd.views
        pgd.target = c.pgd.target
        pgd.seed = c.pgd.seed
        let surrogate = try c.surrogate.recipe(key: "surrogate")
        search.crop = surrogate.cropSize
        pgd.crop = surrogate.cropSize
        return Resolved(config: c, dataset: d, victim: try c.victim.recipe(key: "victim"), surrogate: surrogate, search: search, pgd: pgd)
    }
}

extension SuiteConfig.ModelSection {
    /// The training recipe this section names (preset, then overrides).
    func recipe(key: String) throws -> TrainingRecipe {
        guard let kind = ModelKind(rawValue: model) else { throw SuiteConfigError("\(key).model: unknown model '\(model)' (hyperiqa, dbcnn or tres)") }
        var r: TrainingRecipe
        do { r = try TrainingRecipe.preset(named: preset, model: kind) } catch { throw SuiteConfigError("\(key).preset: \(error)") }
        // 0 keeps the preset's value; only negative counts are wrong.
        for (name, v) in [("epochs", epochs), ("patches", patches), ("crop", crop)] where v < 0 {
            throw SuiteConfigError("\(key).\(name): must not be negative (0 keeps the preset's), got \(v)")
        }
        if epochs > 0 { r.epochs = epochs }
        if patches > 0 { r.patchesPerImage = patches }
        if crop > 0 { r.cropSize = crop }
        if !backbone.isEmpty {
            do { r.model = try r.model.withBackbone(named: backbone) } catch { throw SuiteConfigError("\(key).backbone: \(error)") }
        }
        if !backboneWeights.isEmpty {
            // `imagenet`: the published weights of this backbone, from the weights cache (downloaded once).
            let url: URL
            do { url = try WeightsCache.resolve(backboneWeights: backboneWeights, model: r.model) } catch {
                throw SuiteConfigError("\(key).backbone_weights: \(error)")
            }
            guard let bytes = try? Data(contentsOf: url) else { throw SuiteConfigError("\(key).backbone_weights: \(backboneWeights): cannot read the file") }
            r.backboneWeights = url.standardizedFileURL.path
            r.backboneWeightsFingerprint = Fingerprint.fnv1a64(bytes)
        }
        if !scnnWeights.isEmpty {
            guard kind == .dbcnn else { throw SuiteConfigError("\(key).scnn_weights: applies to dbcnn only") }
            let url = URL(fileURLWithPath: scnnWeights)
            guard let bytes = try? Data(contentsOf: url) else { throw SuiteConfigError("\(key).scnn_weights: \(scnnWeights): cannot read the file") }
            r.scnnWeights = url.standardizedFileURL.path
            r.scnnWeightsFingerprint = Fingerprint.fnv1a64(bytes)
        }
        return r
    }
}

public struct SuiteConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
