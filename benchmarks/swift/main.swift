// baiqa-bench: micro-benchmarks of baiqa's training steps, printed as JSON lines so that
// benchmarks/run_resnet18_step.sh can put them beside the PyTorch numbers.
import Foundation
import IQAModels
import Torch

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

func resnet18Step(channelsLast: Bool, batch: Int, warmup: Int, steps: Int) throws -> [String: Any] {
    Runtime.manualSeed(0)
    let store = ParameterStore(channelsLast: channelsLast)
    let model = try ResNetClassifier(store: store, spec: .resnet18)
    let sgd = SGD(groups: [ParameterGroup(store: store, learningRate: 0.01, weightDecay: 1e-4)], momentum: 0.9)
    let x = try Tensor.randn([batch, 3, 224, 224])
    let y = try Tensor.randint(high: 1000, shape: [batch])
    var times: [Double] = []
    for i in 0..<(warmup + steps) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let loss = try F.crossEntropy(model(x), y)
        sgd.zeroGrad()
        try loss.backward()
        try sgd.step()
        let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        if i >= warmup { times.append(dt) }
    }
    return ["impl": "baiqa", "bench": "resnet18_train_step", "channels_last": channelsLast, "batch": batch,
            "threads": Runtime.threads, "params": store.parameterCount, "median_s": median(times),
            "min_s": times.min()!, "steps": steps]
}

let args = CommandLine.arguments
let steps = args.count > 1 ? Int(args[1]) ?? 20 : 20
for cl in [false, true] {
    let r = try resnet18Step(channelsLast: cl, batch: 8, warmup: 3, steps: steps)
    let data = try JSONSerialization.data(withJSONObject: r, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}
