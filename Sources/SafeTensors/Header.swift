/// A parsed and validated safetensors header: tensors in data order with their byte ranges,
/// and the `__metadata__` map.
///
/// File layout: 8-byte little-endian header length `n`, `n` bytes of UTF-8 JSON, then the data
/// buffer. Validation follows the format's reference rules: `n` ≤ 100,000,000; strict JSON
/// object; each entry has `dtype`, `shape` and `data_offsets`; shapes are unsigned integers
/// whose product (and product × dtype bits) does not overflow; the byte length is a whole
/// number of bytes equal to the element count × dtype size; offsets sorted by start tile the
/// data buffer from 0 with no hole or overlap and end exactly at its end.
public struct Header: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var info: TensorInfo
        /// Byte range within the data buffer (after the header).
        public var begin: Int
        public var end: Int
    }

    public static let maxLength = 100_000_000

    /// Entries sorted by `begin` (storage order).
    public var entries: [Entry]
    /// `__metadata__` key/value pairs in header order.
    public var metadataPairs: [(key: String, value: String)]

    public var metadata: [String: String] {
        Dictionary(metadataPairs.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    public static func == (a: Header, b: Header) -> Bool {
        a.entries == b.entries
            && a.metadataPairs.elementsEqual(b.metadataPairs) {
                $0.key.bytesEqual($1.key) && $0.value.bytesEqual($1.value)
            }
    }

    /// Reads the 8-byte length prefix; checks it against the limit and the file size.
    public static func length(prefix: UnsafeRawBufferPointer, fileSize: Int, file: String) throws
        -> Int
    {
        guard prefix.count >= 8 else {
            throw SafeTensorsError.fileTooSmall(file: file, size: fileSize)
        }
        let n = UInt64(littleEndian: prefix.loadUnaligned(as: UInt64.self))
        if n > UInt64(maxLength) {
            throw SafeTensorsError.headerTooLarge(file: file, length: n, limit: maxLength)
        }
        if Int(n) > fileSize - 8 {
            throw SafeTensorsError.headerOutOfBounds(file: file, length: n, fileSize: fileSize)
        }
        return Int(n)
    }

    /// Parses a whole file image (length prefix, header, data).
    public init(parsing file: UnsafeRawBufferPointer, name: String) throws {
        let n = try Header.length(prefix: file, fileSize: file.count, file: name)
        let json = UnsafeRawBufferPointer(rebasing: file[8..<(8 + n)])
        try self.init(json: json, dataSize: file.count - 8 - n, file: name)
    }

    /// Parses the JSON part of a header and validates it against a data buffer of `dataSize` bytes.
    public init(json: UnsafeRawBufferPointer, dataSize: Int, file: String) throws {
        let bytes = json.bindMemory(to: UInt8.self)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw SafeTensorsError.invalidUTF8(file: file)
        }
        let root: JSONValue
        do {
            root = try StrictJSONParser.parse(bytes)
        } catch {
            if let key = error.duplicateKey {
                throw SafeTensorsError.duplicateKey(file: file, key: key)
            }
            throw SafeTensorsError.invalidJSON(
                file: file, offset: error.offset, reason: error.reason)
        }
        guard case let .object(members) = root else {
            throw SafeTensorsError.headerNotObject(file: file)
        }
        var entries: [Entry] = []
        var metadata: [(key: String, value: String)] = []
        for (key, value) in members {
            if key == "__metadata__" && key.bytesEqual("__metadata__") {
                metadata = try Header.metadata(value, file: file)
            } else {
                entries.append(try Header.entry(key, value, file: file))
            }
        }
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        var previous: String? = nil
        for e in entries {
            if e.begin < cursor {
                throw SafeTensorsError.overlap(
                    file: file, tensor: e.info.name, other: previous ?? "", at: e.begin)
            }
            if e.begin > cursor {
                throw SafeTensorsError.hole(
                    file: file, tensor: e.info.name, expected: cursor, found: e.begin)
            }
            cursor = e.end
            previous = e.info.name
        }
        if cursor > dataSize {
            throw SafeTensorsError.dataTooShort(file: file, needed: cursor, available: dataSize)
        }
        if cursor < dataSize {
            throw SafeTensorsError.trailingBytes(file: file, count: dataSize - cursor)
        }
        self.entries = entries
        self.metadataPairs = metadata
    }

    /// A header for `tensors` laid out back to back in the given order.
    public init(tensors: [TensorInfo], metadata: [(key: String, value: String)] = []) {
        var offset = 0
        entries = tensors.map { info in
            defer { offset += info.byteCount }
            return Entry(info: info, begin: offset, end: offset + info.byteCount)
        }
        metadataPairs = metadata
    }

    /// Total data bytes.
    public var dataSize: Int { entries.last?.end ?? 0 }

    private static func metadata(_ v: JSONValue, file: String) throws -> [(
        key: String, value: String
    )] {
        switch v {
        case .null: return []
        case let .object(members):
            return try members.map { key, value in
                guard case let .string(s) = value else {
                    throw SafeTensorsError.invalidMetadata(
                        file: file, reason: "value of '\(key)' is not a string")
                }
                return (key, s)
            }
        default:
            throw SafeTensorsError.invalidMetadata(file: file, reason: "not an object of strings")
        }
    }

    private static func entry(_ name: String, _ v: JSONValue, file: String) throws -> Entry {
        guard case let .object(fields) = v else {
            throw SafeTensorsError.invalidEntry(
                file: file, tensor: name, reason: "entry is not an object")
        }
        func field(_ key: String) throws -> JSONValue {
            guard let f = fields.first(where: { $0.key.bytesEqual(key) }) else {
                throw SafeTensorsError.invalidEntry(
                    file: file, tensor: name, reason: "missing '\(key)'")
            }
            return f.value
        }
        guard case let .string(dtypeName) = try field("dtype") else {
            throw SafeTensorsError.invalidEntry(
                file: file, tensor: name, reason: "'dtype' is not a string")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw SafeTensorsError.unknownDType(file: file, tensor: name, dtype: dtypeName)
        }
        guard case let .array(dims) = try field("shape") else {
            throw SafeTensorsError.invalidShape(file: file, tensor: name, reason: "not an array")
        }
        var shape: [Int] = []
        var elements = 1
        for d in dims {
            let dim = try unsigned(d, what: "dimension", name: name, file: file, shape: true)
            shape.append(dim)
            let (p, overflow) = elements.multipliedReportingOverflow(by: dim)
            if overflow {
                throw SafeTensorsError.invalidShape(
                    file: file, tensor: name, reason: "element count overflows")
            }
            elements = p
        }
        guard case let .array(offsets) = try field("data_offsets"), offsets.count == 2 else {
            throw SafeTensorsError.invalidOffsets(
                file: file, tensor: name, reason: "not an array of two integers")
        }
        let begin = try unsigned(offsets[0], what: "offset", name: name, file: file, shape: false)
        let end = try unsigned(offsets[1], what: "offset", name: name, file: file, shape: false)
        if end < begin {
            throw SafeTensorsError.invalidOffsets(
                file: file, tensor: name, reason: "end \(end) is before begin \(begin)")
        }
        let (bits, overflow) = elements.multipliedReportingOverflow(by: dtype.bits)
        if overflow {
            throw SafeTensorsError.invalidShape(
                file: file, tensor: name, reason: "byte size overflows")
        }
        if bits % 8 != 0 {
            throw SafeTensorsError.invalidShape(
                file: file, tensor: name,
                reason: "\(elements) × \(dtype.bits) bits is not a whole number of bytes")
        }
        if bits / 8 != end - begin {
            throw SafeTensorsError.tensorBytes(
                file: file, tensor: name, begin: begin, end: end, needed: bits / 8)
        }
        return Entry(
            info: TensorInfo(name: name, dtype: dtype, shape: shape), begin: begin, end: end)
    }

    private static func unsigned(
        _ v: JSONValue, what: String, name: String, file: String, shape: Bool
    ) throws -> Int {
        func bad(_ reason: String) -> SafeTensorsError {
            shape
                ? .invalidShape(file: file, tensor: name, reason: reason)
                : .invalidOffsets(file: file, tensor: name, reason: reason)
        }
        guard case let .number(text) = v else { throw bad("\(what) is not a number") }
        guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw bad("\(what) \(text) is not an unsigned integer")
        }
        guard let value = UInt64(text) else { throw bad("\(what) \(text) does not fit in 64 bits") }
        guard let i = Int(exactly: value) else { throw bad("\(what) \(text) is too large") }
        return i
    }
}
