import Foundation

/// What `PolicyEvaluator.evaluate` measured for one policy.
public struct EvaluationResult: Codable, Sendable, Equatable {
    /// The policy's name in reports (a path, or e.g. `eta=0.3`).
    public var label: String
    /// Mean and standard deviation of r over all samples.
    public var reward: Double
    public var rewardStd: Double
    /// Mean exact summed per-token KL(π‖π_sft), and its standard deviation over samples.
    public var kl: Double
    public var klStd: Double
    /// Mean log π(y) − log π_sft(y) over the same samples (the Monte Carlo KL estimate).
    public var klLogRatio: Double
    /// Mean per-token entropy of π along the samples (nats).
    public var entropy: Double
    /// Mean completion length (tokens before the end marker).
    public var length: Double
    /// Mean distinct tokens / tokens per completion (1: no repetition).
    public var distinct: Double
    /// Number of samples.
    public var samples: Int

    public init(
        label: String, reward: Double, rewardStd: Double, kl: Double, klStd: Double,
        klLogRatio: Double, entropy: Double, length: Double, distinct: Double,
        samples: Int
    ) {
        self.label = label
        self.reward = reward
        self.rewardStd = rewardStd
        self.kl = kl
        self.klStd = klStd
        self.klLogRatio = klLogRatio
        self.entropy = entropy
        self.length = length
        self.distinct = distinct
        self.samples = samples
    }

    /// CSV columns, in `csvRow` order.
    public static let csvHeader =
        "label,reward,reward_std,kl,kl_std,kl_log_ratio,entropy,length,distinct,samples"

    /// One CSV row (label quoted when it holds a comma or quote).
    public var csvRow: String {
        var name = label
        if name.contains(",") || name.contains("\"") {
            name = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        let numbers = [reward, rewardStd, kl, klStd, klLogRatio, entropy, length, distinct]
        return ([name] + numbers.map { "\($0)" } + ["\(samples)"]).joined(separator: ",")
    }

    /// Pretty, sorted-key JSON of a list of results.
    public static func json(_ results: [EvaluationResult]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = (try? encoder.encode(results)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// A fixed-width text table (label, reward, KL, …) for people.
    public static func table(_ results: [EvaluationResult]) -> String {
        let width = max(10, results.map(\.label.count).max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String {
            s.count >= w ? s : s + String(repeating: " ", count: w - s.count)
        }
        var lines = [
            pad("policy", width) + "   reward      KL  KL(log-ratio)  entropy  length  distinct"
        ]
        for r in results {
            lines.append(
                pad(r.label, width)
                    + String(
                        format: " %8.4f %7.3f %14.3f %8.3f %7.2f %9.3f", r.reward, r.kl,
                        r.klLogRatio,
                        r.entropy, r.length, r.distinct))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Running sums over evaluation batches.
struct EvaluationAccumulator {
    var rewards: [Double] = []
    var kls: [Double] = []
    var ratioSum = 0.0, entropySum = 0.0, positions = 0.0
    var lengthSum = 0.0, distinctSum = 0.0

    mutating func add(
        rewards r: [Double], kl: [Double], logRatio: [Double], entropy: [Double],
        completions: [[Int]]
    ) {
        rewards += r
        kls += kl
        ratioSum += logRatio.reduce(0, +)
        entropySum += entropy.reduce(0, +)
        for y in completions {
            // Scored positions: the completion up to and including its end marker.
            positions += Double(y.count)
            let words = RewardText.completion(y)
            lengthSum += Double(words.count)
            distinctSum += words.isEmpty ? 1 : Double(Set(words).count) / Double(words.count)
        }
    }

    func result(label: String) -> EvaluationResult {
        let n = Double(max(rewards.count, 1))
        func meanStd(_ xs: [Double]) -> (Double, Double) {
            let m = xs.reduce(0, +) / n
            return (m, (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / n).squareRoot())
        }
        let (r, rs) = meanStd(rewards), (k, ks) = meanStd(kls)
        return EvaluationResult(
            label: label, reward: r, rewardStd: rs, kl: k, klStd: ks, klLogRatio: ratioSum / n,
            entropy: entropySum / max(positions, 1), length: lengthSum / n,
            distinct: distinctSum / n, samples: rewards.count)
    }
}
