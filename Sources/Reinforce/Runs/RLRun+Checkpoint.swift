import Foundation
import SafeTensors

/// Resumable checkpoints of a REINFORCE run.
///
///     checkpoints/step-NNNNNN/policy/           θ_t (Hugging Face layout)
///     checkpoints/step-NNNNNN/ema/              θ_ema,t (EMA anchor only)
///     checkpoints/step-NNNNNN/optimizer.safetensors   adam.m, adam.v (P,) F32
///     checkpoints/step-NNNNNN/trainer_state.json      step, generator states, Adam t
///
/// A checkpoint is assembled under `.step-NNNNNN.partial` and renamed into place once
/// complete, so an interrupted save never looks like a checkpoint.
extension RLRun {
    static let checkpointsName = "checkpoints"
    static let stateName = "trainer_state.json"
    static let optimizerName = "optimizer.safetensors"

    /// The directory name of step `t`'s checkpoint.
    static func checkpointName(step t: Int) -> String {
        let digits = String(t)
        return "step-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// The complete checkpoint with the highest step in run directory `dir`, if any.
    public static func lastCheckpoint(in dir: String) -> String? {
        let root = (dir as NSString).appendingPathComponent(checkpointsName)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else {
            return nil
        }
        let steps = names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("step-"), let t = Int(name.dropFirst(5)) else { return nil }
            let path = (root as NSString).appendingPathComponent(name)
            let state = (path as NSString).appendingPathComponent(stateName)
            return FileManager.default.fileExists(atPath: state) ? (t, path) : nil
        }
        return steps.max { $0.0 < $1.0 }?.1
    }

    /// Saves the trainer's complete state after its current step.
    func saveCheckpoint(in dir: String) throws {
        let root = (dir as NSString).appendingPathComponent(Self.checkpointsName)
        let name = Self.checkpointName(step: trainer.stepCount)
        let final = (root as NSString).appendingPathComponent(name)
        let partial = (root as NSString).appendingPathComponent("." + name + ".partial")
        let fm = FileManager.default
        try? fm.removeItem(atPath: partial)
        try RunFiles.makeDirectory(partial)
        func path(_ component: String) -> String {
            (partial as NSString).appendingPathComponent(component)
        }
        let step = ["step": "\(trainer.stepCount)"]
        try PolicyCheckpoint.save(
            trainer.policy, vocabulary: vocabulary, to: path("policy"),
            metadata: step)
        if case .ema = settings.reinforce.anchor {
            try PolicyCheckpoint.save(
                trainer.anchor, vocabulary: vocabulary, to: path("ema"),
                metadata: step)
        }
        let moments = InMemoryStore(label: path(Self.optimizerName))
        let opt = trainer.optimizer
        moments.set("adam.m", shape: [opt.m.count], floats: opt.m.array)
        moments.set("adam.v", shape: [opt.v.count], floats: opt.v.array)
        try PolicyCheckpoint.write(moments, to: path(Self.optimizerName))
        let state = RLTrainerState(
            step: trainer.stepCount, samplingState: RLTrainerState.hex(trainer.generator.state),
            promptState: RLTrainerState.hex(trainer.prompts.generator.state),
            optimizerStep: opt.step)
        try RunFiles.writeJSON(state, to: path(Self.stateName))
        do {
            try? fm.removeItem(atPath: final)
            try fm.moveItem(atPath: partial, toPath: final)
        } catch {
            throw ReinforceError.cannotWrite(path: final, reason: RunFiles.reason(error))
        }
    }

    /// Restores policy, EMA, optimiser and generators from checkpoint directory `path`.
    /// - Throws: `ReinforceError.unreadableFile` for a bad state file, `ReinforceError` when the
    ///   saved models or moments do not fit this run's model.
    func restore(from path: String) throws {
        func file(_ component: String) -> String {
            (path as NSString).appendingPathComponent(component)
        }
        let data = try readFile(file(Self.stateName))
        guard let state = try? JSONDecoder().decode(RLTrainerState.self, from: data),
            let sampling = UInt64(state.samplingState, radix: 16),
            let prompt = UInt64(state.promptState, radix: 16)
        else {
            throw ReinforceError.unreadableFile(
                path: file(Self.stateName),
                reason: "not a trainer state")
        }
        let policy = try PolicyCheckpoint.load(file("policy")).model
        guard policy.config == trainer.policy.config else {
            throw ReinforceError.invalidOption(
                name: "checkpoint", reason: "\(path): model config differs")
        }
        var ema: GPT?
        if case .ema = settings.reinforce.anchor {
            ema = try PolicyCheckpoint.load(file("ema")).model
            guard ema?.config == trainer.policy.config else {
                throw ReinforceError.invalidOption(
                    name: "checkpoint", reason: "\(path): EMA differs")
            }
        }
        let moments = try Checkpoint.open(file(Self.optimizerName))
        let m = try moments.floats(of: "adam.m"), v = try moments.floats(of: "adam.v")
        guard m.count == trainer.optimizer.m.count, v.count == m.count else {
            throw ReinforceError.invalidOption(
                name: "checkpoint", reason: "\(path): optimizer moments have \(m.count) values")
        }
        trainer.policy.assign(from: policy)
        if let ema { trainer.anchor.assign(from: ema) }
        trainer.optimizer.restore(step: state.optimizerStep, m: m, v: v)
        trainer.generator = SeededGenerator(seed: sampling)
        trainer.prompts.generator = SeededGenerator(seed: prompt)
        trainer.stepCount = state.step
    }
}
