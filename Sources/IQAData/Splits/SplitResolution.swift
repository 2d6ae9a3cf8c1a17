/// A split matched against a loaded dataset: the samples of each list, in the split's order.
public struct ResolvedSplit: Equatable, Sendable {
    public var train: [IQASample]
    public var test: [IQASample]
    public var poisoned: [IQASample]?
    /// What was dropped, one line each (only with `MissingSplitImages.drop`); for the caller to show.
    public var warnings: [String]

    public init(train: [IQASample], test: [IQASample], poisoned: [IQASample]?, warnings: [String] = []) {
        self.train = train
        self.test = test
        self.poisoned = poisoned
        self.warnings = warnings
    }
}

/// What to do with split names that the dataset does not have (a split made for the full LIVEC
/// used with livec-mini, a KonIQ copy missing some files).
public enum MissingSplitImages: String, Sendable, CaseIterable {
    /// Fail, listing the missing names: a silently smaller training set would skew every result.
    case error
    /// Leave them out and say so in `ResolvedSplit.warnings`.
    case drop
}

extension DatasetSplit {
    /// How many missing names a message lists before summarising the rest.
    static let namesShown = 5

    /// The samples named by each list; `source` names the split in messages.
    public func resolve(against samples: [IQASample], missing: MissingSplitImages = .error,
                        source: String = "split") throws -> ResolvedSplit {
        var byName: [String: IQASample] = [:]
        for sample in samples where byName[sample.name] == nil { byName[sample.name] = sample }

        var absent: [String] = []
        var dropped: [(list: String, count: Int)] = []
        func pick(_ names: [String], _ list: String) -> [IQASample] {
            var found: [IQASample] = []
            var lost = 0
            for name in names {
                if let sample = byName[name] {
                    found.append(sample)
                } else {
                    lost += 1
                    if list != "poisoned_subset" { absent.append(name) } // poisoned names are train names too
                }
            }
            if lost > 0 { dropped.append((list, lost)) }
            return found
        }
        let train = pick(self.train, "train")
        let test = pick(self.test, "test")
        let poisoned = poisonedSubset.map { pick($0, "poisoned_subset") }
        if poisoned != nil, absent.isEmpty, dropped.contains(where: { $0.list == "poisoned_subset" }) {
            // Only possible for a split that was never validated; name the culprits anyway.
            absent = (poisonedSubset ?? []).filter { byName[$0] == nil }
        }
        guard !dropped.isEmpty else { return ResolvedSplit(train: train, test: test, poisoned: poisoned) }

        let shown = absent.prefix(Self.namesShown).map { "\"\($0)\"" }.joined(separator: ", ")
        let more = absent.count > Self.namesShown ? ", … (\(absent.count) in all)" : ""
        let perList = dropped.map { "\($0.list) \($0.count)" }.joined(separator: ", ")
        switch missing {
        case .error:
            throw DatasetError(file: source,
                               "\(absent.count) images named in the split are not in the dataset (\(perList)): \(shown)\(more)")
        case .drop:
            let warning = "\(source): dropped \(absent.count) images not in the dataset (\(perList)): \(shown)\(more)"
            if train.isEmpty { throw DatasetError(file: source, "no training image of the split is in the dataset") }
            return ResolvedSplit(train: train, test: test, poisoned: poisoned, warnings: [warning])
        }
    }
}
