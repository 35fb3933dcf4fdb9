@testable import SafeTensors

/// Keeps results observable so the optimiser cannot delete the work.
nonisolated(unsafe) var sink: Float = 0

/// One input, four ways:
/// 1. as a plain safetensors file image: `Header(parsing:)`, then every tensor's bytes read and,
///    for convertible dtypes, decoded to Float, and names escaped for display; a file that is
///    not safetensors goes through the pickle sniff;
/// 2. as a `.safetensors.zst` stream: `ZstdStore` over the bytes, every tensor read;
/// 3. the first byte selects a corner (odd-sized reads, reverse order) of the zstd reader;
/// 4. as a `model.safetensors.index.json`: `ShardIndex(json:)` (strict JSON, weight_map,
///    shard names, total_size).
/// Bad input must throw, never trap, hang or leak. (Internal API: built with -enable-testing.)
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let header = try? Header(parsing: bytes, name: "fuzz") {
        let dataStart = size - header.dataSize
        for e in header.entries {
            let raw = UnsafeRawBufferPointer(rebasing: bytes[(dataStart + e.begin)..<(dataStart + e.end)])
            readAll(raw, e.info)
            sink += Float(DisplayText.escaped(e.info.name).utf8.count)
        }
        _ = header.serialisedPrefix()
    } else if SafeTensorsFile.looksLikePickle(bytes) {
        sink += 1
    }
    if let index = try? ShardIndex(json: bytes, path: "fuzz.index.json") {
        sink += Float(index.weightMap.count + (index.totalSize ?? 0) % 7)
    }
    if size > 0, let store = try? ZstdStore(compressed: Array(bytes), label: "fuzz.zst", cacheBytes: 4096) {
        let tensors = bytes[0] & 1 == 0 ? store.tensors : store.tensors.reversed()
        for t in tensors {
            let step = max(1, t.byteCount / 3)
            var start = 0
            while start < t.byteCount {
                let end = min(t.byteCount, start + step)
                _ = try? store.withBytes(of: t.name, in: start..<end) { sink += Float($0.first ?? 0) }
                start = end
            }
            _ = try? store.withBytes(of: t.name) { readAll($0, t) }
        }
    }
    return 0
}

/// Decodes a convertible tensor to Float in small chunks; sums the first value of each.
func readAll(_ raw: UnsafeRawBufferPointer, _ info: TensorInfo) {
    guard info.dtype.isConvertibleFloat, let size = info.dtype.byteSize else {
        sink += Float(raw.first ?? 0)
        return
    }
    let n = min(info.elementCount, 4096)
    var out = [Float](repeating: 0, count: n)
    out.withUnsafeMutableBufferPointer { o in
        _ = try? FloatConversion.decode(UnsafeRawBufferPointer(rebasing: raw[0..<(n * size)]),
                                        dtype: info.dtype, into: o)
    }
    sink += out.first ?? 0
}
