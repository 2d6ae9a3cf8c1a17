import CTorch

/// An error raised inside libtorch (bad shape, dtype mismatch, …) or by the Swift layer's own checks.
/// libtorch's C++ exceptions never cross the C boundary: the shim stores their message and we throw it.
public struct TorchError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Reads and clears the shim's thread-local error, throwing it if set.
@inline(__always)
func checkError() throws {
    if let cMessage = ctorch_last_error() {
        let message = String(cString: cMessage)
        ctorch_clear_error()
        throw TorchError(message)
    }
}

/// Wraps a handle returned by the shim, throwing the shim's error when the call failed.
@inline(__always)
func wrapHandle(_ handle: ctorch_tensor?) throws -> Tensor {
    try checkError()
    guard let handle else { throw TorchError("libtorch returned no tensor") }
    return Tensor(owning: handle)
}
