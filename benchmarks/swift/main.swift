// baiqa-bench: micro-benchmarks of baiqa's training steps, printed as JSON lines so that
// benchmarks/run_resnet18_step.sh can put them beside the PyTorch numbers.
import Foundation
import IQAModels
import Pipelines
import Torch

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

/// Medians over `steps` timed train steps after `warmup` untimed ones, split into forward (with the
/// loss), backward and optimiser phases.
struct StepTimes {
    var total: [Double] = [], forward: [Double] = [], backward: [Double] = [], optimizer: [Double] = []

    /// On a GPU every phase ends with a synchronisation, so that it is timed, not only queued.
    static func measure(warmup: Int, steps: Int, optimizer: Optimizer, loss: () throws -> Tensor) throws -> StepTimes {
        var t = StepTimes()
        let device = Runtime.defaultDevice
        func now() -> UInt64 { Runtime.synchronize(device); return DispatchTime.now().uptimeNanoseconds }
        for i in 0..<(warmup + steps) {
            let t0 = now()
            let l = try loss()
            let t1 = now()
            optimizer.zeroGrad()
            try l.backward()
            let t2 = now()
            try optimizer.step()
            let t3 = now()
            guard i >= warmup else { continue }
            t.total.append(Double(t3 - t0) / 1e9)
            t.forward.append(Double(t1 - t0) / 1e9)
            t.backward.append(Double(t2 - t1) / 1e9)
            t.optimizer.append(Double(t3 - t2) / 1e9)
        }
        return t
    }

    var fields: [String: Any] {
        ["median_s": median(total), "min_s": total.min()!, "forward_s": median(forward), "backward_s": median(backward),
         "optimizer_s": median(optimizer), "steps": total.count, "device": Runtime.defaultDevice.description, "libtorch": Runtime.libtorchVersion]
    }
}

func resnet18Step(channelsLast: Bool, batch: Int, warmup: Int, steps: Int) throws -> [String: Any] {
    Runtime.manualSeed(0)
    let store = ParameterStore(device: Runtime.defaultDevice, channelsLast: channelsLast)
    let model = try ResNetClassifier(store: store, spec: .resnet18)
    let sgd = SGD(groups: [ParameterGroup(store: store, learningRate: 0.01, weightDecay: 1e-4)], momentum: 0.9)
    let x = try Tensor.randn([batch, 3, 224, 224]).to(Runtime.defaultDevice)
    let y = try Tensor.randint(high: 1000, shape: [batch]).to(Runtime.defaultDevice)
    let t = try StepTimes.measure(warmup: warmup, steps: steps, optimizer: sgd) { try F.crossEntropy(model(x), y) }
    return ["impl": "baiqa", "bench": "resnet18_train_step", "channels_last": channelsLast, "batch": batch,
            "threads": Runtime.threads, "params": store.parameterCount].merging(t.fields) { a, _ in a }
}

func hyperIQAStep(channelsLast: Bool, batch: Int, warmup: Int, steps: Int, backbone: ResNetSpec = .resnet50,
                  crop: Int = 224) throws -> [String: Any] {
    Runtime.manualSeed(0)
    let model = try HyperIQA.make(config: .init(backbone: backbone), channelsLast: channelsLast)
    let adam = Adam(groups: [ParameterGroup(store: model.store, group: HyperIQA.headGroup, learningRate: 2e-4, weightDecay: 5e-4),
                             ParameterGroup(store: model.store, group: 0, learningRate: 2e-5, weightDecay: 5e-4)])
    let x = try Tensor.randn([batch, 3, crop, crop]).to(model.device)
    let y = try (Tensor.rand([batch]) * 100).to(model.device)
    let t = try StepTimes.measure(warmup: warmup, steps: steps, optimizer: adam) { try F.l1Loss(model.scores(x), y) }
    return ["impl": "baiqa", "bench": "hyperiqa_\(backbone.name)_train_step", "crop": crop, "channels_last": channelsLast, "batch": batch,
            "threads": Runtime.threads, "params": model.store.parameterCount].merging(t.fields) { a, _ in a }
}

/// One train step of a model zoo recipe (`cpu` or `paper` preset): Adam over every parameter, the recipe's loss.
func recipeStep(kind: ModelKind, preset: String, channelsLast: Bool, warmup: Int, steps: Int) throws -> [String: Any] {
    Runtime.manualSeed(0)
    let recipe = TrainingRecipe.preset(preset, model: kind)!
    let model = try recipe.model.make(channelsLast: channelsLast)
    let adam = Adam(groups: [ParameterGroup(store: model.store, learningRate: 1e-4, weightDecay: 5e-4)])
    model.store.train()
    let x = try Tensor.randn([recipe.batchSize, 3, recipe.cropSize, recipe.cropSize]).to(model.device)
    let y = try (Tensor.rand([recipe.batchSize]) * 100).to(model.device)
    let t = try StepTimes.measure(warmup: warmup, steps: steps, optimizer: adam) {
        let p = try model.scores(x)
        return recipe.loss == .l1 ? try F.l1Loss(p, y) : try F.mseLoss(p, y)
    }
    return ["impl": "baiqa", "bench": "\(kind.rawValue)_\(preset)_train_step", "crop": recipe.cropSize, "batch": recipe.batchSize,
            "channels_last": channelsLast, "threads": Runtime.threads, "params": model.store.parameterCount].merging(t.fields) { a, _ in a }
}

