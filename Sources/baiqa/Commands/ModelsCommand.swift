import ArgumentParser
import IQAModels
import Pipelines

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the victim models, their presets, parameter counts and the official quirks they reproduce.")

    @OptionGroup var output: JSONOutputOption

    func run() throws {
        let entries = try ModelCatalogEntry.all()
        if output.json { return print(try JSONFiles.string(entries, keys: .snakeCase)) }
        for e in entries { print(e.line) }
    }
}
