import Foundation
import Testing

@testable import Reinforce

@Suite struct TrainingOptimizerTests {
    @Test func emaMatchesClosedForm() throws {
        let model = Tiny.model(seed: 1)
        let ema = Tiny.model(seed: 2)
        let start = ema.parameters.array.map(Double.init)
        let target = model.parameters.array.map(Double.init)
        let mu: Float = 0.01
        for _ in 0..<50 { EMA.update(ema, towards: model, rate: mu) }
        let decay = pow(1 - Double(mu), 50)
        let got = ema.parameters.array
        var worst = 0.0
        for i in got.indices {
            let want = target[i] + decay * (start[i] - target[i])
            worst = max(worst, abs(Double(got[i]) - want))
        }
        #expect(worst < 1e-5)  // Float rounding over 50 updates
    }

    @Test func adamStepsMatchDoubleReferenceWithWarmupAndClipping() {
        let layout = ParameterLayout(
            config: GPTConfig(
                layers: 1, dModel: 2, heads: 1, context: 1,
                vocabSize: 1))
        var settings = AdamW.Settings(
            learningRate: 0.1, weightDecay: 0.5, warmupSteps: 2,
            clipNorm: 1)
        settings.epsilon = 1e-8
        let opt = AdamW(layout: layout, settings: settings)
        let n = layout.count
        let params = FloatBuffer((0..<n).map { Float($0 % 5) * 0.1 - 0.2 })
        var p = params.array.map(Double.init)
        var m = [Double](repeating: 0, count: n), v = m
        let decays = (0..<n).map { i in
            layout.entries.contains {
                $0.shape.count == 2 && (($0.offset)..<($0.offset + $0.count)).contains(i)
            } ? 1.0 : 0.0
        }
        for t in 1...3 {
            let grads = (0..<n).map { Float(($0 * 7 + t) % 11) * 0.3 - 1.5 }
            let norm = grads.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            let returned = opt.update(parameters: params, gradients: FloatBuffer(grads))
            #expect(abs(Double(returned) - norm) < 1e-4 * norm)
            let clip = min(1, 1 / norm)
            let lr = 0.1 * min(1, Double(t) / 2)
            for i in 0..<n {
                let g = Double(grads[i]) * clip
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.999 * v[i] + 0.001 * g * g
                let mh = m[i] / (1 - pow(0.9, Double(t))), vh = v[i] / (1 - pow(0.999, Double(t)))
                p[i] -= lr * (mh / (vh.squareRoot() + 1e-8) + 0.5 * decays[i] * p[i])
            }
        }
        let got = params.array
        for i in 0..<n { #expect(abs(Double(got[i]) - p[i]) < 1e-5, "parameter \(i)") }
        #expect(opt.step == 3)
    }

    @Test func exactKLMatchesClosedFormAndTheSampledEstimator() throws {
        let policy = Tiny.model(seed: 4), ref = Tiny.model(seed: 5)
        let batch = try TokenBatch(
            sequences: [[0, 3, 4, 5], [0, 9, 2, 2]], lossFrom: [2, 1],
            maxSteps: 6)
        let wp = GPTWorkspace(config: policy.config, capacity: 2, length: 6, training: false)
        let wr = GPTWorkspace(config: policy.config, capacity: 2, length: 6, training: false)
        try policy.forward(tokens: batch.inputs, batch: 2, steps: 3, workspace: wp)
        try ref.forward(tokens: batch.inputs, batch: 2, steps: 3, workspace: wr)
        let kl = GPT.klDivergence(policy: wp, reference: wr, batch: batch)
        let np = NaiveGPT(policy), nr = NaiveGPT(ref)
        for b in 0..<2 {
            let row = Array(batch.inputs[(b * 3)..<(b * 3 + 3)])
            let zp = np.logits(row), zr = nr.logits(row)
            for t in 0..<3 {
                let lp = NaiveGPT.logSoftmax(zp[t]), lr = NaiveGPT.logSoftmax(zr[t])
                let want =
                    batch.mask[b * 3 + t] > 0
                    ? zip(lp, lr).reduce(0.0) { $0 + exp($1.0) * ($1.0 - $1.1) } : 0
                #expect(abs(Double(kl[b * 3 + t]) - want) < 1e-5)
            }
        }
        #expect(kl[0] == 0 && kl[1] > 0)
        // Monte Carlo: mean of log π(y) − log π_ref(y) over y ~ π equals the exact KL.
        let sampler = GPTSampler(config: policy.config, capacity: 64)
        var g = SeededGenerator(seed: 3)
        let prompt = [0, 3]
        var sum = 0.0, sumSq = 0.0, count = 0.0
        let ws1 = GPTWorkspace(config: policy.config, capacity: 64, length: 6, training: false)
        let ws2 = GPTWorkspace(config: policy.config, capacity: 64, length: 6, training: false)
        for _ in 0..<40 {
            let ys = try sampler.sample(
                model: policy, prompts: Array(repeating: prompt, count: 64),
                newTokens: 1, temperature: 1, generator: &g)
            let mc = try TokenBatch(
                sequences: ys.map { prompt + $0 },
                lossFrom: Array(repeating: 2, count: 64), maxSteps: 6)
            let a = try policy.score(mc, workspace: ws1).sequenceLogProbs
            let c = try ref.score(mc, workspace: ws2).sequenceLogProbs
            for i in 0..<64 {
                let d = a[i] - c[i]
                sum += d; sumSq += d * d; count += 1
            }
        }
        let mean = sum / count, sd = (sumSq / count - mean * mean).squareRoot()
        let exact = Double(kl[1])  // row 0, position 1: next token after [0, 3]
        #expect(
            abs(mean - exact) < 4 * sd / count.squareRoot() + 1e-4,
            "sampled \(mean) vs exact \(exact)")
    }

    @Test func baselinesMatchClosedForms() {
        let r = [1.0, 2.0, 6.0]
        #expect(ReinforceTrainer.advantages(r, baseline: .batchMean) == [-2, -1, 3])
        // leave-one-out: 1 − 4, 2 − 3.5, 6 − 1.5
        #expect(ReinforceTrainer.advantages(r, baseline: .leaveOneOut) == [-3, -1.5, 4.5])
    }
}
