import Foundation
import Testing

@testable import Merging

/// Architecture and tokenizer checks from the files beside the weights.
@Suite struct ModelCompatibilityTests {
    func directory(_ files: [String: String]) -> String {
        let dir = NSTemporaryDirectory() + "compat-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, text) in files {
            FileManager.default.createFile(atPath: dir + "/" + name, contents: Data(text.utf8))
        }
        return dir
    }

    let llama = #"{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}"#

    @Test func mixedArchitecturesAreRefusedWithTheSpecificError() throws {
        let a = directory(["config.json": llama])
        let b = directory([
            "config.json": #"{"model_type": "mistral", "architectures": ["MistralForCausalLM"]}"#
        ])
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        let check = ModelCompatibility(paths: [a, b])
        #expect(
            throws: MergeError.mixedArchitectures(
                files: [a, b],
                architectures: ["llama (LlamaForCausalLM)", "mistral (MistralForCausalLM)"])
        ) { try check.check(allowMixedArchitectures: false, allowTokenizerMismatch: false) }
        let warnings = try check.check(allowMixedArchitectures: true, allowTokenizerMismatch: false)
        #expect(warnings.count == 1)
    }

    @Test func addedTokensThatDifferAreNamed() throws {
        let a = directory([
            "config.json": llama,
            "tokenizer.json": #"{"model": {"vocab": {"a": 0, "b": 1}}, "added_tokens": []}"#,
        ])
        let b = directory([
            "config.json": llama,
            "tokenizer.json":
                #"{"model": {"vocab": {"a": 0, "b": 1}}, "added_tokens": [{"content": "<x>"}]}"#,
        ])
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        let check = ModelCompatibility(paths: [a, b])
        #expect(
            throws: MergeError.tokenizerMismatch(
                difference: "added tokens differs: \(a) has 0 (), \(b) has 1 (<x>)")
        ) { try check.check(allowMixedArchitectures: false, allowTokenizerMismatch: false) }
        #expect(
            try check.check(allowMixedArchitectures: false, allowTokenizerMismatch: true).count
                == 1)
    }

    @Test func filesWithoutConfigPass() throws {
        let check = ModelCompatibility(paths: ["/nonexistent/a.safetensors", "/x/b.safetensors"])
        #expect(
            try check.check(allowMixedArchitectures: false, allowTokenizerMismatch: false) == [])
    }

    @Test func configDTypeIsRewritten() throws {
        let data = Data(#"{"torch_dtype": "bfloat16", "dtype": "bfloat16", "k": 1}"#.utf8)
        let out = try #require(ModelConfigDType.rewrite(data, torchDType: "float32"))
        let object = try #require(try JSONSerialization.jsonObject(with: out) as? [String: Any])
        #expect(object["torch_dtype"] as? String == "float32")
        #expect(object["dtype"] as? String == "float32")
        #expect(object["k"] as? Int == 1)
        #expect(ModelConfigDType.torchName(.f16) == "float16")
    }
}
