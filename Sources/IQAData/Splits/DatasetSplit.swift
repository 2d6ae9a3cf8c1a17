/// A train/test split, and optionally the poisoned subset of the training list, by image name.
///
/// Why names rather than indices: official index files count positions in one particular list
/// (LIVEC's .mat order minus t1–t7, KonIQ's CSV order), so a split stored by name stays valid when
/// the dataset is loaded another way, and a name that is not in the dataset can be reported. The
/// order of each list is kept (the official split is in permutation order, and the poisoned
/// subset's order decides which image gets which PGD delta).
public struct DatasetSplit: Codable, Equatable, Sendable {
    public var train: [String]
    public var test: [String]
    /// Names of the training images that are poisoned (and searched on for the trigger).
    public var poisonedSubset: [String]?

    public init(train: [String], test: [String], poisonedSubset: [String]? = nil) {
        self.train = train
        self.test = test
        self.poisonedSubset = poisonedSubset
    }

    enum CodingKeys: String, CodingKey {
        case train, test
        case poisonedSubset = "poisoned_subset"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        train = try c.decode([String].self, forKey: .train)
        test = try c.decode([String].self, forKey: .test)
        poisonedSubset = try c.decodeIfPresent([String].self, forKey: .poisonedSubset)
    }

    /// Written in the order train, test, poisoned_subset (easier to read than sorted keys).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(train, forKey: .train)
        try c.encode(test, forKey: .test)
        try c.encodeIfPresent(poisonedSubset, forKey: .poisonedSubset)
    }

    /// Checks that the split is coherent: a non-empty training list, no name twice (within or
    /// across the lists), and a poisoned subset drawn from the training list. `source` names the
    /// split in the error.
    public func validate(source: String = "split") throws {
        guard !train.isEmpty else { throw DatasetError(file: source, "the training list is empty") }
        var where_: [String: String] = [:]
        for (list, names) in [("train", train), ("test", test)] {
            for name in names {
                if let previous = where_[name] {
                    let also = previous == list ? "twice in \(list)" : "in both \(previous) and \(list)"
                    throw DatasetError(file: source, "image \"\(name)\" is \(also)")
                }
                where_[name] = list
            }
        }
        if let poisoned = poisonedSubset {
            var seen: Set<String> = []
            for name in poisoned {
                guard seen.insert(name).inserted else {
                    throw DatasetError(file: source, "image \"\(name)\" is twice in poisoned_subset")
                }
                guard where_[name] == "train" else {
                    throw DatasetError(file: source, "poisoned image \"\(name)\" is not in the training list")
                }
            }
        }
    }

    /// Python's `round` (half to even), which the official scripts use for round(0.8·N).
    static func pythonRound(_ x: Double) -> Int {
        Int(x.rounded(.toNearestOrEven))
    }

    /// A random split: `names` shuffled with `seed`, the first round(trainFraction·N) (half to
    /// even, as Python rounds) for training, the rest for testing, both in shuffled order like
    /// the official permutation file.
    public static func random(names: [String], trainFraction: Double = 0.8, seed: UInt64,
                              source: String = "split") throws -> DatasetSplit {
        guard trainFraction > 0, trainFraction < 1 else {
            throw DatasetError(file: source, "train fraction \(trainFraction) is not between 0 and 1")
        }
        let trainCount = pythonRound(trainFraction * Double(names.count))
        guard trainCount >= 1, trainCount < names.count else {
            throw DatasetError(file: source, "a \(trainFraction) split of \(names.count) images leaves one side empty")
        }
        var order = Array(names.indices)
        var rng = SeededGenerator(seed: seed)
        // Fisher–Yates, spelled out so that the permutation never depends on the standard library.
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, rng.nextInt(below: i + 1))
        }
        let split = try fromPermutation(order, names: names, trainCount: trainCount, source: source)
        return split
    }

    /// The split an official permutation file gives: `permutation` lists every dataset index
    /// once; its first `trainCount` (default round(0.8·N)) entries are the training images, the
    /// rest the test images, in file order. `poisonedPositions` are positions into the training
    /// list (partial_index_p*.npy). Errors name `source`, or `positionsSource` for a bad position.
    public static func fromPermutation(_ permutation: [Int], names: [String], trainCount: Int? = nil,
                                       poisonedPositions: [Int]? = nil, source: String = "split",
                                       positionsSource: String? = nil) throws -> DatasetSplit {
        guard permutation.count == names.count else {
            throw DatasetError(file: source,
                               "holds \(permutation.count) indices but the dataset has \(names.count) images (it must list every index once)")
        }
        let resolved = try lookUp(permutation, in: names, what: "index", source: source)
        let cut = trainCount ?? pythonRound(0.8 * Double(names.count))
        guard cut >= 1, cut <= names.count else {
            throw DatasetError(file: source, "train count \(cut) does not fit \(names.count) images")
        }
        let train = Array(resolved[..<cut])
        let split = DatasetSplit(train: train, test: Array(resolved[cut...]),
                                 poisonedSubset: try poisonedPositions.map { try lookUp($0, in: train, what: "train position", source: positionsSource ?? source) })
        try split.validate(source: source)
        return split
    }

    /// The split a train-index file gives (KonIQ-10k's official script): `trainIndices` are the
    /// training images in file order; every other index is a test image, in ascending order.
    public static func fromTrainIndices(_ trainIndices: [Int], names: [String], poisonedPositions: [Int]? = nil,
                                        source: String = "split",
                                        positionsSource: String? = nil) throws -> DatasetSplit {
        let train = try lookUp(trainIndices, in: names, what: "index", source: source)
        let inTrain = Set(trainIndices)
        let test = names.indices.filter { !inTrain.contains($0) }.map { names[$0] }
        let split = DatasetSplit(train: train, test: test,
                                 poisonedSubset: try poisonedPositions.map { try lookUp($0, in: train, what: "train position", source: positionsSource ?? source) })
        try split.validate(source: source)
        return split
    }

    /// The same split with a poisoned subset of int(fraction·N_train) training images drawn with
    /// `seed` (as the official partial script draws its positions), in drawn order.
    public func withRandomPoisonedSubset(fraction: Double = 0.2, seed: UInt64) -> DatasetSplit {
        let wanted = (fraction * Double(train.count)).rounded(.towardZero)
        let count = wanted.isFinite ? Int(min(max(wanted, 0), Double(train.count))) : 0
        var positions = Array(train.indices)
        var rng = SeededGenerator(seed: seed)
        for i in 0..<count {
            positions.swapAt(i, i + rng.nextInt(below: positions.count - i))
        }
        var copy = self
        copy.poisonedSubset = positions.prefix(count).map { train[$0] }
        return copy
    }

    /// `indices` mapped into `names`, each in range and used once.
    private static func lookUp(_ indices: [Int], in names: [String], what: String, source: String) throws -> [String] {
        var seen = Set<Int>()
        return try indices.enumerated().map { k, index in
            guard index >= 0, index < names.count else {
                throw DatasetError(file: source, "\(what) \(index) (entry \(k)) is outside 0..<\(names.count)")
            }
            guard seen.insert(index).inserted else {
                throw DatasetError(file: source, "\(what) \(index) appears twice (again at entry \(k))")
            }
            return names[index]
        }
    }
}
