import Foundation

/// Every file and directory name of a WARP run, in one place: the loop writes through it, the
/// command reports through it, the figures are named by it, and a step executor finds each
/// step's inputs and outputs with it (`WarpStep`).
///
///     sft/                          SFTRun: run.json, metrics.csv|jsonl, policy/
///     iteration-I/init/             θ_init of iteration I (a policy)
///     iteration-I/run-M/            RLRun: run.json, metrics.*, eval.*, checkpoints/, policy/, ema/
///     iteration-I/eta-X.XX/         θ_η = (1−η)·θ_init + η·θ_slerp for every η of the front,
///                                   `--eta` and 1 (θ_slerp); policies
///     iteration-I/angles.txt|json   the angles report of the merged runs
///     iteration-I/evaluation.json   everything the iteration measured (its part of summary.json)
///     iteration-I/front.csv         the evaluated LITI front
///     baseline-beta-B/              RLRun of the SFT-anchored baseline at β = B
///     final-front/kappa-X.XX/       (1−κ)·θ_sft + κ·θ_slerp^I, for I > 1
///     summary.json, front.txt       everything measured; the printed table
///     figures/*.svg                 `Figure`
///
/// Every policy is a Hugging Face directory (`PolicyCheckpoint`).
public struct WarpRunDirectory: Sendable, Equatable {
    /// The figures of a run, by file name (drawn by `WarpFigures`).
    public enum Figure: String, CaseIterable, Sendable {
        case klReward = "kl_reward.svg"
        case iterations = "iterations.svg"
        case training = "training.svg"
    }

    /// The run directory itself.
    public let root: String

    public init(_ root: String) { self.root = root }

    /// `root/components…`.
    public func path(_ components: String...) -> String { join(components) }

    private func join(_ components: [String]) -> String {
        components.reduce(root) { ($0 as NSString).appendingPathComponent($1) }
    }

    // MARK: names, relative to the root

    /// `sft`.
    public static let sftName = "sft"
    /// `iteration-I`.
    public static func iterationName(_ i: Int) -> String { "iteration-\(i)" }
    /// `run-M`.
    public static func runName(_ m: Int) -> String { "run-\(m)" }
    /// `eta-X.XX` (two decimals).
    public static func etaName(_ eta: Double) -> String { String(format: "eta-%.2f", eta) }
    /// `kappa-X.XX` (two decimals).
    public static func kappaName(_ kappa: Double) -> String { String(format: "kappa-%.2f", kappa) }
    /// `baseline-beta-B` (`B` as Swift prints the `Float`, e.g. `0.1`).
    public static func baselineName(beta: Float) -> String { "baseline-beta-\(beta)" }
    public static let summaryName = "summary.json"
    public static let tableName = "front.txt"
    public static let figuresName = "figures"
    public static let finalFrontName = "final-front"

    /// The files `WarpLoop.write(_:)` leaves at the end, relative to the root.
    public static var resultFiles: [String] {
        [summaryName, tableName] + Figure.allCases.map { figuresName + "/" + $0.rawValue }
    }

    // MARK: paths

    /// `sft/` (an `SFTRun` directory; the policy is `sft/policy`).
    public var sft: String { path(Self.sftName) }
    public func iteration(_ i: Int) -> String { path(Self.iterationName(i)) }
    /// θ_init of iteration `i`.
    public func initial(iteration i: Int) -> String { path(Self.iterationName(i), "init") }
    /// The `RLRun` directory of run `m` of iteration `i`.
    public func run(_ m: Int, iteration i: Int) -> String {
        path(Self.iterationName(i), Self.runName(m))
    }
    /// The LITI output θ_η of iteration `i`.
    public func liti(eta: Double, iteration i: Int) -> String {
        path(Self.iterationName(i), Self.etaName(eta))
    }
    public func anglesText(iteration i: Int) -> String {
        path(Self.iterationName(i), "angles.txt")
    }
    public func anglesJSON(iteration i: Int) -> String {
        path(Self.iterationName(i), "angles.json")
    }
    public func frontCSV(iteration i: Int) -> String { path(Self.iterationName(i), "front.csv") }
    /// The evaluate step's results (`WarpSummary.Iteration` as JSON).
    public func evaluation(iteration i: Int) -> String {
        path(Self.iterationName(i), "evaluation.json")
    }
    /// The `RLRun` directory of the SFT-anchored baseline at β.
    public func baseline(beta: Float) -> String { path(Self.baselineName(beta: beta)) }
    /// A point (1−κ)·θ_sft + κ·θ_slerp^I of the final front.
    public func finalFront(kappa: Double) -> String {
        path(Self.finalFrontName, Self.kappaName(kappa))
    }
    public var summary: String { path(Self.summaryName) }
    public var table: String { path(Self.tableName) }
    public var figures: String { path(Self.figuresName) }
    public func figure(_ f: Figure) -> String { path(Self.figuresName, f.rawValue) }

    /// The held-out trajectory an `RLRun` directory logs.
    public static func evalCSV(ofRun dir: String) -> String {
        (dir as NSString).appendingPathComponent("eval.csv")
    }
}
