import Foundation

extension DatasetSummary {
    /// `baiqa dataset info`: every problem of the dataset `spec` names, found in one pass. A broken score
    /// list still lets the images be checked when the names are readable (LIVEC keeps names and MOS in
    /// separate .mat files), so the report lists every problem at once; the scores are then unknown (nil).
    /// Throws only when not even the image list can be read (`DatasetInspectionError` carries what was found).
    public static func inspect(_ spec: DatasetSpec, check: ImageCheck, progress: ((Int, Int) -> Void)? = nil) throws -> DatasetSummary {
        let loader = try spec.source()
        var samples: [IQASample] = [], problems: [DatasetProblem] = []
        var scoresKnown = true
        do {
            let result = try loader.load(mode: .collectProblems)
            (samples, problems) = (result.samples, result.problems)
        } catch {
            problems.append(DatasetProblem(.badEntry, file: spec.root, "\(error)"))
            guard let livec = loader as? LIVECDataset, let names = try? livec.imageNames() else { throw DatasetInspectionError(problems: problems) }
            samples = names.map { IQASample(name: $0, url: livec.url(forImageNamed: $0), score: 0) }
            scoresKnown = false
        }
        var summary = make(samples: samples, loadProblems: problems, check: check, progress: progress)
        if !scoresKnown { summary.scores = nil }
        return summary
    }
}

/// The dataset's list could not be read: the problems found so far, the first being why.
public struct DatasetInspectionError: Error, CustomStringConvertible {
    public var problems: [DatasetProblem]
    public var description: String { problems.map(\.message).joined(separator: "\n") }
}

/// How `baiqa dataset split` draws a split: a seeded random one, KonIQ-10k's official sets, or the BAIQA
/// code's index files; optionally with a seeded random poisoned subset of the train list.
public struct SplitRecipe: Sendable {
    public var trainFraction = 0.8
    public var seed: UInt64 = 0
    /// KonIQ-10k's `set` column; `testOnly`: the official test set only (not validation + test).
    public var koniqSets = false
    public var testOnly = false
    /// The official pickled index list (.pkl) and poisoned-subset positions (.npy); they index the full dataset.
    public var officialIndex: URL?
    public var officialPartial: URL?
    public var poisonFraction: Double?

    public init() {}

    public func split(_ spec: DatasetSpec) throws -> DatasetSplit {
        let loader = try spec.source()
        var split: DatasetSplit
        if koniqSets {
            guard let koniq = loader as? KonIQ10kDataset else { throw DatasetError(file: spec.root, "--koniq-sets needs a koniq dataset") }
            split = try koniq.officialSplit(testSets: testOnly ? .testOnly : .validationAndTest)
        } else if let officialIndex {
            let names = try loader.load().map(\.name)
            split = loader is KonIQ10kDataset
                ? try OfficialSplitImport.konIQ(names: names, trainIndex: officialIndex, partialIndex: officialPartial)
                : try OfficialSplitImport.livec(names: names, traintestIndex: officialIndex, partialIndex: officialPartial)
        } else {
            split = try DatasetSplit.random(names: loader.load().map(\.name), trainFraction: trainFraction, seed: seed)
        }
        if let poisonFraction {
            guard (0...1).contains(poisonFraction) else { throw DatasetError(file: "--poison-rate", "must be in [0, 1], got \(poisonFraction)") }
            split = split.withRandomPoisonedSubset(fraction: poisonFraction, seed: seed)
        }
        return split
    }
}
