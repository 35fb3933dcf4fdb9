import Foundation
import SafeTensors
import TestSupport
import Testing

@testable import Reinforce

@Suite("Run: checkpoints, layout and resume")
struct RunCheckpointTests {
    @Test func policyRoundTripsWithHuggingFaceNamesAndConfig() throws {
        let dir = Fixture.tempDir("ckpt")
        let model = try RunFixture.model(seed: 3)
        let path = dir + "/policy"
        try PolicyCheckpoint.save(model, vocabulary: RunFixture.vocabulary, to: path)
        let files = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        #expect(files == ["config.json", "model.safetensors", "vocab.json"])

        let config = try RunFixture.jsonObject(path + "/config.json")
        #expect(config["model_type"] as? String == "gpt2")
        #expect(config["architectures"] as? [String] == ["GPT2LMHeadModel"])
        #expect(config["n_layer"] as? Int == 1)
        #expect(config["n_embd"] as? Int == 16)
        #expect(config["n_head"] as? Int == 2)
        #expect(config["n_positions"] as? Int == 20)
        #expect(config["vocab_size"] as? Int == RunFixture.vocabulary.count)
        #expect(config["tie_word_embeddings"] as? Bool == true)
        #expect(config["activation_function"] as? String == "gelu_new")

        let vocab = try JSONDecoder().decode(
            [String].self, from: try #require(RunFixture.bytes(path + "/vocab.json")))
        #expect(vocab == RunFixture.vocabulary.tokens)

        let store = try Checkpoint.open(path + "/model.safetensors")
        let names = Set(store.tensors.map(\.name))
        for name in [
            "wte.weight", "wpe.weight", "h.0.ln_1.weight", "h.0.attn.c_attn.weight",
            "h.0.attn.c_attn.bias", "h.0.attn.c_proj.weight", "h.0.mlp.c_fc.weight",
            "h.0.mlp.c_proj.weight", "h.0.ln_2.bias", "ln_f.weight", "ln_f.bias",
        ] {
            #expect(names.contains(name), "missing \(name)")
        }
        // Conv1D layout: c_attn is stored (in, out) = (C, 3C).
        #expect(store.info("h.0.attn.c_attn.weight")?.shape == [16, 48])
        #expect(store.info("h.0.mlp.c_fc.weight")?.shape == [16, 64])
        #expect(store.tensors.allSatisfy { $0.dtype == .f32 })

        let (loaded, loadedVocab) = try PolicyCheckpoint.load(path)
        #expect(loaded.config == model.config)
        #expect(loadedVocab == RunFixture.vocabulary)
        #expect(loaded.parameters.array == model.parameters.array)
        // A run directory (policy/ inside) and the weights file itself load too.
        #expect(try PolicyCheckpoint.load(dir).model.parameters.array == model.parameters.array)
        #expect(
            try PolicyCheckpoint.load(path + "/model.safetensors").model.parameters.array
                == model.parameters.array)
    }

