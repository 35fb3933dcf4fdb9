import Foundation
import Merging
import SafeTensors
import TestSupport
import Testing

@testable import Reinforce

/// The trainer's parameters as a store and the sink that writes merges into a model.
@Suite("Warp: zero-copy merges (GPTParameters, GPTParameterSink)")
struct WarpMergeTests {
    /// Three models near a common init (the init plus small, different perturbations).
    static func family() throws -> (initial: GPT, models: [GPT]) {
        let initial = try RunFixture.model(seed: 1)
        let models = try (2...3).map { seed -> GPT in
            let noise = try RunFixture.model(seed: UInt64(seed))
            let m = initial.copy()
            for k in 0..<m.parameterCount { m.parameters[k] += 0.1 * noise.parameters[k] }
            return m
        }
        return (initial, models)
    }

    static func bytes(_ model: GPT) -> [UInt8] {
        Array(
            UnsafeRawBufferPointer(
                start: model.parameters.pointer,
                count: model.parameterCount * MemoryLayout<Float>.size))
    }

    /// The path the loop took before the seam: copy out into `InMemoryStore`s, merge into
    /// `InMemoryStore`s, load into fresh models.
    static func viaInMemory(_ plan: MergePlan, init initial: GPT, models: [GPT]) throws -> [GPT] {
        let (outputs, _) = try MergeEngine.runInMemory(
            plan, init: initial.parametersStore(), models: models.map { $0.parametersStore() })
        return try outputs.map { try GPT(config: initial.config, store: $0) }
    }

    @Test(arguments: [Granularity.layer, .tensor, .model])
    func slerpFrontIsBitIdenticalToTheInMemoryPath(granularity: Granularity) throws {
        let (initial, models) = try Self.family()
        let plan = WarpMerge.slerp(granularity: granularity, etas: [0, 0.3, 1])
        let old = try Self.viaInMemory(plan, init: initial, models: models)
        let new = try WarpMerge.run(
            plan, init: initial, models: models, labels: ("init", ["a", "b"])
        ).outputs
        #expect(new.count == 3)
        for (a, b) in zip(old, new) { #expect(Self.bytes(a) == Self.bytes(b)) }
        #expect(Self.bytes(new[0]) == Self.bytes(initial), "η = 0 is the init")
        #expect(Self.bytes(new[2]) != Self.bytes(initial))
    }

    @Test func litiIsBitIdenticalToTheInMemoryPath() throws {
        let (initial, models) = try Self.family()
        let plan = WarpMerge.liti(etas: [0.1, 0.5, 1])
        let old = try Self.viaInMemory(plan, init: initial, models: [models[0]])
        let new = try WarpMerge.run(
            plan, init: initial, models: [models[0]], labels: ("sft", ["slerp"])
        ).outputs
        for (a, b) in zip(old, new) { #expect(Self.bytes(a) == Self.bytes(b)) }
        // Against a Double reference: (1−κ)·init + κ·model, rounded once.
        for (kappa, out) in zip([0.1, 0.5, 1], new) {
            var worst = 0.0
            for k in 0..<initial.parameterCount {
                let want =
                    (1 - kappa) * Double(initial.parameters[k]) + kappa
                    * Double(models[0].parameters[k])
                worst = max(worst, abs(Double(out.parameters[k]) - want))
            }
            #expect(worst < 1e-6)
        }
    }

    @Test func storeLendsTheModelsBufferInPlace() throws {
        let model = try RunFixture.model(seed: 5)
        let store = model.store(label: "m")
        #expect(store.access == .randomAccess)
        #expect(try store.reopen() === store)
        #expect(store.tensors.map(\.name) == model.layout.entries.map(\.name))
        #expect(store.tensors.allSatisfy { $0.dtype == .f32 })
        #expect(store.tensors.map(\.shape) == model.layout.entries.map(\.shape))
        let e = try #require(model.layout.entry("h.0.attn.c_attn.weight"))
        let handle = try #require(store.handle(e.name))
        #expect(handle.byteRange == 0..<(e.count * 4))
        #expect(handle.mapping == nil && handle.file == "m")
        try store.withBytes(of: e.name) { raw in
            #expect(raw.baseAddress == UnsafeRawPointer(model.parameters.pointer + e.offset))
        }
        #expect(try store.floats(of: e.name) == model.tensor(e.name))
        // The same values the copying store holds, byte for byte.
        let copy = model.parametersStore()
        for t in store.tensors { #expect(try store.bytes(of: t.name) == copy.bytes(of: t.name)) }
        #expect(store.handle("missing") == nil)
    }

    @Test func storeRejectsUnknownNamesAndRanges() throws {
        let store = try RunFixture.model(seed: 5).store(label: "m")
        #expect(throws: SafeTensorsError.unknownTensor(name: "nope", file: "m")) {
            try store.withBytes(of: "nope", in: 0..<4) { _ in }
        }
        #expect(
            throws: SafeTensorsError.rangeOutOfBounds(
                tensor: "ln_f.bias", file: "m", begin: 0, end: 68, size: 64)
        ) {
            try store.withBytes(of: "ln_f.bias", in: 0..<68) { _ in }
        }
    }

    @Test func sinkRejectsALayoutThatIsNotTheModels() throws {
        let model = try RunFixture.model(seed: 5)
        let tensors = model.store().tensors
        #expect(throws: ReinforceError.missingTensor(name: "ln_f.bias", store: "merge into model"))
        {
            _ = try GPTParameterSink(model: model, tensors: Array(tensors.dropLast()))
        }
        var bf16 = tensors
        bf16[0].dtype = .bf16
        #expect(
            throws: ReinforceError.invalidOption(
                name: "merge output dtype",
                reason: "tensor 'wte.weight' is BF16, the model holds F32")
        ) {
            _ = try GPTParameterSink(model: model, tensors: bf16)
        }
        let extra = tensors + [TensorInfo(name: "lm_head.weight", dtype: .f32, shape: [1])]
        #expect(
            throws: ReinforceError.unexpectedTensor(
                name: "lm_head.weight", store: "merge into model")
        ) {
            _ = try GPTParameterSink(model: model, tensors: extra)
        }
    }

    @Test func sinkFinishedEarlyThrows() throws {
        let model = try RunFixture.model(seed: 5)
        let sink = try GPTParameterSink(model: model, tensors: model.store().tensors)
        #expect(
            throws: SafeTensorsError.writerMisuse(
                file: "merge into model", reason: "finished before tensor 'wte.weight'")
        ) {
            try sink.finish()
        }
    }
}

