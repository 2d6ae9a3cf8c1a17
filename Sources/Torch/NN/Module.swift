/// A layer or network with one input and one output. Parameters live in the `ParameterStore` the
/// module was built from, which also decides train/eval mode.
public protocol Module: AnyObject {
    func forward(_ input: Tensor) throws -> Tensor
}

extension Module {
    public func callAsFunction(_ input: Tensor) throws -> Tensor { try forward(input) }
}

/// Applies modules in order (torch.nn.Sequential; children are named "0", "1", … by their builders).
public final class Sequential: Module {
    public private(set) var layers: [Module]
    public init(_ layers: [Module]) { self.layers = layers }
    public func forward(_ input: Tensor) throws -> Tensor {
        var x = input
        for layer in layers { x = try layer.forward(x) }
        return x
    }
}

/// A parameter-free function as a module (ReLU, pooling, flatten …).
public final class Lambda: Module {
    let body: (Tensor) throws -> Tensor
    public init(_ body: @escaping (Tensor) throws -> Tensor) { self.body = body }
    public func forward(_ input: Tensor) throws -> Tensor { try body(input) }
}
