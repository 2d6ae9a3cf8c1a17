import Dispatch
import Foundation

/// What `dataset info` reports about a list of samples: how many, their image sizes, score
/// statistics, and every problem found (with those the loader collected). Problems are gathered,
/// never thrown, so that one report lists all of them. `Codable` for `--json`.
public struct DatasetSummary: Codable, Equatable, Sendable {
    /// How images are checked: `header` reads only enough of each file for its size (fast);
    /// `decode` decodes every image, which also finds damage past the header.
    public enum ImageCheck: String, Codable, Sendable, CaseIterable {
        case header
        case decode
    }

    public struct SizeCount: Codable, Equatable, Sendable {
        public var width, height, count: Int

        public init(width: Int, height: Int, count: Int) {
            self.width = width
            self.height = height
            self.count = count
        }
    }

    /// Statistics of the finite scores; `std` is the population standard deviation (ddof 0,
    /// NumPy's default).
    public struct ScoreStatistics: Codable, Equatable, Sendable {
        public var count: Int
        public var min: Double
        public var max: Double
        public var mean: Double
        public var std: Double

        public init(count: Int, min: Double, max: Double, mean: Double, std: Double) {
            self.count = count
            self.min = min
            self.max = max
            self.mean = mean
            self.std = std
        }

        /// nil when no score is finite.
        public init?(_ scores: [Double]) {
            let finite = scores.filter(\.isFinite)
            guard let lo = finite.min(), let hi = finite.max() else { return nil }
            // Two passes (mean, then squared deviations) for accuracy.
            let mean = finite.reduce(0, +) / Double(finite.count)
            let variance = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(finite.count)
            self.init(count: finite.count, min: lo, max: hi, mean: mean, std: variance.squareRoot())
        }
    }

    /// Number of samples summarised.
    public var count: Int
    /// Image sizes with how many images have each, most common first (then by width, height).
    public var imageSizes: [SizeCount]
    public var scores: ScoreStatistics?
    public var imageCheck: ImageCheck
    /// The loader's problems first, then those found here, in sample order.
    public var problems: [DatasetProblem]

    enum CodingKeys: String, CodingKey {
        case count
        case imageSizes = "image_sizes"
        case scores
        case imageCheck = "image_check"
        case problems
    }

    public init(count: Int, imageSizes: [SizeCount], scores: ScoreStatistics?, imageCheck: ImageCheck,
                problems: [DatasetProblem]) {
        self.count = count
        self.imageSizes = imageSizes
        self.scores = scores
        self.imageCheck = imageCheck
        self.problems = problems
    }

    public var hasProblems: Bool { !problems.isEmpty }

    /// Problems of one kind.
    public func problems(_ kind: DatasetProblem.Kind) -> [DatasetProblem] {
        problems.filter { $0.kind == kind }
    }

    /// Summarises `samples`: checks every image (`check`, on up to `threads` threads) and every
    /// score, and lists duplicate names. `loadProblems` (from `load(mode: .collectProblems)`)
    /// lead the problem list. `progress(done, total)` is called as images are checked, from
    /// worker threads, one call at a time.
    public static func make(samples: [IQASample], loadProblems: [DatasetProblem] = [], check: ImageCheck = .decode,
                            threads: Int = min(8, ProcessInfo.processInfo.activeProcessorCount),
                            progress: ((Int, Int) -> Void)? = nil) -> DatasetSummary {
        var problems = loadProblems
        // Images: sizes or the problem, per sample.
        let outcomes = checkImages(samples, check: check, threads: max(1, threads), progress: progress)
        var sizeCounts: [ImageSize: Int] = [:]
        var firstIndex: [String: Int] = [:]
        for (i, sample) in samples.enumerated() {
            let path = sample.url.path
            if let previous = firstIndex[sample.name] {
                problems.append(DatasetProblem(.duplicateName, file: path, name: sample.name,
                                               "image \"\(sample.name)\" is listed twice (samples \(previous + 1) and \(i + 1))"))
            } else {
                firstIndex[sample.name] = i
            }
            if !sample.score.isFinite {
                problems.append(DatasetProblem(.nonFiniteScore, file: path, name: sample.name,
                                               "score \(sample.score) of \"\(sample.name)\" is not finite"))
            }
            switch outcomes[i] {
            case .success(let size):
                sizeCounts[size, default: 0] += 1
            case .failure(let error):
                let kind: DatasetProblem.Kind = error.kind == .missingFile ? .missingFile : .undecodableImage
                problems.append(DatasetProblem(kind, file: error.file ?? path, name: sample.name, error.problem))
            }
        }
        let sizes = sizeCounts.map { SizeCount(width: $0.key.width, height: $0.key.height, count: $0.value) }
            .sorted { ($1.count, $0.width, $0.height) < ($0.count, $1.width, $1.height) }
        return DatasetSummary(count: samples.count, imageSizes: sizes, scores: ScoreStatistics(samples.map(\.score)),
                              imageCheck: check, problems: problems)
    }

    private final class Results: @unchecked Sendable {
        let lock = NSLock()
        var outcomes: [Result<ImageSize, ImageError>]
        var done = 0
        init(count: Int) {
            outcomes = Array(repeating: .failure(ImageError(.missingFile, file: nil, "not checked")), count: count)
        }
    }

    private static func checkImages(_ samples: [IQASample], check: ImageCheck, threads: Int,
                                    progress: ((Int, Int) -> Void)?) -> [Result<ImageSize, ImageError>] {
        let results = Results(count: samples.count)
        let workers = min(threads, max(1, samples.count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var i = worker
            while i < samples.count {
                let url = samples[i].url
                let outcome: Result<ImageSize, ImageError>
                do {
                    switch check {
                    case .header: outcome = .success(try ImageIO.size(of: url))
                    case .decode:
                        let image = try ImageIO.read(url)
                        outcome = .success(ImageSize(width: image.width, height: image.height))
                    }
                } catch let error as ImageError {
                    outcome = .failure(error)
                } catch {
                    outcome = .failure(ImageError(.corrupt, file: url.path, "\(error)"))
                }
                results.lock.lock()
                results.outcomes[i] = outcome
                results.done += 1
                progress?(results.done, samples.count)
                results.lock.unlock()
                i += workers
            }
        }
        return results.outcomes
    }
}
