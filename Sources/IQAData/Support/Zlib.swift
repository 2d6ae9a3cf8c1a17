import CImageCodecs

/// zlib streams in memory, through the C shim (MAT files store their variables as zlib streams).
enum Zlib {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Inflates one complete zlib stream; `maxOutput` caps the result so that a damaged or hostile
    /// length cannot make us allocate without bound.
    static func inflate(_ data: ArraySlice<UInt8>, maxOutput: Int) throws -> [UInt8] {
        var err = [CChar](repeating: 0, count: Int(IC_ERROR_CAPACITY))
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let rc = data.withUnsafeBufferPointer { buf in
            ic_zlib_inflate(buf.baseAddress, buf.count, maxOutput, &out, &size, nil, &err)
        }
        guard rc == 0, let out else { throw Failure(description: String(cString: err)) }
        defer { ic_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// Compresses `data` as one zlib stream (tests build MAT files with it).
    static func deflate(_ data: [UInt8], level: Int32 = -1) throws -> [UInt8] {
        var err = [CChar](repeating: 0, count: Int(IC_ERROR_CAPACITY))
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let rc = data.withUnsafeBufferPointer { buf in
            ic_zlib_deflate(buf.baseAddress, buf.count, level, &out, &size, &err)
        }
        guard rc == 0, let out else { throw Failure(description: String(cString: err)) }
        defer { ic_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}
