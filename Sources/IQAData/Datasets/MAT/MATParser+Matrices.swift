import Foundation

// Matrix elements (numeric, char, cell) and the file-order integer readers.
extension MATParser {
    // MARK: Matrices

    /// Decodes a miMATRIX element: its name (empty inside cells) and value (nil for the empty
    /// 0-byte matrix MATLAB writes for `[]` cells).
    func matrix(_ element: Element, origin: String, depth: Int) throws -> (String, MATValue?) {
        let at = "matrix at byte \(element.offset)\(origin)"
        if element.data.isEmpty { return ("", nil) }
        guard depth < 8 else { throw Problem("\(at): cell arrays nested too deeply") }
        var sub = Buffer(bytes: element.data, pos: element.data.startIndex, origin: origin)
        let flags = try readElement(&sub)
        guard flags.type == Self.miUINT32, flags.data.count == 8 else {
            throw Problem("\(at): array flags are missing or malformed")
        }
        let flagWord = u32(flags.data.prefix(4))
        let arrayClass = flagWord & 0xFF
        let isComplex = flagWord & 0x0800 != 0

        let dimsElement = try readElement(&sub)
        guard dimsElement.type == Self.miINT32, dimsElement.data.count % 4 == 0, dimsElement.data.count >= 8 else {
            throw Problem("\(at): dimensions are missing or malformed")
        }
        var dims: [Int] = []
        var index = dimsElement.data.startIndex
        while index < dimsElement.data.endIndex {
            let d = Int32(bitPattern: u32(dimsElement.data[index..<index + 4]))
            guard d >= 0 else { throw Problem("\(at): negative dimension \(d)") }
            dims.append(Int(d))
            index += 4
        }
        var count = dims.contains(0) ? 0 : 1
        for d in dims where count > 0 {
            // Every element takes at least one byte, so a count beyond the data is a damaged header.
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= element.data.count else {
                throw Problem("\(at): dimensions \(dimsText(dims)) are larger than its data")
            }
            count = product
        }

        let nameElement = try readElement(&sub)
        guard nameElement.type == Self.miINT8 || nameElement.type == Self.miUINT8 else {
            throw Problem("\(at): array name is missing or malformed")
        }
        let name = String(decoding: nameElement.data, as: UTF8.self)
        let what = name.isEmpty ? at : "variable \"\(name)\""

        guard !isComplex else { throw Problem("\(what): complex arrays are not supported") }
        switch arrayClass {
        case Self.mxCELL:
            var strings: [String] = []
            strings.reserveCapacity(count)
            for i in 0..<count {
                guard sub.remaining > 0 else {
                    throw Problem("truncated: \(what) is a \(dimsText(dims)) cell array but holds only \(i) cells")
                }
                let cell = try readElement(&sub)
                guard cell.type == Self.miMATRIX else {
                    throw Problem("\(what): cell \(i + 1) is data type \(cell.type), expected a matrix")
                }
                let (_, value) = try matrix(cell, origin: origin, depth: depth + 1)
                switch value {
                case nil: strings.append("")
                case .strings(let s) where s.count == 1: strings.append(s[0])
                case .strings(let s) where s.isEmpty: strings.append("")
                case .strings: throw Problem("\(what): cell \(i + 1) is a multi-row char array (only strings are supported)")
                case .doubles: throw Problem("\(what): cell \(i + 1) is numeric (only cells of strings are supported)")
                }
            }
            return (name, .strings(strings))
        case Self.mxCHAR:
            guard sub.remaining > 0 else {
                if count == 0 { return (name, .strings([])) }
                throw Problem("truncated: \(what) has no character data")
            }
            let data = try readElement(&sub)
            return (name, .strings(try chars(data, dims: dims, count: count, what: what)))
        case 6...15:
            guard sub.remaining > 0 else {
                if count == 0 { return (name, .doubles([], dims: dims)) }
                throw Problem("truncated: \(what) has no numeric data")
            }
            let data = try readElement(&sub)
            return (name, .doubles(try numbers(data, count: count, what: what), dims: dims))
        default:
            let className = Self.classNames[arrayClass].map { "\"\($0)\"" } ?? "\(arrayClass)"
            throw Problem("\(what): unsupported class \(className) (only cells of strings, char and numeric arrays are read)")
        }
    }

    func dimsText(_ dims: [Int]) -> String {
        dims.map(String.init).joined(separator: "×")
    }

