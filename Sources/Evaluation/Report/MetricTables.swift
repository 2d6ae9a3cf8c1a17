// Ready-made report tables for the metric types.

extension MarkdownTable {
    /// One row per α: α, target shift Δy·α, mean shift, MAE, MRA, and when labels were given the
    /// SROCC/PLCC against the shifted labels; then a final "mean" row (mMAE, mMRA).
    public static func alphaSweep(_ metrics: AttackMetrics, decimals: Int = 3) -> MarkdownTable {
        let f = { (v: Double) in NumberFormat.fixed(v, decimals: decimals) }
        let labelled = metrics.shiftedLabels
        var headers = ["α", "target shift", "mean shift", "MAE", "MRA"]
        if labelled != nil { headers += ["SROCC (y+Δyα)", "PLCC (y+Δyα)"] }
        var table = MarkdownTable(headers: headers, alignments: Array(repeating: .right, count: headers.count))
        for k in metrics.alphas.indices {
            var row = [NumberFormat.fixed(metrics.alphas[k], decimals: 1), f(metrics.deltaY * metrics.alphas[k]),
                       f(metrics.meanShift[k]), f(metrics.mae[k]), f(metrics.mra[k])]
            if let labelled { row += [f(labelled.srocc[k]), f(labelled.plcc[k])] }
            table.append(row)
        }
        var mean = ["mean", "", "", f(metrics.mmae), f(metrics.mmra)]
        if let labelled { mean += [f(labelled.meanSROCC), f(labelled.meanPLCC)] }
        table.append(mean)
        return table
    }

    /// One row per named model/run: PLCC, SROCC, KRCC, RMSE, n.
    public static func benign(_ entries: [(name: String, metrics: BenignMetrics)], decimals: Int = 3) -> MarkdownTable {
        var table = MarkdownTable(headers: ["", "PLCC", "SROCC", "KRCC", "RMSE", "n"],
                                  alignments: [.left, .right, .right, .right, .right, .right])
        for (name, m) in entries {
            table.append([name] + [m.plcc, m.srocc, m.krcc].map { NumberFormat.fixed($0, decimals: decimals) }
                         + [NumberFormat.fixed(m.rmse, decimals: 2), String(m.n)])
        }
        return table
    }

    /// One row per stage, sorted by name: seconds with one decimal.
    public static func timings(_ timings: [String: Double], heading: String = "stage") -> MarkdownTable {
        var table = MarkdownTable(headers: [heading, "seconds"], alignments: [.left, .right])
        for (k, v) in timings.sorted(by: { $0.key < $1.key }) { table.append([k, NumberFormat.fixed(v, decimals: 1)]) }
        return table
    }
}
