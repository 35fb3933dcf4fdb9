import Foundation
import Merging
import TestSupport
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
        let dir = Fixture.tempDir("cli")
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
        let dir = Fixture.tempDir("cli")
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

/// The checks every merge command makes: architectures, tokenizers, config dtype, model card.
@Suite(.enabled(if: Binary.exists, "needs .build/debug/mergetool (swift build)"))
struct MergeChecksCommandTests {
    static let tiesRecipe = """
        models:
          - model: runs/chat
            parameters: {weight: 1, density: 0.5}
          - model: runs/math
            parameters: {weight: 1, density: 0.5}
        base_model: runs/base
        merge_method: ties
        dtype: float32
        """

    func family(mathConfig: String? = nil) throws -> String {
        let dir = Fixture.tempDir("cli")
        try RecipeFamily.write(in: dir, names: ["base", "chat", "math"]) { name in
            name == "math" ? mathConfig ?? RecipeFamily.llamaConfig() : RecipeFamily.llamaConfig()
        }
        try Self.tiesRecipe.write(toFile: dir + "/r.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func llamaAndMistralAreRefused() throws {
        let dir = try family(
            mathConfig: RecipeFamily.llamaConfig("mistral", arch: "MistralForCausalLM"))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Binary.run(["run", "r.yaml", "-o", "out", "-q"], in: dir)
        #expect(r.status != 0)
        #expect(
            r.errorLines == [
                "error: models of different architectures: runs/base is llama "
                    + "(LlamaForCausalLM), runs/math is mistral (MistralForCausalLM); pass "
                    + "--allow-mixed-architectures to merge them anyway"
            ])
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
        let allowed = try Binary.run(
            ["run", "r.yaml", "-o", "out", "-q", "--allow-mixed-architectures"], in: dir)
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stderr.contains("warning: models of different architectures"))
    }

    @Test func differentVocabularySizesAreRefusedOrWarned() throws {
        let dir = try family(
            mathConfig: RecipeFamily.llamaConfig().replacingOccurrences(
                of: "\"vocab_size\": 8", with: "\"vocab_size\": 9"))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Binary.run(["run", "r.yaml", "-o", "out", "-q"], in: dir)
        #expect(
            r.errorLines == [
                "error: tokenizers differ: config.json vocab_size differs: runs/base has 8, "
                    + "runs/math has 9; pass --allow-tokenizer-mismatch to merge anyway"
            ])
        let warned = try Binary.run(
            ["run", "r.yaml", "-o", "out", "-q", "--allow-tokenizer-mismatch"], in: dir)
        #expect(warned.status == 0, "\(warned.stderr)")
        #expect(warned.stderr.contains("warning: tokenizers differ: config.json vocab_size"))
    }

    @Test func outputDTypeIsWrittenToConfigAndCardNamesTheBase() throws {
        let dir = try family()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Binary.run(["run", "r.yaml", "-o", "out", "-q"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        let config = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/config.json")))
        #expect((config as? [String: Any])?["torch_dtype"] as? String == "float32")
        #expect((config as? [String: Any])?["model_type"] as? String == "llama")
        let card = try String(contentsOfFile: dir + "/out/README.md", encoding: .utf8)
        #expect(card.hasPrefix("---\nbase_model:\n- \"runs/base\"\nlibrary_name: transformers\n"))
        let store = try Checkpoint.open(dir + "/out")
        #expect(store.tensors.allSatisfy { $0.dtype == .f32 })
        let bf16 = try Binary.run(
            ["run", "r.yaml", "-o", "out16", "-q", "--dtype", "bf16"], in: dir)
        #expect(bf16.status == 0, "\(bf16.stderr)")
        let config16 = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: dir + "/out16/config.json")))
        #expect((config16 as? [String: Any])?["torch_dtype"] as? String == "bfloat16")
    }

    @Test func convertDTypeUpdatesConfig() throws {
        let dir = try family()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Binary.run(
            ["convert", "runs/base", "-o", "f32", "--dtype", "f32", "-q"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let config = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: dir + "/f32/config.json")))
        #expect((config as? [String: Any])?["torch_dtype"] as? String == "float32")
        #expect((config as? [String: Any])?["architectures"] as? [String] == ["LlamaForCausalLM"])
        #expect(r.stdout.isEmpty)
        let copy = try Binary.run(["convert", "runs/base", "-o", "same", "-q"], in: dir)
        #expect(copy.status == 0, "\(copy.stderr)")
        #expect(
            FileManager.default.contents(atPath: dir + "/same/config.json")
                == FileManager.default.contents(atPath: dir + "/runs/base/config.json"))
    }

    @Test func jsonStillPrintsWithQuiet() throws {
        let dir = try family()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Binary.run(["run", "r.yaml", "-o", "out", "-q", "--json"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"method\" : \"ties\""))
        #expect(r.stderr.isEmpty)
    }
}

