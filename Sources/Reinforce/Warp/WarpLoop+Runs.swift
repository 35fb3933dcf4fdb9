import Diagnostics
import Dispatch
import Foundation
import Merging
import SafeTensors

/// One RL run to train: its name, settings and directory (nil: in memory).
struct TrainJob: Sendable {
    let name: String
    let settings: RLRunSettings
    let directory: String?
}

/// A finished RL run inside the loop.
struct TrainedRun: @unchecked Sendable {
    let name: String
    let policy: GPT
    let ema: GPT?
    let trajectory: [TrajectoryPoint]
    let seconds: Double
}

extension WarpLoop {
    /// Trains `jobs` from `initial`, `parallelRuns` at a time, each with its own evaluator.
    func train(
        _ jobs: [TrainJob], initial: GPT, sft: SFT, reward: any RewardFunction
    ) throws -> [TrainedRun] {
        let log = self.log
        return try parallelMap(jobs.count, width: settings.parallelRuns) { k in
            let job = jobs[k]
            let start = Date()
            let evaluator = try self.makeEvaluator(
                sft: sft.model, reward: reward,
                vocabulary: sft.vocabulary)
            let run = try RLRun(
                initial: initial, sft: sft.model, reward: reward,
                vocabulary: sft.vocabulary, settings: job.settings,
                directory: job.directory, evaluator: evaluator)
            let total = job.settings.steps
            let result = try run.run { s in
                if s.step % max(1, total / 4) == 0 || s.step == total {
                    log?(
                        String(
                            format: "  %@ step %d/%d  reward %.3f  KL(anchor) %.3f  KL(sft) %.3f",
                            job.name, s.step, total, s.rewardMean, s.klToAnchor,
                            s.klToSFT ?? .nan))
                }
            }
            var trajectory = result.trajectory
            if let dir = job.directory, result.resumedFrom != nil {
                trajectory = try Self.trajectory(
                    csv: WarpRunDirectory.evalCSV(ofRun: dir),
                    samples: self.settings.evaluation.promptCount
                        * self.settings.evaluation.samplesPerPrompt)
            }
            return TrainedRun(
                name: job.name, policy: result.policy, ema: result.ema,
                trajectory: trajectory, seconds: Date().timeIntervalSince(start))
        }
    }

    /// The SFT-anchored REINFORCE baselines at each β of `settings.baselines`.
    func runBaselines(sft: SFT, reward: any RewardFunction) throws -> [WarpSummary.Run] {
        let jobs = settings.baselines.enumerated().map { k, beta in
            TrainJob(
                name: WarpRunDirectory.baselineName(beta: beta),
                settings: settings.baselineSettings(beta: beta, index: k),
                directory: directory?.baseline(beta: beta))
        }
        log?(
            "baselines: \(jobs.count) SFT-anchored runs of \(jobs.first?.settings.steps ?? 0) steps"
        )
        let trained = try train(jobs, initial: sft.model, sft: sft, reward: reward)
        let evaluator = try makeEvaluator(
            sft: sft.model, reward: reward, vocabulary: sft.vocabulary)
        return try zip(trained, settings.baselines).map { run, beta in
            WarpSummary.Run(
                name: run.name, beta: beta, anchor: "sft", trajectory: run.trajectory,
                final: try evaluator.evaluate(run.policy, label: run.name), ema: nil,
                seconds: run.seconds)
        }
    }

    /// Reads an `eval.csv` written by `RLRun` back into trajectory points.
    static func trajectory(csv path: String, samples: Int) throws -> [TrajectoryPoint] {
        let (columns, rows) = try MetricsLog.read(csv: path)
        guard columns == RLRun.evalColumns else {
            throw ReinforceError.unreadableFile(path: path, reason: "unexpected columns")
        }
        return rows.compactMap { r in
            guard r.count == columns.count, let step = r[0] else { return nil }
            func v(_ i: Int) -> Double { r[i] ?? .nan }
            return TrajectoryPoint(
                step: Int(step),
                evaluation: EvaluationResult(
                    label: "step \(Int(step))", reward: v(1), rewardStd: v(2), kl: v(3),
                    klStd: v(4),
                    klLogRatio: v(5), entropy: v(6), length: v(7), distinct: v(8), samples: samples)
            )
        }
    }

    /// Writes `summary.json`, `front.txt` and the figures (`WarpRunDirectory.resultFiles`).
    func write(_ summary: WarpSummary) throws {
        guard let dir = directory else { return }
        try writeText(summary.json(), to: dir.summary)
        try writeText(summary.table(), to: dir.table)
        for (figure, plot) in WarpFigures.all(summary) {
            try writeText(plot.render(), to: dir.figure(figure))
        }
    }

    func writeText(_ text: String, to path: String) throws {
        do {
            try AtomicFile.write(Array(text.utf8), to: path)
        } catch {
            throw ReinforceError.cannotWrite(path: path, reason: "\(error)")
        }
    }
}

/// Results of a parallel map, filled under a lock.
private final class ParallelSlots<T>: @unchecked Sendable {
    var items: [T?]
    var error: (any Error)?
    let lock = NSLock()
    init(_ n: Int) { items = Array(repeating: nil, count: n) }
}

/// `body(0..<n)` on up to `width` threads at a time; the first error is rethrown after all
/// started work ends. Results keep index order.
func parallelMap<T>(_ n: Int, width: Int, _ body: @escaping @Sendable (Int) throws -> T) throws
    -> [T]
{
    let slots = ParallelSlots<T>(n)
    var start = 0
    while start < n {
        let count = min(max(width, 1), n - start), base = start
        DispatchQueue.concurrentPerform(iterations: count) { j in
            do {
                let value = try body(base + j)
                slots.lock.lock()
                slots.items[base + j] = value
                slots.lock.unlock()
            } catch {
                slots.lock.lock()
                if slots.error == nil { slots.error = error }
                slots.lock.unlock()
            }
        }
        if let error = slots.error { throw error }
        start += count
    }
    return slots.items.map { $0! }
}
