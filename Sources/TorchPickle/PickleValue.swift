import Foundation

/// A Python object as it appears in a `torch.save` file, reduced to plain data.
///
/// Why a closed enum: checkpoints hold only a handful of kinds of objects (dicts of tensors plus
/// some metadata), and a closed set lets the reader refuse everything else instead of emulating
/// Python. `OrderedDict` and `dict` both become `.dict` (which keeps insertion order), tuples
/// stay distinct from lists because `torch.load` users may care, and an `nn.Parameter` becomes a
/// `.tensor` whose `requiresGrad` is set.
///
/// Note: `.none` is Python's `None`. When you hold a `PickleValue?`, write `PickleValue.none`
/// explicitly to avoid Swift reading it as `Optional.none`.
public enum PickleValue: Hashable, Sendable {
    case none
    case bool(Bool)
    /// Python ints that fit in 64 bits (larger ones are rejected when reading).
    case int(Int64)
    case double(Double)
    case string(String)
    case bytes(Data)
    case list([PickleValue])
    case tuple([PickleValue])
    /// `dict` or `collections.OrderedDict`; insertion order is kept.
    case dict(PickleDict)
    case tensor(TensorRecord)
}

// MARK: - Convenience accessors

extension PickleValue {
    public var isNone: Bool {
        if case .none = self { return true }
        return false
    }

    public var boolValue: Bool? {
        if case .bool(let v) = self { return v }
        return nil
    }

    public var intValue: Int64? {
        if case .int(let v) = self { return v }
        return nil
    }

    /// The value as a Double: a `.double`, or an `.int` converted (Python code often mixes them).
    public var doubleValue: Double? {
        switch self {
        case .double(let v): return v
        case .int(let v): return Double(v)
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let v) = self { return v }
        return nil
    }

    public var bytesValue: Data? {
        if case .bytes(let v) = self { return v }
        return nil
    }

    /// The elements of a list or of a tuple.
    public var arrayValue: [PickleValue]? {
        switch self {
        case .list(let v), .tuple(let v): return v
        default: return nil
        }
    }

    public var dictValue: PickleDict? {
        if case .dict(let v) = self { return v }
        return nil
    }

    public var tensorValue: TensorRecord? {
        if case .tensor(let v) = self { return v }
        return nil
    }

    /// Dictionary lookup by string key; `nil` when this is not a dict or the key is absent.
    public subscript(key: String) -> PickleValue? {
        dictValue?[key]
    }
}

// MARK: - Literals (handy for building values to save, and in tests)

extension PickleValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: PickleValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (PickleValue, PickleValue)...) {
        self = .dict(PickleDict(elements))
    }
}

// MARK: - Ordered dictionary

/// An insertion-ordered dictionary keyed by `PickleValue`, like Python's `dict`.
///
/// Why not `[PickleValue: PickleValue]`: a state_dict's order is meaningful (it is the module's
/// registration order), and writing a file back should keep it. Setting an existing key keeps
/// its position, as in Python. Equality is order-sensitive (like `OrderedDict`).
public struct PickleDict: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var keys: [PickleValue] = []
    public private(set) var values: [PickleValue] = []
    private var index: [PickleValue: Int] = [:]

    public init() {}

    /// Builds a dict from pairs; a repeated key keeps its first position and its last value.
    public init<S: Sequence>(_ pairs: S) where S.Element == (PickleValue, PickleValue) {
        for (k, v) in pairs { self[k] = v }
    }

    public init(dictionaryLiteral elements: (PickleValue, PickleValue)...) {
        self.init(elements)
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public subscript(key: PickleValue) -> PickleValue? {
        get { index[key].map { values[$0] } }
        set {
            if let i = index[key] {
                if let newValue {
                    values[i] = newValue
                } else {
                    keys.remove(at: i)
                    values.remove(at: i)
                    index = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
                }
            } else if let newValue {
                index[key] = keys.count
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    public subscript(key: String) -> PickleValue? {
        get { self[PickleValue.string(key)] }
        set { self[PickleValue.string(key)] = newValue }
    }

    /// Entries in insertion order.
    public var entries: [(key: PickleValue, value: PickleValue)] {
        Array(zip(keys, values)).map { (key: $0.0, value: $0.1) }
    }

    public func makeIterator() -> AnyIterator<(key: PickleValue, value: PickleValue)> {
        var i = 0
        return AnyIterator {
            guard i < keys.count else { return nil }
            defer { i += 1 }
            return (key: keys[i], value: values[i])
        }
    }

    public static func == (a: PickleDict, b: PickleDict) -> Bool {
        a.keys == b.keys && a.values == b.values
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(keys)
        hasher.combine(values)
    }
}

extension PickleValue {
    /// What kind of Python object this is, for error messages ("a dict", "a tensor", …).
    public var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "a bool"
        case .int: return "an int"
        case .double: return "a float"
        case .string: return "a string"
        case .bytes: return "bytes"
        case .list: return "a list"
        case .tuple: return "a tuple"
        case .dict: return "a dict"
        case .tensor: return "a tensor"
        }
    }
}
