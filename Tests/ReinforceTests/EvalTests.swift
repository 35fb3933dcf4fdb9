import Foundation
import Testing

@testable import Reinforce

@Suite("Eval: held-out reward and KL to SFT")
struct EvalTests {
    func evaluator(sft: GPT, prompts: Int = 6) throws -> PolicyEvaluator {
        try PolicyEvaluator(
            sft: sft, reward: SentimentLexiconReward(),
            vocabulary: RunFixture.vocabulary,
            settings: RunFixture.evaluation(prompts: prompts))
    }

    @Test func sameSettingsGiveTheSameResultBitForBit() throws {
        let sft = try RunFixture.model(seed: 1), policy = try RunFixture.model(seed: 2)
        let one = try evaluator(sft: sft), two = try evaluator(sft: sft)
        let a = try one.evaluate(policy), b = try one.evaluate(policy), c = try two.evaluate(policy)
        #expect(a == b)
        #expect(a == c)
        #expect(a.samples == 6)
        #expect(a.kl > 0)
        // A different seed draws different completions.
        var other = RunFixture.evaluation(prompts: 6)
        other.seed = 99
        let d = try PolicyEvaluator(
            sft: sft, reward: SentimentLexiconReward(),
            vocabulary: RunFixture.vocabulary, settings: other
        )
        .evaluate(policy)
        #expect(d.kl != a.kl || d.reward != a.reward || d.length != a.length)
    }

    @Test func klOfTheSFTModelToItselfIsZero() throws {
        let sft = try RunFixture.model(seed: 1)
        let r = try evaluator(sft: sft).evaluate(sft.copy())
        #expect(r.kl == 0)
        #expect(r.klLogRatio == 0)
    }

    /// Chain rule: E_{y~π}[Σ_t KL(π(·|y_<t) ‖ q(·|y_<t))] = Σ_y π(y) log(π(y)/q(y)).
    /// Enumerates every 2-token completion of a 7-token model; both sides in Double from the
    /// models' own log-probabilities, the left side through the evaluator's per-token KL.
    @Test func summedPerTokenKLEqualsSequenceKLByEnumeration() throws {
        let config = GPTConfig(layers: 1, dModel: 8, heads: 2, context: 8, vocabSize: 7)
        let p = try GPT(config: config, seed: 5), q = try GPT(config: config, seed: 6)
        // Larger weights so the two distributions are further apart.
        for i in 0..<p.parameterCount { p.parameters.pointer[i] *= 3 }
        let vocabulary = try Vocabulary(tokens: ["<bos>", "<unk>", "a", "b", "c", "d", "e"])
        let eval = try PolicyEvaluator(
            sft: q, reward: SentimentLexiconReward(), vocabulary: vocabulary,
            prompts: PromptSet(prompts: [[0, 2]]),
            settings: {
                var s = EvaluationSettings()
                s.batchSize = 49
                return s
            }())
        let prompt = [0, 2]
        var sequences: [[Int]] = []
        for a in 0..<7 { for b in 0..<7 { sequences.append(prompt + [a, b]) } }
        let batch = try TokenBatch(
            sequences: sequences, lossFrom: sequences.map { _ in 2 },
            maxSteps: 8)
        let measured = try eval.measure(p, batch: batch)
        let ws = GPTWorkspace(config: config, capacity: 49, length: 8, training: false)
        let lp = try p.score(batch, workspace: ws).sequenceLogProbs
        let lq = try q.score(batch, workspace: ws).sequenceLogProbs
        var chain = 0.0, sequence = 0.0, total = 0.0
        for i in sequences.indices {
            let w = exp(lp[i])
            total += w
            chain += w * measured.kl[i]
            sequence += w * (lp[i] - lq[i])
            #expect(abs(measured.logRatio[i] - (lp[i] - lq[i])) < 1e-9)
        }
        #expect(abs(total - 1) < 1e-5)
        #expect(sequence > 0.05)
        #expect(abs(chain - sequence) < 1e-4 * max(1, sequence))
    }

    /// Per-token KL against a Double reference computed from the raw logits.
    @Test func perTokenKLMatchesADoubleReference() throws {
        let config = GPTConfig(layers: 1, dModel: 8, heads: 2, context: 8, vocabSize: 7)
        let p = try GPT(config: config, seed: 8), q = try GPT(config: config, seed: 9)
        for i in 0..<p.parameterCount { p.parameters.pointer[i] *= 3 }
        let eval = try PolicyEvaluator(
            sft: q, reward: SentimentLexiconReward(),
            vocabulary: try Vocabulary(tokens: ["<bos>", "<unk>", "a", "b", "c", "d", "e"]),
            prompts: PromptSet(prompts: [[0]]))
        let seqs = [[0, 3, 4, 5], [0, 6, 2, 2]]
        let batch = try TokenBatch(sequences: seqs, lossFrom: [1, 1], maxSteps: 8)
        let kl = try eval.measure(p, batch: batch).kl
        let ws = GPTWorkspace(config: config, capacity: 2, length: 8, training: false)
        for (row, s) in seqs.enumerated() {
            var expected = 0.0
            for t in 0..<(s.count - 1) {
                try p.forward(tokens: s, batch: 1, steps: s.count, workspace: ws)
                let zp = ws.logits(row: 0, position: t).map(Double.init)
                try q.forward(tokens: s, batch: 1, steps: s.count, workspace: ws)
                let zq = ws.logits(row: 0, position: t).map(Double.init)
                func logSoftmax(_ z: [Double]) -> [Double] {
                    let m = z.max()!, lse = m + log(z.reduce(0) { $0 + exp($1 - m) })
                    return z.map { $0 - lse }
                }
                let a = logSoftmax(zp), b = logSoftmax(zq)
                expected += zip(a, b).reduce(0) { $0 + exp($1.0) * ($1.0 - $1.1) }
            }
            #expect(abs(kl[row] - expected) < 1e-4 * max(1, expected), "row \(row)")
        }
    }

    @Test func resultFormats() throws {
        let r = EvaluationResult(
            label: "a,b", reward: 0.5, rewardStd: 0.1, kl: 2, klStd: 0.5,
            klLogRatio: 2.1, entropy: 3, length: 12, distinct: 0.75,
            samples: 64)
        #expect(r.csvRow == "\"a,b\",0.5,0.1,2.0,0.5,2.1,3.0,12.0,0.75,64")
        let decoded = try JSONDecoder().decode(
            [EvaluationResult].self, from: Data(EvaluationResult.json([r]).utf8))
        #expect(decoded == [r])
        #expect(EvaluationResult.table([r]).contains("0.5000"))
    }

    @Test func badSettingsThrow() throws {
        var s = EvaluationSettings()
        s.samplesPerPrompt = 0
        #expect(
            throws: ReinforceError.invalidOption(
                name: "samples per prompt", reason: "0 is out of range")
        ) { try s.validate() }
        s = EvaluationSettings()
        s.temperature = 0
        #expect(
            throws: ReinforceError.invalidOption(name: "temperature", reason: "0.0 is out of range")
        ) { try s.validate() }
    }
}
