import Foundation
import Testing

@testable import Reinforce

/// Every parameter tensor's gradient against central finite differences of the naive Double
/// forward.
@Suite struct ModelGradientTests {
    static let sequences = [[0, 3, 4, 5, 6, 2, 0], [0, 10, 9, 1, 0], [0, 7, 7, 8, 2, 5]]

    /// Checks the analytic gradient `g` of `loss` at every parameter: |g − fd| ≤ 2e-3·scale.
    /// `stride` > 1 checks every stride-th element of each tensor (always its first).
    func check(
        model: GPT, gradient g: [Float], stride step: Int = 1, loss: (NaiveGPT) -> Double
    ) {
        var naive = NaiveGPT(model)
        let h = 1e-5
        for e in model.layout.entries {
            var worst = 0.0, scale = 1e-3
            for i in stride(from: e.offset, to: e.offset + e.count, by: step) {
                let saved = naive.params[i]
                naive.params[i] = saved + h
                let up = loss(naive)
                naive.params[i] = saved - h
                let down = loss(naive)
                naive.params[i] = saved
                let fd = (up - down) / (2 * h)
                worst = max(worst, abs(fd - Double(g[i])))
                scale = max(scale, abs(fd))
            }
            #expect(worst <= 2e-3 * scale, "\(e.name): max error \(worst), max |grad| \(scale)")
        }
    }

    @Test func weightedLogProbGradientMatchesFiniteDifferences() throws {
        let model = Tiny.model()
        let batch = try TokenBatch(sequences: Self.sequences, lossFrom: [3, 1, 2], maxSteps: 6)
        let weights: [Float] = [0.7, -1.3, 0.4]
        let ws = GPTWorkspace(config: model.config, capacity: 3, length: 6, training: true)
        ws.gradients.zero()
        _ = try model.score(batch, workspace: ws)
        model.backwardWeightedLogProb(weights: weights, batch: batch, workspace: ws)
        check(model: model, gradient: ws.gradients.array) {
            $0.weightedLogProb(batch, weights: weights.map(Double.init))
        }
    }

    @Test func crossEntropyGradientMatchesFiniteDifferences() throws {
        let model = Tiny.model(seed: 11)
        let batch = try TokenBatch(sequences: Self.sequences, maxSteps: 6)
        let ws = GPTWorkspace(config: model.config, capacity: 3, length: 6, training: true)
        ws.gradients.zero()
        let loss = try model.crossEntropy(batch, workspace: ws, gradient: true)
        let m = Double(batch.maskedCount)
        let ones = [Double](repeating: 1, count: batch.batch)
        let ref = -NaiveGPT(model).weightedLogProb(batch, weights: ones) / m
        #expect(abs(Double(loss) - ref) < 1e-5)
        check(model: model, gradient: ws.gradients.array, stride: 3) {
            -$0.weightedLogProb(batch, weights: ones) / m
        }
    }

    @Test func scoresMatchReference() throws {
        let model = Tiny.model()
        let batch = try TokenBatch(sequences: Self.sequences, lossFrom: [3, 1, 2], maxSteps: 6)
        let ws = GPTWorkspace(config: model.config, capacity: 3, length: 6, training: false)
        let scores = try model.score(batch, workspace: ws)
        let naive = NaiveGPT(model)
        for b in 0..<3 {
            let w = (0..<3).map { $0 == b ? 1.0 : 0.0 }
            let ref = naive.weightedLogProb(batch, weights: w)
            #expect(abs(scores.sequenceLogProbs[b] - ref) < 1e-5)
        }
        // entropy of one position by hand
        let z = naive.logits(Array(batch.inputs[0..<batch.steps]))[4]
        let lp = NaiveGPT.logSoftmax(z)
        let h = -lp.reduce(0.0) { $0 + exp($1) * $1 }
        #expect(abs(Double(scores.entropies[4]) - h) < 1e-5)
        #expect(scores.entropies[0] == 0 && scores.logProbs[1] == 0)  // masked (lossFrom 3)
    }
}
