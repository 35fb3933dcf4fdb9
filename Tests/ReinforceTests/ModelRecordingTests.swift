import Foundation
import Testing

@testable import Reinforce

/// A sampling pass recorded into a training workspace stands in for the policy's forward of
/// the sampled batch: same scores and gradient as `score` + `backwardWeightedLogProb`.
@Suite struct ModelRecordingTests {
    @Test func recordedSamplingEqualsTheBatchForward() throws {
        let model = Tiny.model(seed: 8)
        let prompts = [[0, 3], [0, 4], [0]]  // the last row is padded in the batch
        let sampler = GPTSampler(config: model.config, capacity: 3)
        let recorded = GPTWorkspace(config: model.config, capacity: 3, length: 6, training: true)
        let direct = GPTWorkspace(config: model.config, capacity: 3, length: 6, training: true)
        var g = SeededGenerator(seed: 12)
        let ys = try sampler.sample(
            model: model, prompts: prompts, newTokens: 3, temperature: 1, stopAtEnd: false,
            generator: &g, recordInto: recorded)
        let batch = try TokenBatch(
            sequences: zip(prompts, ys).map { $0 + $1 }, lossFrom: prompts.map(\.count),
            maxSteps: 6)
        #expect(batch.steps == 4)
        let fromSampler = try #require(model.scoreRecorded(batch, workspace: recorded))
        let fromForward = try model.score(batch, workspace: direct)
        for i in 0..<(batch.batch * batch.steps) {
            #expect(abs(fromSampler.logProbs[i] - fromForward.logProbs[i]) < 1e-5, "\(i)")
            #expect(abs(fromSampler.entropies[i] - fromForward.entropies[i]) < 1e-5, "\(i)")
        }
        let weights: [Float] = [0.6, -1.1, 0.3]
        recorded.gradients.zero()
        direct.gradients.zero()
        model.backwardWeightedLogProb(weights: weights, batch: batch, workspace: recorded)
        model.backwardWeightedLogProb(weights: weights, batch: batch, workspace: direct)
        let a = recorded.gradients.array, b = direct.gradients.array
        let scale = b.map(abs).max()!
        var worst: Float = 0
        for i in a.indices { worst = max(worst, abs(a[i] - b[i])) }
        #expect(worst <= 1e-5 * max(scale, 1), "max |Δgrad| \(worst), max |grad| \(scale)")
    }

    @Test func samplingThatStopsEarlyLeavesNoBatch() throws {
        // <bos> overwhelmingly likely (as in ModelSamplingTests): both rows end at once.
        let m = Tiny.model()
        let lnfb = m.layout.entry("ln_f.bias")!, wte = m.layout.entry("wte.weight")!
        for i in 0..<8 { m.parameters[lnfb.offset + i] = 400 * m.parameters[wte.offset + i] }
        let sampler = GPTSampler(config: m.config, capacity: 2)
        let ws = GPTWorkspace(config: m.config, capacity: 2, length: 6, training: true)
        var g = SeededGenerator(seed: 5)
        let prompts = [[0, 3], [0]]
        let ys = try sampler.sample(
            model: m, prompts: prompts, newTokens: 4, temperature: 1, generator: &g,
            recordInto: ws)
        #expect(ys == [[0], [0]])
        let batch = try TokenBatch(
            sequences: zip(prompts, ys).map { $0 + $1 }, maxSteps: 6)
        #expect(m.scoreRecorded(batch, workspace: ws) == nil)
        #expect(ws.batch == 0 && ws.steps == 0)
    }
}
