import Foundation
import Testing

@testable import SafeTensors

@Test func writeThenReadRoundTrip() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("st-smoke-\(UUID())")
        .path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/a.safetensors"
    let values: [Float] = [1, -2.5, 3.25, 0]
    let w = try SafeTensorsWriter(
        path: path,
        tensors: [
            TensorInfo(name: "w", dtype: .bf16, shape: [2, 2]),
            TensorInfo(name: "e", dtype: .f32, shape: [0]),
        ],
        metadata: [("format", "pt")])
    var bytes = [UInt8](repeating: 0, count: 8)
    bytes.withUnsafeMutableBytes { raw in
        values.withUnsafeBufferPointer { FloatConversion.encode($0, dtype: .bf16, into: raw) }
    }
    try bytes.withUnsafeBytes { try w.append($0) }
    try w.finish()
    let f = try SafeTensorsFile(path: path)
    #expect(f.tensors.map(\.name) == ["e", "w"] || f.tensors.map(\.name) == ["w", "e"])
    #expect(try f.floats(of: "w") == values)
    #expect(f.metadata["format"] == "pt")
}
