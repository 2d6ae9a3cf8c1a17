import ArgumentParser
import Foundation
import IQAModels
import Pipelines

struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Published ImageNet weights for the paper's backbones, fetched once into a cache.",
        discussion: """
        The cache is BAIQA_CACHE_DIR, else $XDG_CACHE_HOME/baiqa, else ~/.cache/baiqa (or --cache DIR); \
        files live in its weights/ folder under torchvision's names and are checked against the SHA-256 \
        prefix in the name on every use. BAIQA_WEIGHTS_BASE_URL fetches the same names from a mirror. \
        Offline: place the file by hand in <cache>/weights/. `--backbone-weights imagenet` on train, \
        experiment and pretrain (and `backbone_weights: imagenet` in a suite config) resolves through it.
        """,
        subcommands: [Get.self, List.self])

    struct CacheOption: ParsableArguments {
        @Option(help: "Cache folder (default: BAIQA_CACHE_DIR, $XDG_CACHE_HOME/baiqa or ~/.cache/baiqa).") var cache: String?
        func cache(monitor: ConsoleMonitor? = nil) -> WeightsCache {
            WeightsCache(folder: cache.map { URL(fileURLWithPath: $0) }, monitor: monitor)
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Download (or find in the cache) and verify a backbone's ImageNet weights; prints the file.")
        @Argument(help: "resnet18, resnet34, resnet50 or vgg16.") var name: String
        @OptionGroup var cache: CacheOption

        func run() throws {
            guard let weights = PublishedWeights.named(name) else {
                throw ValidationError("unknown weights '\(name)' (\(PublishedWeights.catalog.map(\.name).joined(separator: ", ")))")
            }
            print(try cache.cache(monitor: ConsoleMonitor()).get(weights).path)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The published weights, their URLs and whether the cache holds them.")
        @OptionGroup var cache: CacheOption

        func run() throws {
            let store = cache.cache()
            print("cache: \(store.folder.appendingPathComponent("weights").path)")
            for w in PublishedWeights.catalog {
                let present = FileManager.default.fileExists(atPath: store.file(for: w).path)
                print("\(w.name.padding(toLength: 9, withPad: " ", startingAt: 0)) \(present ? "cached " : "absent ") \(w.url.absoluteString)  (\(w.note))")
            }
        }
    }
}
