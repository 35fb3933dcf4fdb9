import Foundation
import SafeTensors
import Testing

@testable import Reinforce

@Suite struct ModelStoreTests {
    @Test func roundTripThroughInMemoryStore() throws {
        let model = Tiny.model()
        let store = model.parametersStore()
        #expect(store.tensors.map(\.name) == model.layout.entries.map(\.name))
        #expect(store.tensors.allSatisfy { $0.dtype == .f32 })
        #expect(store.info("h.1.attn.c_attn.weight")?.shape == [8, 24])
        let back = try GPT(config: model.config, store: store)
        #expect(back.parameters.array == model.parameters.array)
        #expect(try store.floats(of: "ln_f.bias") == model.tensor("ln_f.bias")!)
    }

    @Test func acceptsHuggingFaceExportNamesAndOtherFloatTypes() throws {
        let model = Tiny.model()
        let store = InMemoryStore(label: "hf")
        for e in model.layout.entries {
            store.set(
                "transformer." + e.name, shape: e.shape, floats: model.tensor(e.name)!,
                dtype: .bf16)
        }
        store.set("lm_head.weight", shape: [11, 8], floats: model.tensor("wte.weight")!)
        let back = try GPT(config: model.config, store: store)
        let a = back.tensor("h.0.mlp.c_fc.weight")!, b = model.tensor("h.0.mlp.c_fc.weight")!
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= abs($1) / 128 + 1e-30 })
    }

    @Test func rejectsMissingWrongShapeUnknownAndIntegerTensors() throws {
        let model = Tiny.model()
        let other = Tiny.model(seed: 99)
        let before = other.parameters.array
        let missing = model.parametersStore(label: "m")
        let partial = InMemoryStore(label: "m")
        for info in missing.tensors where info.name != "ln_f.bias" {
            partial.set(info, bytes: try missing.bytes(of: info.name))
        }
        #expect(throws: ReinforceError.missingTensor(name: "ln_f.bias", store: "m")) {
            try other.load(from: partial)
        }
        let reshaped = model.parametersStore(label: "r")
        reshaped.set("wpe.weight", shape: [8, 6], floats: model.tensor("wpe.weight")!)
        #expect(
            throws: ReinforceError.shapeMismatch(
                name: "wpe.weight", expected: [6, 8],
                found: [8, 6])
        ) { try other.load(from: reshaped) }
        let extra = model.parametersStore(label: "x")
        extra.set("h.2.ln_1.weight", shape: [8], floats: [Float](repeating: 1, count: 8))
        #expect(throws: ReinforceError.unexpectedTensor(name: "h.2.ln_1.weight", store: "x")) {
            try other.load(from: extra)
        }
        let ints = model.parametersStore(label: "i")
        ints.set(
            TensorInfo(name: "ln_f.weight", dtype: .i32, shape: [8]),
            bytes: [UInt8](repeating: 0, count: 32))
        #expect(throws: ReinforceError.notFloat(name: "ln_f.weight", dtype: "I32")) {
            try other.load(from: ints)
        }
        #expect(other.parameters.array == before)
    }

    @Test func huggingFaceConfigJSONHasTheGPT2Keys() throws {
        let config = GPTConfig(vocabSize: 250)
        let data = config.huggingFaceConfigJSON(bosTokenID: 0, eosTokenID: 0)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["model_type"] as? String == "gpt2")
        #expect(object["architectures"] as? [String] == ["GPT2LMHeadModel"])
        #expect(object["activation_function"] as? String == "gelu_new")
        #expect(object["tie_word_embeddings"] as? Bool == true)
        #expect(object["n_layer"] as? Int == 2 && object["n_embd"] as? Int == 64)
        #expect(object["n_head"] as? Int == 4 && object["n_positions"] as? Int == 32)
        #expect(object["n_ctx"] as? Int == 32 && object["vocab_size"] as? Int == 250)
        #expect(object["bos_token_id"] as? Int == 0 && object["eos_token_id"] as? Int == 0)
        #expect(abs((object["layer_norm_epsilon"] as? Double ?? 0) - 1e-5) < 1e-12)
        #expect(try GPTConfig(huggingFaceJSON: data) == config)
        #expect(
            throws: ReinforceError.invalidConfig(reason: "config.json has no integer 'n_layer'")
        ) {
            try GPTConfig(huggingFaceJSON: Data("{}".utf8))
        }
    }
}
