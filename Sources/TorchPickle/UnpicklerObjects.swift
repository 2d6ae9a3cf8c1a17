import Foundation

// The unpickler's working objects: Python values as they are built, before the final conversion.

struct StorageRequest {
    var key: String
    var dtype: TensorDType
    var numel: Int
}

/// Objects on the unpickler's stack. Mutable containers are reference types so that memoized
/// references (BINPUT/BINGET) see later APPENDs and SETITEMs, exactly as in Python.
enum Obj {
    case value(PickleValue)  // immutable leaves: None, bool, int, float, str, bytes, tensor
    case list(ListBox)
    case tuple(TupleBox)
    case dict(DictBox)
    case global(module: String, name: String)
    case storage(StorageBox)
}

final class ListBox { var items: [Obj] = [] }
final class TupleBox {
    var items: [Obj]
    init(_ items: [Obj]) { self.items = items }
}
final class DictBox {
    var keys: [PickleValue] = []
    var values: [Obj] = []
    var index: [PickleValue: Int] = [:]
    func set(_ key: PickleValue, _ value: Obj) {
        if let i = index[key] {
            values[i] = value
        } else {
            index[key] = keys.count
            keys.append(key)
            values.append(value)
        }
    }
}
final class StorageBox {
    let dtype: TensorDType
    let bytes: Data
    init(dtype: TensorDType, bytes: Data) {
        self.dtype = dtype
        self.bytes = bytes
    }
}

/// The Python globals a torch.save pickle may name. Everything else is rejected.
let allowedGlobals: Set<String> = {
    var names: Set<String> = [
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch._tensor._rebuild_from_type_v2",
        "torch.Tensor",
        "torch.nn.parameter.Parameter",
        "collections.OrderedDict",
        "torch.Size",
        "_codecs.encode",
    ]
    for d in TensorDType.allCases { names.insert("torch.\(d.storageClassName)") }
    return names
}()
