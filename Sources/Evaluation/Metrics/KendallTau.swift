// Kendall's τ-b (KRCC), as scipy.stats.kendalltau's default (variant "b"), in O(n log n).

extension Metrics {
    /// Kendall's rank correlation τ-b between `predictions` and `labels`:
    /// τ_b = (C − D) / sqrt((N − T_x)(N − T_y)), with N = n(n−1)/2 pairs, C/D the concordant/discordant
    /// pairs and T_x/T_y the pairs tied in x/y. NaN when either input is constant (as scipy).
    /// Knight's algorithm: sort by (x, y), then count discordant pairs as inversions of y (merge sort).
    public static func krcc(_ predictions: [Double], _ labels: [Double]) throws -> Double {
        try checkPaired(predictions, labels)
        let x = predictions, y = labels
        let n = x.count
        let order = x.indices.sorted { x[$0] < x[$1] || (x[$0] == x[$1] && y[$0] < y[$1]) }

        // Pairs tied in x, and pairs tied in both x and y (runs of equal y inside each x run).
        var xTies = 0, jointTies = 0
        var start = 0
        while start < n {
            var end = start
            while end + 1 < n && x[order[end + 1]] == x[order[start]] { end += 1 }
            xTies += pairs(end - start + 1)
            var a = start
            while a <= end {
                var b = a
                while b + 1 <= end && y[order[b + 1]] == y[order[a]] { b += 1 }
                jointTies += pairs(b - a + 1)
                a = b + 1
            }
            start = end + 1
        }

        // Discordant pairs = strict inversions of y in (x, y) order; the sort leaves y ascending.
        var ys = order.map { y[$0] }
        let discordant = sortCountingInversions(&ys)
        var yTies = 0
        start = 0
        while start < n {
            var end = start
            while end + 1 < n && ys[end + 1] == ys[start] { end += 1 }
            yTies += pairs(end - start + 1)
            start = end + 1
        }

        let total = pairs(n)
        guard xTies < total, yTies < total else { return .nan }
        let concordantMinusDiscordant = total - xTies - yTies + jointTies - 2 * discordant
        let tau = Double(concordantMinusDiscordant)
            / Double(total - xTies).squareRoot() / Double(total - yTies).squareRoot()
        return min(1, max(-1, tau))
    }

    private static func pairs(_ count: Int) -> Int { count * (count - 1) / 2 }

    /// Sorts `values` ascending (bottom-up merge sort) and returns the number of pairs i < j with
    /// values[i] > values[j] (equal values are not inversions).
    private static func sortCountingInversions(_ values: inout [Double]) -> Int {
        let n = values.count
        var buffer = values
        var inversions = 0
        var width = 1
        while width < n {
            var lo = 0
            while lo < n {
                let mid = min(lo + width, n), hi = min(lo + 2 * width, n)
                var i = lo, j = mid, k = lo
                while i < mid && j < hi {
                    if values[j] < values[i] {
                        buffer[k] = values[j]; j += 1
                        inversions += mid - i
                    } else {
                        buffer[k] = values[i]; i += 1
                    }
                    k += 1
                }
                while i < mid { buffer[k] = values[i]; i += 1; k += 1 }
                while j < hi { buffer[k] = values[j]; j += 1; k += 1 }
                lo = hi
            }
            swap(&values, &buffer)
            width *= 2
        }
        return inversions
    }
}
