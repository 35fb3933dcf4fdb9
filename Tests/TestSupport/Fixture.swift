import Foundation
import SafeTensors

/// Scratch directories, file bytes and safetensors byte images shared by every test target.
public enum Fixture {
    /// A fresh directory under the system's temporary directory; remove it with `cleanup`.
    public static func tempDir(_ tag: String = "mt") -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(tag)-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Removes `dir` and everything below it (for `defer`; a missing directory is fine).
    public static func cleanup(_ dir: String) { try? FileManager.default.removeItem(atPath: dir) }

    public static func write(_ bytes: [UInt8], to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    public static func write(_ text: String, to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }

    /// The bytes of `path`, empty when it cannot be read.
    public static func read(_ path: String) -> [UInt8] {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { Array($0) } ?? []
    }

    /// Every file below `dir` by relative path, with its bytes.
    public static func tree(_ dir: String) -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for name in FileManager.default.subpaths(atPath: dir) ?? [] {
            out[name] = read(dir + "/" + name)
        }
        return out
    }

    /// A file image: 8-byte little-endian length of `header`, the header, `dataBytes` bytes.
    public static func safetensors(header: String, dataBytes: Int, fill: UInt8 = 0) -> [UInt8] {
        safetensors(
            headerBytes: Array(header.utf8), data: [UInt8](repeating: fill, count: dataBytes))
    }

    public static func safetensors(headerBytes: [UInt8], data: [UInt8]) -> [UInt8] {
        var out = withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { Array($0) }
        out += headerBytes
        out += data
        return out
    }

    /// Parses a file image with `Header(parsing:)`.
    public static func parse(_ file: [UInt8], name: String = "f.safetensors") throws -> Header {
        try file.withUnsafeBytes { try Header(parsing: $0, name: name) }
    }
}
