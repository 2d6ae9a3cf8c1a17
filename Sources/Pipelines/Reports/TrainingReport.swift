import Evaluation
import Foundation

/// `report.md` of a training run: the recipe in one paragraph, the test metrics, the timings.
public enum TrainingReport {
    public static func markdown(_ results: TrainingResults, runName: String) -> String {
        let config = results.config, r = config.recipe
        var out = "# Training run `\(runName)`\n\n"
        out += "\(r.model.kind.displayName) (\(r.model.backboneName)), `\(r.name)` recipe: \(r.epochs) epochs, batch \(r.batchSize), "
        out += "\(r.patchesPerImage) crops of \(r.cropSize)² per image, \(r.loss.rawValue.uppercased()) loss; dataset `\(config.dataset.kind)` at `\(config.dataset.root)`, seed \(config.seed).\n"
        if !r.optimizer.quirks.isEmpty { out += "Official behaviour reproduced: \(r.optimizer.quirks.joined(separator: "; ")).\n" }
        out += "\n## Test split\n\n" + MarkdownTable.benign([(r.model.kind.displayName, results.benign)]).markdown + "\n"
        return out + "## Timings\n\n" + MarkdownTable.timings(results.timings).markdown
    }
}
