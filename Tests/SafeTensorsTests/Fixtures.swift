import Foundation

@testable import SafeTensors

/// Byte fixtures and scratch directories for the SafeTensors tests.
enum Fixture {
    /// A file image: 8-byte little-endian length of `header`, the header, `dataBytes` bytes.
    static func safetensors(header: String, dataBytes: Int, fill: UInt8 = 0) -> [UInt8] {
        safetensors(
            headerBytes: Array(header.utf8), data: [UInt8](repeating: fill, count: dataBytes))
    }

    static func safetensors(headerBytes: [UInt8], data: [UInt8]) -> [UInt8] {
        var out = withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { Array($0) }
        out += headerBytes
        out += data
        return out
    }

    /// Parses a file image with `Header(parsing:)`.
    static func parse(_ file: [UInt8], name: String = "f.safetensors") throws -> Header {
        try file.withUnsafeBytes { try Header(parsing: $0, name: name) }
    }

    /// A fresh temporary directory, removed by `cleanup`.
    static func tempDir(_ tag: String = "st") -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(tag)-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func cleanup(_ dir: String) { try? FileManager.default.removeItem(atPath: dir) }

    static func write(_ bytes: [UInt8], to path: String) {
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    static func read(_ path: String) -> [UInt8] {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { Array($0) } ?? []
    }

    /// A store with a few tensors of mixed dtypes (deterministic bytes).
    static func sampleStore(count: Int = 4, elements: Int = 10) -> InMemoryStore {
        let store = InMemoryStore(label: "sample", metadata: ["format": "pt", "note": "x"])
        let dtypes: [DType] = [.bf16, .f32, .f16, .i64, .u8, .bool]
        for i in 0..<count {
            let d = dtypes[i % dtypes.count]
            let info = TensorInfo(name: "layer.\(i).weight", dtype: d, shape: [elements])
            let bytes = (0..<info.byteCount).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i &* 7) }
            store.set(info, bytes: d == .bool ? bytes.map { $0 & 1 } : bytes)
        }
        return store
    }

    /// Writes every tensor of `store` through a `CheckpointWriter` at `path`.
    @discardableResult
    static func writeCheckpoint(
        _ store: any TensorStore, to path: String, shardSize: Int? = nil,
        auxiliaryFrom: String? = nil, compressShards: Bool = false
    ) throws -> CheckpointWriter {
        let w = try CheckpointWriter(
            path: path, tensors: store.tensors,
            metadata: store.metadata.sorted { $0.key < $1.key }.map {
                (key: $0.key, value: $0.value)
            },
            shardSize: shardSize, auxiliaryFrom: auxiliaryFrom, compressShards: compressShards)
        for t in store.tensors { try w.copy(t.name, from: store) }
        try w.finish()
        return w
    }

    /// Whether two stores hold the same tensors (names by bytes, order, dtype, shape, bytes).
    static func sameTensors(_ a: any TensorStore, _ b: any TensorStore) throws -> Bool {
        guard a.tensors.count == b.tensors.count else { return false }
        for (x, y) in zip(a.tensors, b.tensors) {
            guard x.name.bytesEqual(y.name), x.dtype == y.dtype, x.shape == y.shape else {
                return false
            }
            guard try a.bytes(of: x.name) == b.bytes(of: y.name) else { return false }
        }
        return true
    }
}
