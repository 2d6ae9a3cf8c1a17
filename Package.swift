// swift-tools-version:5.9
// baiqa: backdoor attacks against NR-IQA models (BAIQA, AAAI 2025) on libtorch.
import Foundation
import PackageDescription

// Which libtorch to build against. Default: Debian's libtorch-dev, whose headers and libraries sit on
// the compiler's default paths, so no flags are needed (and no unsafeFlags, so that other packages can
// depend on our library products). With LIBTORCH=/path/to/libtorch (a pip or CUDA build) we add its
// include and lib folders; SwiftPM only allows those as unsafeFlags, which is fine for a root package.
// `scripts/setup.sh --libtorch pypi|pypi-cuda` unpacks a PyTorch wheel's libtorch into .libtorch/ and
// points .libtorch/current at it; that is used without any variable.
let env = ProcessInfo.processInfo.environment
let unpacked = Context.packageDirectory + "/.libtorch/current"
// LIBTORCH=debian builds against Debian's libtorch-dev even where .libtorch/current exists.
let libtorch: String? = env["LIBTORCH"] == "debian" ? nil : env["LIBTORCH"].flatMap { $0.isEmpty ? nil : $0 }
    ?? (FileManager.default.fileExists(atPath: unpacked + "/lib") ? URL(fileURLWithPath: unpacked).resolvingSymlinksInPath().path : nil)

var shimCxx: [CXXSetting] = [.define("_GLIBCXX_USE_CXX11_ABI", to: env["LIBTORCH_CXX11_ABI"] ?? "1")]
var shimLinker: [LinkerSetting] = [.linkedLibrary("torch"), .linkedLibrary("torch_cpu"), .linkedLibrary("c10")]
if let root = libtorch {
    shimCxx.append(.unsafeFlags(["-I\(root)/include", "-I\(root)/include/torch/csrc/api/include"]))
    shimLinker.append(.unsafeFlags(["-L\(root)/lib", "-Xlinker", "-rpath", "-Xlinker", "\(root)/lib"]))
    // A CUDA build registers its kernels from libtorch_cuda/c10_cuda; keep them linked even though
    // no symbol of theirs is referenced directly.
    if FileManager.default.fileExists(atPath: "\(root)/lib/libtorch_cuda.so") {
        shimLinker.append(.unsafeFlags(["-Xlinker", "--no-as-needed", "-ltorch_cuda", "-lc10_cuda", "-Xlinker", "--as-needed"]))
    }
}

// libtorch ≥ 2.14's headers need C++20 (`<=>`, std::basic_common_reference); 1.13's are C++17.
func libtorchVersion(_ root: String?) -> (major: Int, minor: Int) {
    let include = root.map { "\($0)/include" } ?? "/usr/include"
    for header in ["torch/headeronly/version.h", "torch/csrc/api/include/torch/version.h"] {
        guard let text = try? String(contentsOfFile: "\(include)/\(header)", encoding: .utf8) else { continue }
        func value(_ name: String) -> Int? {
            text.split(separator: "\n").first { $0.hasPrefix("#define \(name) ") }.flatMap { Int($0.split(separator: " ").last ?? "") }
        }
        if let major = value("TORCH_VERSION_MAJOR"), let minor = value("TORCH_VERSION_MINOR") { return (major, minor) }
    }
    return (1, 13)
}
let torchVersion = libtorchVersion(libtorch)
let cxxStandard: CXXLanguageStandard = (torchVersion.major, torchVersion.minor) >= (2, 14) ? .cxx20 : .cxx17

let package = Package(
    name: "baiqa",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Torch", targets: ["Torch"]),
        .library(name: "IQAData", targets: ["IQAData"]),
        .library(name: "IQAModels", targets: ["IQAModels"]),
        .library(name: "Backdoor", targets: ["Backdoor"]),
        .library(name: "Evaluation", targets: ["Evaluation"]),
        .library(name: "Pipelines", targets: ["Pipelines"]),
        .executable(name: "baiqa", targets: ["baiqa"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // Layer 0: C/C++ shims.
        .target(name: "CTorch", cxxSettings: shimCxx, linkerSettings: shimLinker),
        .target(name: "CImageCodecs",
                linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png"), .linkedLibrary("z")]),
        // Layer 1: tensors, layers, optimisers, files.
        .target(name: "TorchPickle"),
        .target(name: "Torch", dependencies: ["CTorch", "TorchPickle"]),
        // Layer 2: IQA data and models.
        .target(name: "IQAData", dependencies: ["CImageCodecs", "Torch", "TorchPickle"]),
        .target(name: "IQAModels", dependencies: ["Torch", "IQAData"]),
        // Layer 3: backdoor attacks, then metrics and reports.
        .target(name: "Backdoor", dependencies: ["Torch", "IQAData", "IQAModels"]),
        .target(name: "Evaluation", dependencies: ["Torch", "IQAData", "IQAModels", "Backdoor"]),
        // Layer 4: pipelines (runs, experiments, the attack suite and its step store).
        .target(name: "Pipelines", dependencies: ["Torch", "TorchPickle", "IQAData", "IQAModels", "Backdoor", "Evaluation",
                                                  .product(name: "Yams", package: "Yams")]),
        // Layer 5: the command-line tool (parses options, calls one Pipelines function, prints).
        .executableTarget(name: "baiqa", dependencies: [
            "Torch", "IQAData", "IQAModels", "Backdoor", "Evaluation", "Pipelines",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Benchmarks (not tests): see benchmarks/README.md.
        .executableTarget(name: "baiqa-bench", dependencies: ["Torch", "IQAData", "IQAModels", "Backdoor", "Evaluation", "Pipelines"], path: "benchmarks/swift"),
        .testTarget(name: "TorchPickleTests", dependencies: ["TorchPickle"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TorchTests", dependencies: ["Torch", "TorchPickle"], resources: [.copy("Fixtures")]),
        .testTarget(name: "IQADataTests", dependencies: ["IQAData"], resources: [.copy("Fixtures")]),
        .testTarget(name: "IQAModelsTests", dependencies: ["IQAModels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "BackdoorTests", dependencies: ["Backdoor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PipelinesTests", dependencies: ["Pipelines"]),
        .testTarget(name: "baiqaTests", dependencies: ["baiqa", "baiqa-bench", "Torch", "TorchPickle", "IQAData"]),
    ],
    cxxLanguageStandard: cxxStandard
)