/// `merge --method` is a one-line recipe: the same bytes as `run` with that recipe.
@Suite(.enabled(if: Binary.exists, "needs .build/debug/mergetool (swift build)"))
struct MergeMethodCommandTests {
    @Test func mergeDareTiesEqualsTheRecipe() throws {
        let dir = Fixture.tempDir("cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try RecipeFamily.write(in: dir, names: ["base", "chat", "math"])
        let recipe = """
            models:
              - model: runs/chat
                parameters: {weight: 1, density: 0.3}
              - model: runs/math
                parameters: {weight: 0.5, density: 0.6}
            base_model: runs/base
            merge_method: dare_ties
            parameters:
              lambda: 0.9
            seed: 7
            """
        try recipe.write(toFile: dir + "/r.yaml", atomically: true, encoding: .utf8)
        let a = try Binary.run(["run", "r.yaml", "-o", "a", "-q"], in: dir)
        #expect(a.status == 0, "\(a.stderr)")
        let b = try Binary.run(
            [
                "merge", "--method", "dare_ties", "runs/chat", "runs/math", "--base", "runs/base",
                "--weight", "1", "--weight", "0.5", "--density", "0.3,0.6", "--lambda", "0.9",
                "--seed", "7", "-o", "b", "-q",
            ], in: dir)
        #expect(b.status == 0, "\(b.stderr)")
        #expect(try RecipeFamily.weights(dir + "/a") == RecipeFamily.weights(dir + "/b"))
        let c = try Binary.run(
            [
                "merge", "--method", "dare_ties", "runs/chat", "runs/math", "--base", "runs/base",
                "--density", "0.3,0.6", "--seed", "8", "-o", "c", "-q",
            ], in: dir)
        #expect(c.status == 0, "\(c.stderr)")
        #expect(try RecipeFamily.weights(dir + "/a") != RecipeFamily.weights(dir + "/c"))
    }

    @Test func flagsTheMethodDoesNotTakeAreRefused() throws {
        let dir = Fixture.tempDir("cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Binary.run(
            [
                "merge", "--method", "model_stock", "x", "y", "--base", "z", "--density", "0.5",
                "-o", "out",
            ], in: dir)
        #expect(r.status != 0)
        #expect(r.errorLines.first == "error: --density does not apply to model_stock")
        let u = try Binary.run(["merge", "--method", "frob", "x", "-o", "out"], in: dir)
        #expect(u.status != 0)
        #expect(u.stderr.hasPrefix("error: unknown --method 'frob' (known: linear, "))
    }

    @Test func helpShowsEachFormula() throws {
        let r = try Binary.run(["merge", "--help"], in: NSTemporaryDirectory())
        let text = r.stdout.replacingOccurrences(of: "\n", with: " ")
        #expect(text.contains("ties:"))
        #expect(text.contains("model_stock: t·mean(θm) + (1 − t)·θ_base"))
    }
}
