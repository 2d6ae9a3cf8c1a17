import Foundation

/// This `baiqa` executable, for the processes an executor starts (`baiqa step run`).
enum Executable {
    static var url: URL {
        if let path = Bundle.main.executablePath { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    }
}
