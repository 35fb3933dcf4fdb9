import Foundation

/// Any JSON value, kept as the evaluator printed it (extra fields go to summary.json as-is).
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    public var number: Double? {
        if case .number(let n) = self { return n }
        return nil
    }
}

/// Everything a WARP run with an external trainer recorded, written as `summary.json`: per
/// iteration its runs (seed, checkpoint, log, seconds), the merge, and the LITI front with the
/// evaluator's scores (nil without an evaluator).
public struct ExternalWarpSummary: Codable, Sendable {
    public struct Run: Codable, Sendable, Equatable {
        public var name: String
        public var seed: String?
        public var policy: String
        public var log: String
        public var seconds: Double?
        /// The held-out trajectory from `{workdir}/eval.csv`, when the trainer wrote one.
        public var trajectory: [TrajectoryPoint]? = nil
        /// β of an SFT-anchored baseline (nil for a WARP run).
        public var beta: Float? = nil
        /// The evaluator's scores of its final policy (baselines).
        public var scores: [String: JSONValue]? = nil
    }

    public struct FrontPoint: Codable, Sendable, Equatable {
        public var eta: Double
        public var checkpoint: String
        /// The evaluator's JSON object: `reward`, `kl` and any other fields.
        public var scores: [String: JSONValue]?
    }

    public struct Iteration: Codable, Sendable {
        public var index: Int
        public var runs: [Run]
        public var front: [FrontPoint]
        public var mergedTensors: Int
        public var mergeWarnings: [String]
        /// The evaluator's scores of θ_init (nil without an evaluator).
        public var initial: [String: JSONValue]? = nil
        /// Mean pairwise cosines of the runs' task vectors and full weights (whole model).
        public var taskVectorCosine: Double? = nil
        public var weightCosine: Double? = nil
    }

    public var settings: WarpSettings
    public var trainer: String
    public var evaluator: String?
    public var sft: String
    public var iterations: [Iteration] = []
    /// The SFT-anchored baselines (`--baseline`), each with its final policy's scores.
    public var baselines: [Run] = []
    public var seconds: [String: Double] = [:]

    /// The front table printed at the end (η, reward, KL, checkpoint).
    public func table() -> String {
        var lines = ["iteration    eta     reward    KL(sft)  checkpoint"]
        for it in iterations {
            for p in it.front {
                func field(_ key: String) -> String {
                    p.scores?[key]?.number.map { String(format: "%9.4f", $0) } ?? "        -"
                }
                lines.append(
                    String(format: "%9d %6.2f ", it.index, p.eta) + field("reward") + "  "
                        + field("kl") + "  " + p.checkpoint)
            }
        }
        for b in baselines {
            func field(_ key: String) -> String {
                b.scores?[key]?.number.map { String(format: "%9.4f", $0) } ?? "        -"
            }
            let name = "baseline β=" + String(describing: b.beta ?? 0)
            lines.append(
                name.padding(toLength: 16, withPad: " ", startingAt: 0) + field("reward") + "  "
                    + field("kl") + "  " + b.policy)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