    @Test func missingConfigIsAnError() throws {
        let dir = Fixture.tempDir("noconfig")
        #expect(throws: ReinforceError.fileNotFound(path: dir + "/config.json")) {
            try PolicyCheckpoint.load(dir)
        }
    }

    /// Run A: 6 steps straight. Run B: the same, then "interrupted" after step 5 (later
    /// checkpoints and the final policy removed, logs left with extra rows), then rerun.
    /// Everything B writes must equal A's bytes, and equal an in-memory run's parameters.
    @Test func resumedRunEqualsUninterruptedRunBitForBit() throws {
        let sft = try RunFixture.model(seed: 1)
        var settings = RunFixture.rlSettings(steps: 6)
        settings.checkpointEvery = 2
        settings.evalEvery = 3
        func run(_ dir: String?) throws -> RLRunResult {
            let evaluator = try PolicyEvaluator(
                sft: sft, reward: SentimentLexiconReward(), vocabulary: RunFixture.vocabulary,
                settings: RunFixture.evaluation(prompts: 4))
            return try RLRun(
                initial: sft, sft: sft, reward: SentimentLexiconReward(),
                vocabulary: RunFixture.vocabulary, settings: settings,
                directory: dir, evaluator: evaluator
            ).run()
        }
        let a = Fixture.tempDir("resume-a"), b = Fixture.tempDir("resume-b")
        let memory = try run(nil)
        let straight = try run(a)
        #expect(straight.resumedFrom == nil)
        #expect(straight.policy.parameters.array == memory.policy.parameters.array)
        #expect(straight.stats == memory.stats)

        _ = try run(b)
        let fm = FileManager.default
        for gone in ["checkpoints/step-000004", "checkpoints/step-000006", "policy", "ema"] {
            try fm.removeItem(atPath: b + "/" + gone)
        }
        let resumed = try run(b)
        #expect(resumed.resumedFrom == 2)
        #expect(resumed.stats.map(\.step) == [3, 4, 5, 6])
        #expect(Array(memory.stats.suffix(4)) == resumed.stats)
        #expect(resumed.policy.parameters.array == memory.policy.parameters.array)
        #expect(resumed.ema?.parameters.array == memory.ema?.parameters.array)
        for file in [
            "metrics.csv", "metrics.jsonl", "eval.csv", "eval.jsonl",
            "policy/model.safetensors", "ema/model.safetensors",
            "checkpoints/step-000006/optimizer.safetensors",
            "checkpoints/step-000006/trainer_state.json",
        ] {
            let x = RunFixture.bytes(a + "/" + file), y = RunFixture.bytes(b + "/" + file)
            #expect(x != nil && x == y, "\(file) differs")
        }
        let (columns, rows) = try MetricsLog.read(csv: b + "/metrics.csv")
        #expect(columns == RLRun.metricColumns)
        #expect(rows.map { $0[0] } == [1, 2, 3, 4, 5, 6])
    }

    @Test func rerunWithOtherSettingsIsRefused() throws {
        let sft = try RunFixture.model(seed: 1)
        let dir = Fixture.tempDir("mismatch")
        _ = try RLRun(
            initial: sft, sft: sft, reward: SentimentLexiconReward(),
            vocabulary: RunFixture.vocabulary,
            settings: RunFixture.rlSettings(steps: 1), directory: dir
        ).run()
        var other = RunFixture.rlSettings(steps: 1)
        other.reinforce.beta = 0.5
        let refusal = ReinforceError.invalidOption(
            name: "run directory",
            reason: dir + " holds a run with other settings (see its run.json); use a new directory"
        )
        #expect(throws: refusal) {
            try RLRun(
                initial: sft, sft: sft, reward: SentimentLexiconReward(),
                vocabulary: RunFixture.vocabulary, settings: other, directory: dir
            ).run()
        }
    }

    @Test func metricsLogKeepsRowsThroughTheResumeStep() throws {
        let dir = Fixture.tempDir("log")
        let log = try MetricsLog(directory: dir, name: "m", columns: ["step", "x"])
        for t in 1...5 { try log.append([Double(t), t == 3 ? nil : 0.1 * Double(t)]) }
        let kept = try MetricsLog(
            directory: dir, name: "m", columns: ["step", "x"],
            keepingThrough: 3)
        try kept.append([4, 1.5])
        let text = String(decoding: try #require(RunFixture.bytes(dir + "/m.csv")), as: UTF8.self)
        #expect(text == "step,x\n1,0.1\n2,0.2\n3,\n4,1.5\n")
        let json = String(decoding: try #require(RunFixture.bytes(dir + "/m.jsonl")), as: UTF8.self)
        #expect(
            json.split(separator: "\n") == [
                "{\"step\":1,\"x\":0.1}", "{\"step\":2,\"x\":0.2}", "{\"step\":3,\"x\":null}",
                "{\"step\":4,\"x\":1.5}",
            ])
    }
}