extension WarpMergeTests {
    /// Tensors the engine copies unchanged arrive through `copy`, decoded from any float store.
    @Test func sinkCopiesTensorsFromAnyFloatStore() throws {
        let source = try RunFixture.model(seed: 6)
        let bf16 = InMemoryStore(label: "bf16")
        for e in source.layout.entries {
            bf16.set(e.name, shape: e.shape, floats: source.tensor(e.name)!, dtype: .bf16)
        }
        let target = try RunFixture.model(seed: 7)
        let sink = try GPTParameterSink(model: target, tensors: target.store().tensors)
        for e in source.layout.entries { try sink.copy(e.name, from: bf16) }
        try sink.finish()
        for e in source.layout.entries {
            // Reference: each value rounded to bf16 (round to nearest even) and widened.
            let want = source.tensor(e.name)!.map { x -> Float in
                let b = x.bitPattern
                let r = (b &+ 0x7fff &+ ((b >> 16) & 1)) & 0xffff_0000
                return Float(bitPattern: r)
            }
            #expect(target.tensor(e.name) == want)
        }
    }

    @Test func sinkRejectsACopyOutOfOrder() throws {
        let model = try RunFixture.model(seed: 5)
        let sink = try GPTParameterSink(model: model, tensors: model.store().tensors)
        #expect(
            throws: SafeTensorsError.writerMisuse(
                file: "merge into model", reason: "unexpected copy of 'ln_f.bias'")
        ) {
            try sink.copy("ln_f.bias", from: model.store())
        }
    }

    /// A checkpoint saved from the lent buffer reads back bit for bit.
    @Test func checkpointSavedWithoutCopyRoundTrips() throws {
        let model = try RunFixture.model(seed: 8)
        let dir = Fixture.tempDir("gpt-store") + "/policy"
        try PolicyCheckpoint.save(model, vocabulary: RunFixture.vocabulary, to: dir)
        let back = try PolicyCheckpoint.load(dir).model
        #expect(Self.bytes(back) == Self.bytes(model))
    }
}
