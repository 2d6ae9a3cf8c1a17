import Foundation

extension NPYArray {
    /// Writes little-endian float32 `values` in C order as a NumPy .npy file (format 1.0), atomically.
    public static func write(float32 values: [Float], shape: [Int], to url: URL) throws {
        guard shape.reduce(1, *) == values.count else { throw DatasetError(file: url.path, "npy: shape \(shape) does not match \(values.count) values") }
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        // magic(6) + version(2) + length(2) + header, padded with spaces to a multiple of 64, ending in \n
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        values.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: $0.count * 4)) }
        try data.write(to: url, options: .atomic)
    }
}
