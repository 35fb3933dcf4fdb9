import Foundation
import Testing

@testable import Reinforce

@Suite struct ModelForwardTests {
    static let sequences = [[0, 3, 4, 5, 6, 2, 0], [0, 10, 9, 1, 0], [0, 7, 7, 7, 8, 2, 5]]

    @Test func forwardMatchesNaiveDoubleReference() throws {
        let model = Tiny.model()
        let naive = NaiveGPT(model)
        let batch = try TokenBatch(sequences: Self.sequences, maxSteps: 6)
        let ws = GPTWorkspace(config: model.config, capacity: 4, length: 6, training: false)
        try model.forward(
            tokens: batch.inputs, batch: batch.batch, steps: batch.steps,
            workspace: ws)
        var worst = 0.0
        for b in 0..<batch.batch {
            let row = Array(batch.inputs[(b * batch.steps)..<((b + 1) * batch.steps)])
            let ref = naive.logits(row)
            for t in 0..<batch.steps {
                let got = ws.logits(row: b, position: t)
                for k in 0..<model.config.vocabSize {
                    worst = max(worst, abs(Double(got[k]) - ref[t][k]))
                }
            }
        }
        #expect(worst < 1e-5, "max |logit − reference| = \(worst)")
    }

    @Test func logitsAtAPositionIgnoreLaterTokens() throws {
        let model = Tiny.model()
        let ws = GPTWorkspace(config: model.config, capacity: 2, length: 6, training: false)
        try model.forward(tokens: [0, 3, 4, 5, 0, 3, 9, 9], batch: 2, steps: 4, workspace: ws)
        #expect(ws.logits(row: 0, position: 1) == ws.logits(row: 1, position: 1))
        #expect(ws.logits(row: 0, position: 2) != ws.logits(row: 1, position: 2))
    }

    @Test func initialisationIsSeededAndGPT2Shaped() throws {
        let config = GPTConfig(vocabSize: 50)
        let a = try GPT(config: config, seed: 1), b = try GPT(config: config, seed: 1)
        let c = try GPT(config: config, seed: 2)
        #expect(a.parameters.array == b.parameters.array)
        #expect(a.parameters.array != c.parameters.array)
        let wte = a.tensor("wte.weight")!
        let std = (wte.reduce(0.0) { $0 + Double($1 * $1) } / Double(wte.count)).squareRoot()
        #expect(abs(std - 0.02) < 0.002)
        let proj = a.tensor("h.1.mlp.c_proj.weight")!
        let pstd = (proj.reduce(0.0) { $0 + Double($1 * $1) } / Double(proj.count)).squareRoot()
        #expect(abs(pstd - 0.01) < 0.001)  // 0.02 / √(2·2)
        #expect(a.tensor("h.0.ln_1.weight")! == [Float](repeating: 1, count: 64))
        #expect(a.tensor("h.0.attn.c_attn.bias")! == [Float](repeating: 0, count: 192))
    }

    @Test func layoutHasHuggingFaceNamesShapesAndOrder() {
        let layout = ParameterLayout(config: GPTConfig(layers: 1, vocabSize: 10))
        #expect(
            layout.entries.map(\.name) == [
                "wte.weight", "wpe.weight", "h.0.ln_1.weight", "h.0.ln_1.bias",
                "h.0.attn.c_attn.weight", "h.0.attn.c_attn.bias", "h.0.attn.c_proj.weight",
                "h.0.attn.c_proj.bias", "h.0.ln_2.weight", "h.0.ln_2.bias", "h.0.mlp.c_fc.weight",
                "h.0.mlp.c_fc.bias", "h.0.mlp.c_proj.weight", "h.0.mlp.c_proj.bias",
                "ln_f.weight", "ln_f.bias",
            ])
        #expect(layout.entry("h.0.attn.c_attn.weight")?.shape == [64, 192])
        #expect(layout.entry("h.0.mlp.c_proj.weight")?.shape == [256, 64])
        #expect(layout.entry("wpe.weight")?.shape == [32, 64])
        let last = layout.entries.last!
        #expect(last.offset + last.count == layout.count)
    }

    @Test func badInputsThrow() throws {
        #expect(
            throws: ReinforceError.invalidConfig(reason: "dModel 64 is not a multiple of heads 3")
        ) {
            try GPT(config: GPTConfig(heads: 3, vocabSize: 5), seed: 0)
        }
        let model = Tiny.model()
        let ws = GPTWorkspace(config: model.config, capacity: 1, length: 6, training: false)
        #expect(throws: ReinforceError.tokenOutOfRange(token: 11, vocabSize: 11)) {
            try model.forward(tokens: [0, 11], batch: 1, steps: 2, workspace: ws)
        }
        #expect(throws: ReinforceError.batchTooLarge(batch: 2, capacity: 1)) {
            try model.forward(tokens: [0, 1, 0, 1], batch: 2, steps: 2, workspace: ws)
        }
        #expect(throws: ReinforceError.sequenceTooLong(index: 0, length: 9, context: 7)) {
            try TokenBatch(sequences: [[Int](repeating: 1, count: 9)], maxSteps: 6)
        }
    }
}