func emit(_ r: [String: Any]) throws {
    print(String(decoding: try JSONSerialization.data(withJSONObject: r, options: [.sortedKeys]), as: UTF8.self))
}

// Usage: baiqa-bench [steps]                 ResNet-18 train step, NCHW and channels-last
//        baiqa-bench hyperiqa [steps]        HyperIQA-ResNet-50 train step, batch 32
//        baiqa-bench hyperiqa-cpu [steps]    the cpu preset's HyperIQA (ResNet-10 w32) step, batch 16 of 128²
//        baiqa-bench step MODEL PRESET [steps]  a zoo recipe's train step (e.g. step tres cpu)
//        baiqa-bench search [batch] [steps]       Algorithm 1, one batch (HyperIQA-R50 surrogate, 224² crops)
//        baiqa-bench pgd [views] [steps]          C-BAIQA's PGD on one 500×500 image
//        baiqa-bench sweep [images] [patches]     the α sweep (clean + 20 α passes)
//        baiqa-bench datapath ROOT [seconds]  data path on LIVEC-layout ROOT vs a train step
//        baiqa-bench koniq-layout ROOT [count] [bases]  a KonIQ-sized dataset (1024×768 JPEGs) for the memory run
//        baiqa-bench device                  the device BAIQA_DEVICE resolves to, with its name and versions
//        baiqa-bench parity DEVICE           injection, train step, search step, PGD step: DEVICE against the CPU
//        baiqa-bench gpu-summary DIR GPU TESTS_STATUS TESTS_LINE PARITY_STATUS SECONDS   scripts/gpu-check.sh's table
// Every step runs on BAIQA_DEVICE (default: the CPU).
let args = CommandLine.arguments
if let text = ProcessInfo.processInfo.environment["BAIQA_DEVICE"] {
    Runtime.defaultDevice = try DeviceRequest(parsing: text).resolve()
}
if args.count > 1, args[1] == "device" {
    var info = Runtime.computeEnvironment
    info["cuda_devices"] = "\(Runtime.cudaDeviceCount)"
    info["cuda_built"] = "\(Runtime.hasCUDABuild)"
    try emit(info)
} else if args.count > 2, args[1] == "parity" {
    let device = try DeviceRequest(parsing: args[2]).resolve()
    for c in try DeviceParity.run(device: device) {
        try emit(["bench": "parity", "device": device.description, "check": c.name, "relative_difference": c.relativeDifference,
                  "tolerance": c.tolerance, "passed": c.passed])
    }
} else if args.count > 7, args[1] == "gpu-summary" {
    print(GPUCheckSummary.markdown(folder: URL(fileURLWithPath: args[2]), inputs: .init(
        gpu: args[3], testsStatus: Int(args[4]) ?? -1, testsLine: args[5], paritySucceeded: args[6] == "0", seconds: Int(args[7]) ?? 0)), terminator: "")
} else if args.count > 1, args[1] == "hyperiqa" {
    let steps = args.count > 2 ? Int(args[2]) ?? 5 : 5
    let batch = ProcessInfo.processInfo.environment["BENCH_BATCH"].flatMap(Int.init) ?? 32
    for cl in [false, true] { try emit(hyperIQAStep(channelsLast: cl, batch: batch, warmup: 2, steps: steps)) }
} else if args.count > 1, args[1] == "hyperiqa-cpu" {
    let steps = args.count > 2 ? Int(args[2]) ?? 20 : 20
    for cl in [false, true] {
        try emit(hyperIQAStep(channelsLast: cl, batch: 16, warmup: 3, steps: steps, backbone: .resnet10w32, crop: 128))
    }
} else if args.count > 3, args[1] == "step", let kind = ModelKind(rawValue: args[2]) {
    let steps = args.count > 4 ? Int(args[4]) ?? 5 : 5
    for cl in [false, true] { try emit(recipeStep(kind: kind, preset: args[3], channelsLast: cl, warmup: 2, steps: steps)) }
} else if args.count > 1, ["search", "pgd", "sweep"].contains(args[1]) {
    let a = args.count > 2 ? Int(args[2]) : nil, b = args.count > 3 ? Int(args[3]) : nil
    switch args[1] {
    case "search": try emit(AttackStepBench.search(batch: a ?? 32, steps: b ?? 10))
    case "pgd": try emit(AttackStepBench.pgd(views: a ?? 25, steps: b ?? 20))
    default: try emit(AttackStepBench.sweep(count: a ?? 2, patches: b ?? 25))
    }
} else if args.count > 2, args[1] == "datapath" {
    try emit(DataPathBench.run(root: URL(fileURLWithPath: args[2]), seconds: args.count > 3 ? Double(args[3]) ?? 60 : 60, batch: 32))
} else if args.count > 2, args[1] == "koniq-layout" {
    try emit(KonIQLayoutBench.write(to: URL(fileURLWithPath: args[2]), count: args.count > 3 ? Int(args[3]) ?? 10_073 : 10_073,
                                    bases: args.count > 4 ? Int(args[4]) ?? 200 : 200))
} else {
    let steps = args.count > 1 ? Int(args[1]) ?? 20 : 20
    for cl in [false, true] { try emit(resnet18Step(channelsLast: cl, batch: 8, warmup: 3, steps: steps)) }
}