    /// Numeric data of any storage type, as Doubles.
    func numbers(_ element: Element, count: Int, what: String) throws -> [Double] {
        let size: Int
        switch element.type {
        case Self.miINT8, Self.miUINT8: size = 1
        case Self.miINT16, Self.miUINT16: size = 2
        case Self.miINT32, Self.miUINT32, Self.miSINGLE: size = 4
        case Self.miDOUBLE, Self.miINT64, Self.miUINT64: size = 8
        default: throw Problem("\(what): unsupported numeric data type \(element.type)")
        }
        guard element.data.count == count * size else {
            throw Problem("\(what): \(element.data.count) bytes of data for \(count) values of \(size) bytes")
        }
        var values: [Double] = []
        values.reserveCapacity(count)
        var i = element.data.startIndex
        for _ in 0..<count {
            let raw = element.data[i..<i + size]
            let v: Double
            switch element.type {
            case Self.miINT8: v = Double(Int8(bitPattern: raw.first!))
            case Self.miUINT8: v = Double(raw.first!)
            case Self.miINT16: v = Double(Int16(bitPattern: u16(raw)))
            case Self.miUINT16: v = Double(u16(raw))
            case Self.miINT32: v = Double(Int32(bitPattern: u32(raw)))
            case Self.miUINT32: v = Double(u32(raw))
            case Self.miSINGLE: v = Double(Float(bitPattern: u32(raw)))
            case Self.miINT64: v = Double(Int64(bitPattern: u64(raw)))
            case Self.miUINT64: v = Double(u64(raw))
            default: v = Double(bitPattern: u64(raw))
            }
            values.append(v)
            i += size
        }
        return values
    }

    /// Character data as one string per row (MATLAB stores char matrices column by column).
    func chars(_ element: Element, dims: [Int], count: Int, what: String) throws -> [String] {
        var units: [UInt16] = [] // UTF-16 code units, as MATLAB counts characters
        switch element.type {
        case Self.miUTF8:
            guard let s = String(bytes: element.data, encoding: .utf8) else {
                throw Problem("\(what): character data is not valid UTF-8")
            }
            units = Array(s.utf16)
        case Self.miUINT16, Self.miUTF16, Self.miINT16:
            guard element.data.count % 2 == 0 else { throw Problem("\(what): odd number of bytes of UTF-16 data") }
            var i = element.data.startIndex
            while i < element.data.endIndex {
                units.append(u16(element.data[i..<i + 2]))
                i += 2
            }
        case Self.miUINT8, Self.miINT8:
            units = element.data.map { UInt16($0) } // Latin-1
        case Self.miUTF32:
            guard element.data.count % 4 == 0 else { throw Problem("\(what): UTF-32 data is not a multiple of 4 bytes") }
            var i = element.data.startIndex
            while i < element.data.endIndex {
                guard let scalar = Unicode.Scalar(u32(element.data[i..<i + 4])) else {
                    throw Problem("\(what): invalid UTF-32 character")
                }
                units.append(contentsOf: String(scalar).utf16)
                i += 4
            }
        default:
            throw Problem("\(what): unsupported character data type \(element.type)")
        }
        guard units.count == count else {
            throw Problem("\(what): a \(dimsText(dims)) char array holds \(units.count) characters")
        }
        let rows = dims[0]
        guard rows > 0 else { return [] }
        let columns = count / rows
        var strings: [String] = []
        for r in 0..<rows {
            var row: [UInt16] = []
            row.reserveCapacity(columns)
            for c in 0..<columns { row.append(units[c * rows + r]) }
            strings.append(String(decoding: row, as: UTF16.self))
        }
        return strings
    }

    // MARK: Integers in the file's byte order

    func u16(_ b: ArraySlice<UInt8>) -> UInt16 {
        let i = b.startIndex
        return bigEndian ? UInt16(b[i]) << 8 | UInt16(b[i + 1]) : UInt16(b[i]) | UInt16(b[i + 1]) << 8
    }

    func u32(_ b: ArraySlice<UInt8>) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 {
            let byte = UInt32(b[b.startIndex + k])
            v |= bigEndian ? byte << (8 * (3 - UInt32(k))) : byte << (8 * UInt32(k))
        }
        return v
    }

    func u64(_ b: ArraySlice<UInt8>) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 {
            let byte = UInt64(b[b.startIndex + k])
            v |= bigEndian ? byte << (8 * (7 - UInt64(k))) : byte << (8 * UInt64(k))
        }
        return v
    }
}
