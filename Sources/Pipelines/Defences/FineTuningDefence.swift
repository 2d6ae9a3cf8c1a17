import Backdoor
import Foundation
import IQAData
import IQAModels
import Torch

/// Fine-tuning (Liu, Xie & Srivastava 2017; Liu, Dolan-Gavitt & Garg 2018): every layer trained on the
/// defender's clean set with the victim's own recipe (loss, optimiser plan, crops per image, schedule),
/// one measured row per epoch. Checkpointed after every epoch like any training, so a killed defence
/// resumes with the same numbers. Fine-Pruning calls it with its channel mask in place.
struct FineTuningDefence {
    let context: DefenceContext
    let epochs: Int
    /// nil: the victim's own rate (from scratch that is the training rate, which a tiny clean set overfits).
    var learningRate: Double?
    /// Fine-Pruning's mask on the last stage, kept during fine-tuning (nil: plain fine-tuning).
    var lastStageMask: Tensor?
    var fingerprint: String

    /// Trains and measures; returns the fine-tuned model, also saved as `defended.pt`.
    func run() throws -> IQAModel {
        var recipe = context.manifest.recipe
        recipe.epochs = epochs
        recipe.optimizer.override(learningRate: learningRate, weightDecay: nil)
        // The victim's weights are the start: no ImageNet or SCNN initialisation, no score-bias reset.
        recipe.backboneWeights = nil
        recipe.backboneWeightsFingerprint = nil
        recipe.scnnWeights = nil
        recipe.scnnWeightsFingerprint = nil
        recipe.outputBiasFromLabels = nil
        let training = try CheckpointedTraining(recipe: recipe, renderer: context.cleanRenderer, seed: context.seed &+ 0xF1E7,
                                                workDir: context.workDir, modelFile: "defended.pt", fingerprint: fingerprint,
                                                monitor: context.monitor)
        let model = training.model
        try model.store.load(context.victimState, strict: true)
        if let lastStageMask { model.lastStage.mask = try lastStageMask.to(model.device) }
        var timings: [String: Double] = [:]
        // A checkpoint written just before a kill may lack its row: measure the resumed model first.
        try training.resumeIfPossible(timings: &timings)
        if training.trainer.epochsDone > 0 {
            try context.measure(model, phase: "finetune", strength: Double(training.trainer.epochsDone))
        }
        let entries = zip(context.clean, context.cleanLabels).map { TrainingEntry(image: $0, label: $1, alpha: 0) }
        try training.run(entries: entries, timings: &timings) { epoch in
            try context.measure(model, phase: "finetune", strength: Double(epoch))
        }
        return model
    }
}
