import Foundation
import Merging
import Testing

@testable import SafeTensors
@testable import mergetool

/// A tiny 32-layer Llama-shaped family with every model name the example recipes use, under
/// `dir/runs/`, each a directory with config.json and tokenizer files.
enum RecipeFamily {
    static let names = [
        "base", "chat", "code", "init", "math", "merged", "rl-1", "rl-2", "rl-3", "seed-1",
        "seed-2", "seed-3", "sft-a", "sft-b", "sft-c",
    ]

    static var shapes: [(String, [Int])] {
        var s: [(String, [Int])] = [("model.embed_tokens.weight", [8, 4])]
        for i in 0..<32 {
            s.append(("model.layers.\(i).self_attn.q_proj.weight", [4, 4]))
            s.append(("model.layers.\(i).mlp.up_proj.weight", [4, 4]))
        }
        s.append(("model.norm.weight", [4]))
        return s
    }

    static func write(
        in dir: String, names: [String] = names,
        config: (String) -> String = { _ in llamaConfig() }
    ) throws {
        var state: UInt64 = 7
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2000 - 1000) / 1000
        }
        let base = shapes.map { s in (s.0, s.1, (0..<s.1.reduce(1, *)).map { _ in next() }) }
        for (k, name) in names.enumerated() {
            let store = InMemoryStore()
            for (n, shape, v) in base {
                store.set(
                    n, shape: shape, floats: k == 0 ? v : v.map { $0 + 0.1 * next() },
                    dtype: .bf16)
            }
            let path = dir + "/runs/" + name
            try FileManager.default.createDirectory(
                atPath: dir + "/runs", withIntermediateDirectories: true)
            let writer = try CheckpointWriter(
                path: path, tensors: store.tensors, metadata: [("format", "pt")])
            for t in store.tensors { try writer.copy(t.name, from: store) }
            try writer.finish()
            FileManager.default.createFile(
                atPath: path + "/config.json", contents: Data(config(name).utf8))
            FileManager.default.createFile(
                atPath: path + "/tokenizer_config.json", contents: Data("{}".utf8))
        }
    }

    static func llamaConfig(_ type: String = "llama", arch: String = "LlamaForCausalLM") -> String {
        #"{"architectures": ["\#(arch)"], "model_type": "\#(type)", "vocab_size": 8, "#
            + #""torch_dtype": "bfloat16"}"#
    }

    static let examples: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/recipes")

    static var exampleFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: examples.path)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted()
    }

    /// The weight files' bytes of a directory output.
    static func weights(_ dir: String) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: dir)
        where f.hasSuffix(".safetensors") {
            out[f] = Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + f)))
        }
        return out
    }

    /// Every checkpoint directory of an output: itself, or its `eta-*` subdirectories.
    static func outputs(_ dir: String) throws -> [String] {
        let fronts = try FileManager.default.contentsOfDirectory(atPath: dir)
            .filter { $0.hasPrefix("eta-") }.sorted()
        return fronts.isEmpty ? [dir] : fronts.map { dir + "/" + $0 }
    }
}

@Suite(.enabled(if: Binary.exists, "needs .build/debug/mergetool (swift build)"))
struct RunCommandTests {
    /// Every example recipe runs unchanged on the family, writes its resolved recipe beside the
    /// output, and that recipe run again gives the same bytes.
    @Test(arguments: RecipeFamily.exampleFiles)
    func exampleRunsAndItsWrittenRecipeReruns(file: String) throws {
        let dir = MergeCLIFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try RecipeFamily.write(in: dir)
        let recipe = RecipeFamily.examples.appendingPathComponent(file).path
        let first = try Binary.run(["run", recipe, "-o", "out", "-q"], in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.isEmpty)
        for out in try RecipeFamily.outputs(dir + "/out") {
            let written = out + "/mergekit_config.yml"
            #expect(FileManager.default.fileExists(atPath: written))
            let again = try Binary.run(["run", written, "-o", "again", "-q"], in: dir)
            #expect(again.status == 0, "\(again.stderr)")
            let rerun = try RecipeFamily.outputs(dir + "/again")
            let same = try rerun.contains {
                try RecipeFamily.weights($0) == RecipeFamily.weights(out)
            }
            #expect(same, "rerun of \(written) differs")
            try? FileManager.default.removeItem(atPath: dir + "/again")
        }
    }

    @Test func dryRunPrintsTheResolvedRecipe() throws {
        let dir = MergeCLIFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try RecipeFamily.write(in: dir, names: ["base", "chat", "math", "code"])
        let recipe = RecipeFamily.examples.appendingPathComponent("ties.yaml").path
        let r = try Binary.run(["run", recipe, "-o", "out", "--dry-run"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("merge_method: ties"))
        #expect(r.stdout.contains("lambda: 1"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }
}
