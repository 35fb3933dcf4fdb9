import Foundation
import Merging
import TestSupport
import Testing

@testable import mergetool

/// Writes a safetensors file by hand (8-byte little-endian header length, JSON header, data)
/// with F32 tensors, so these tests do not depend on the library's writer.
func writeAnglesFixture(_ path: String, _ tensors: [(String, [Float])]) throws {
    var offset = 0
    var entries: [String] = []
    var data = Data()
    for (name, values) in tensors {
        let bytes = values.count * 4
        entries.append(
            "\"\(name)\":{\"dtype\":\"F32\",\"shape\":[\(values.count)],"
                + "\"data_offsets\":[\(offset),\(offset + bytes)]}")
        for v in values {
            withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        offset += bytes
    }
    var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
    while header.count % 8 != 0 { header.append(0x20) }
    var file = Data()
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
    file.append(contentsOf: header)
    file.append(data)
    try file.write(to: URL(fileURLWithPath: path))
}

/// init = 1 everywhere; model 1 adds e_even, model 2 adds e_odd (orthogonal task vectors),
/// model 3 adds 2·e_even (parallel to model 1, twice the norm).
func anglesFamily() throws -> (dir: String, base: String, models: [String]) {
    let dir = Fixture.tempDir("angles")
    let names = ["model.layers.0.w", "model.layers.1.w", "lm_head.weight"]
    func store(_ f: (Int) -> Float) -> [(String, [Float])] {
        names.map { ($0, (0..<64).map { 1 + f($0) }) }
    }
    try writeAnglesFixture(dir + "/base.safetensors", store { _ in 0 })
    try writeAnglesFixture(dir + "/a.safetensors", store { $0 % 2 == 0 ? 0.5 : 0 })
    try writeAnglesFixture(dir + "/b.safetensors", store { $0 % 2 == 1 ? 0.5 : 0 })
    try writeAnglesFixture(dir + "/c.safetensors", store { $0 % 2 == 0 ? 1 : 0 })
    return (dir, dir + "/base.safetensors", ["a", "b", "c"].map { dir + "/\($0).safetensors" })
}

struct AnglesJSON: Decodable {
    struct Stats: Decodable { var cos: [[Double?]]; var norms: [Double] }
    struct Group: Decodable {
        var name: String; var task_vectors: Stats?; var weights: Stats; var warnings: [String]
    }
    var models: [String]
    var groups: [Group]
}

func anglesCommand(_ args: [String]) throws -> AnglesCommand {
    let parsed = try MergeTool.parseAsRoot(["angles"] + args)
    return try #require(parsed as? AnglesCommand)
}

@Test func anglesJSONHasKnownAngles() throws {
    let f = try anglesFamily()
    defer { Fixture.cleanup(f.dir) }
    let out = try anglesCommand(f.models + ["--init", f.base, "--json", "--quiet"]).execute()
    let report = try JSONDecoder().decode(AnglesJSON.self, from: Data(out.stdout.utf8))
    #expect(report.models == f.models)
    #expect(report.groups.map(\.name) == ["model.layers.0", "model.layers.1", "lm_head.weight"])
    for g in report.groups {
        let t = try #require(g.task_vectors)
        #expect(abs(t.cos[0][1]!) < 1e-7)  // a ⟂ b
        #expect(abs(t.cos[0][2]! - 1) < 1e-7)  // a ∥ c
        #expect(abs(t.norms[2] / t.norms[0] - 2) < 1e-6)
        // Exactly 2× apart is not "more than 2×"; a ∥ c is far from the family's median 90°.
        #expect(!g.warnings.contains { $0.contains("norms of m1 and m3 differ") })
        #expect(g.warnings.contains { $0.hasPrefix("Ω(m1, m3) = ") && $0.contains("far from") })
    }
    #expect(out.stderr.count == 3 && out.stderr.allSatisfy { $0.hasPrefix("warning: ") })
}

@Test func anglesCSVHasOneRowPerGroupAndPair() throws {
    let f = try anglesFamily()
    defer { Fixture.cleanup(f.dir) }
    let out = try anglesCommand(f.models + ["--init", f.base, "--csv", "--by", "model"]).execute()
    let lines = out.stdout.split(separator: "\n")
    #expect(lines.count == 1 + 3)
    #expect(lines[0].hasPrefix("group,block,tensors,elements,i,j"))
    #expect(lines[1].hasPrefix("model,,3,192,1,2,"))
}

@Test func anglesTableAndPlots() throws {
    let f = try anglesFamily()
    defer { Fixture.cleanup(f.dir) }
    let plot = f.dir + "/fig.svg", byLayer = f.dir + "/layers.svg"
    let out = try anglesCommand(
        Array(f.models[0...1]) + ["--init", f.base, "--plot", plot, "--plot-by-layer", byLayer]
    ).execute()
    #expect(out.stdout.contains("model.layers.1  (1 tensor, 64 elements)"))
    #expect(out.stdout.contains("90.000"))
    #expect(out.stdout.contains("task-vector cosine over 3 group×pair values"))
    for path in [plot, byLayer] {
        let svg = try String(contentsOfFile: path, encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") && svg.hasSuffix("</svg>\n"))
    }
}

@Test func anglesWithoutInitComparesWeightsOnly() throws {
    let f = try anglesFamily()
    defer { Fixture.cleanup(f.dir) }
    let out = try anglesCommand(f.models + ["--json", "--by", "tensor"]).execute()
    let report = try JSONDecoder().decode(AnglesJSON.self, from: Data(out.stdout.utf8))
    #expect(report.groups.allSatisfy { $0.task_vectors == nil })
    #expect(out.stdout.contains("\"init\": null"))
}

@Test(arguments: [
    (["one.safetensors"], "angles need at least 2 models, got 1"),
    (["a", "b", "--json", "--csv"], "--json and --csv cannot be used together"),
    (
        ["a", "b", "--by", "block"],
        "The value 'block' is invalid for '--by <layer|tensor|model>'. "
            + "Please provide one of 'layer', 'tensor' or 'model'."
    ),
    (
        ["a", "b", "--by", "model", "--plot-by-layer", "x.svg"],
        "--plot-by-layer needs --by layer or --by tensor"
    ),
    (
        ["a", "b", "--threads", "0"],
        "The value '0' is invalid for '--threads <n>': --threads must be in 1…64, got 0"
    ),
])
func anglesRejectsBadArguments(_ args: [String], message: String) {
    #expect(MergeCLIFixture.parseError(["angles"] + args) == message)
}

@Test func anglesShapeMismatchNamesTensorAndFiles() throws {
    let f = try anglesFamily()
    defer { Fixture.cleanup(f.dir) }
    let odd = f.dir + "/odd.safetensors"
    try writeAnglesFixture(
        odd,
        [
            ("model.layers.0.w", [1, 2]), ("model.layers.1.w", Array(repeating: 1, count: 64)),
            ("lm_head.weight", Array(repeating: 1, count: 64)),
        ])
    let expected = MergeError.shapeMismatch(
        tensor: "model.layers.0.w", files: [f.base, f.models[0], odd], shapes: [[64], [64], [2]])
    #expect(throws: expected) {
        _ = try anglesCommand([f.models[0], odd, "--init", f.base, "--quiet"]).execute()
    }
}
