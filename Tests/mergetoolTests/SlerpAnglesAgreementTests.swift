import Diagnostics
import Foundation
import Merging
import TestSupport
import Testing

@testable import SafeTensors
@testable import mergetool

/// `slerp --json` and `angles` report the same Ω for the same inputs, to the last digit: both
/// accumulate the Gram matrix with `GramPass` (same chunks, same order) and take angles from
/// `GramStats` (the Gram formula for task vectors).
@Suite(.serialized) struct SlerpAnglesAgreementTests {
    struct SlerpJSON: Decodable {
        struct Step: Decodable { var omega: Double? }
        struct Group: Decodable { var name: String; var cosine12: Double?; var steps: [Step] }
        var groups: [Group]
    }

    /// base, ft1, ft2 (bf16 and f32 tensors, one larger than a block of 32 chunks) with task
    /// vectors at about `degrees` to each other: δ2 = cos·δ1 + sin·(independent noise).
    static func family(degrees: Double, in dir: String) throws -> (base: String, models: [String]) {
        var rng = SplitMix64(seed: 7)
        let shapes: [(String, [Int], DType)] = [
            ("model.embed_tokens.weight", [64, 16], .bf16),
            ("model.layers.0.mlp.up_proj.weight", [1100, 1000], .f32),
            ("model.layers.0.input_layernorm.weight", [1000], .bf16),
            ("model.layers.1.mlp.up_proj.weight", [48, 16], .bf16),
            ("model.norm.weight", [16], .f32),
        ]
        let (c, s) = (Float(cos(degrees * .pi / 180)), Float(sin(degrees * .pi / 180)))
        let stores = (0..<3).map { _ in InMemoryStore() }
        for (name, shape, dtype) in shapes {
            let n = shape.reduce(1, *)
            let base = (0..<n).map { _ in rng.milli() }
            let d1 = (0..<n).map { _ in 0.05 * rng.milli() }
            let d2 = d1.map { c * $0 + s * 0.05 * rng.milli() }
            stores[0].set(name, shape: shape, floats: base, dtype: dtype)
            stores[1].set(name, shape: shape, floats: zip(base, d1).map(+), dtype: dtype)
            stores[2].set(name, shape: shape, floats: zip(base, d2).map(+), dtype: dtype)
        }
        var paths: [String] = []
        for (k, store) in stores.enumerated() {
            let name = ["base", "ft1", "ft2"][k] + ".safetensors"
            paths.append(try Fixture.writeSafetensors(store, in: dir, name: name))
        }
        return (paths[0], Array(paths[1...]))
    }

    /// What `body` writes to the standard output (fd 1), flushed.
    static func standardOutput(of body: () throws -> Void) throws -> String {
        let scratch = Fixture.tempDir("stdout")
        defer { Fixture.cleanup(scratch) }
        let path = scratch + "/stdout"
        let file = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        #expect(file >= 0)
        fflush(nil)
        let saved = dup(1)
        dup2(file, 1)
        do {
            defer {
                fflush(nil)
                dup2(saved, 1)
                close(saved)
                close(file)
            }
            try body()
        }
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The pretty-printed JSON object in `text` (from a line `{` to the next line `}`), so
    /// lines other tests print meanwhile do not matter.
    static func jsonObject(in text: String) throws -> Data {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0 == "{" })
        let end = try #require(lines[start...].firstIndex { $0 == "}" })
        return Data(lines[start...end].joined(separator: "\n").utf8)
    }

    @Test(arguments: [30.0, 88.0], [1, 2])
    func slerpAndAnglesReportTheSameOmega(degrees: Double, threads: Int) throws {
        let dir = Fixture.tempDir("merge-cli")
        defer { Fixture.cleanup(dir) }
        let f = try Self.family(degrees: degrees, in: dir)
        let slerpArgs =
            ["slerp"] + f.models + [
                "--init", f.base, "--json", "--quiet", "--threads", "\(threads)", "-o",
                dir + "/merged",
            ]
        let printed = try Self.standardOutput {
            try MergeCLIFixture.command(slerpArgs).run()
        }
        let slerp = try JSONDecoder().decode(SlerpJSON.self, from: Self.jsonObject(in: printed))
        let anglesArgs = f.models + ["--init", f.base, "--quiet", "--threads", "\(threads)"]
        let json = try anglesCommand(anglesArgs + ["--json"]).execute().stdout
        let angles = try JSONDecoder().decode(AnglesJSON.self, from: Data(json.utf8))
        let csv = try anglesCommand(anglesArgs + ["--csv"]).execute().stdout
        let rows = csv.split(separator: "\n").dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        let angleColumn = try #require(AngleReport.csvColumns.firstIndex(of: "task_angle_deg"))

        #expect(slerp.groups.map(\.name) == angles.groups.map(\.name))
        #expect(slerp.groups.count == 4 && rows.count == 4)
        for (k, group) in slerp.groups.enumerated() {
            let omega = try #require(group.steps.first?.omega)
            // the group's Ω in degrees as `angles` prints it, and as SLERP used it
            let reported = try #require(Double(rows[k][angleColumn]))
            #expect(omega * 180 / Double.pi == reported, "\(group.name)")
            if group.name == "model.layers.0" {  // mostly f32: the angle the family was built at
                #expect(abs(reported - degrees) < 1)
            }
            // and the same cos Ω in both JSON reports
            let cos12 = try #require(angles.groups[k].task_vectors?.cos[0][1])
            #expect(group.cosine12 == cos12, "\(group.name)")
        }
    }
}
