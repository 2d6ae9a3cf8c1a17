// Average ranks, as scipy.stats.rankdata(method="average").

extension Metrics {
    /// 1-based ranks of `values`; tied values all get the mean of the ranks they span
    /// (e.g. `[10, 20, 20, 30]` → `[1, 2.5, 2.5, 4]`). NaN values are not allowed (callers check).
    public static func averageRanks(_ values: [Double]) -> [Double] {
        let n = values.count
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: n)
        var start = 0
        while start < n {
            var end = start
            while end + 1 < n && values[order[end + 1]] == values[order[start]] { end += 1 }
            // Positions start...end (0-based) hold ranks start+1 ... end+1; their mean:
            let rank = Double(start + end + 2) / 2
            for k in start...end { ranks[order[k]] = rank }
            start = end + 1
        }
        return ranks
    }
}
