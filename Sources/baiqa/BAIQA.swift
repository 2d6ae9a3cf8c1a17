import ArgumentParser

@main
struct BAIQA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baiqa",
        abstract: "Backdoor attacks against no-reference image quality assessment models (BAIQA, AAAI 2025).",
        discussion: """
        Run `baiqa experiment` for a complete small P-BAIQA experiment on the built-in dataset. \
        Every step writes files that PyTorch's torch.load and the other steps read.
        """,
        version: "0.1.0",
        subcommands: [ExperimentCommand.self, TrainCommand.self, EvaluateCommand.self, ScoreCommand.self, DatasetCommand.self, TriggerCommand.self, ModelsCommand.self, PretrainCommand.self, PGDCommand.self, PoisonCommand.self, RobustnessCommand.self, AuditCommand.self, DefendCommand.self, PlotCommand.self, RunsCommand.self, StepCommand.self, WeightsCommand.self]
    )
}
