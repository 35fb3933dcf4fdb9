/// One step of a WARP run with the files it reads and writes in the run directory: the plan a
/// step executor (in process today; a batch scheduler later) runs in order.
///
///     sft                          → sft/, iteration-1/init/
///     train(i, m)   iteration-I/init/, sft/               → iteration-I/run-M/
///     baseline(k)   sft/                                   → baseline-beta-B/
///     merge(i)      iteration-I/init/, run-M/ (its policy/) → iteration-I/eta-X.XX/
///     evaluate(i)   sft/, iteration-I/init/, run-M/, eta-X.XX/
///                                                          → evaluation.json, angles.txt|json
///     record(i)     evaluation.json, eta-(--eta)/          → front.csv, iteration-(I+1)/init/
///     finalFront    sft/, iteration-I/eta-1.00/            → final-front/kappa-X.XX/  (I > 1)
///     summary       everything above                        → summary.json, front.txt, figures/
///
/// In process the loop hands the same models and results between steps in memory and writes
/// each step's outputs as it goes (`WarpLoop+Steps.swift`); an executor running steps apart
/// finds every input of a step among the outputs of the steps before it.
public enum WarpStep: Sendable, Hashable, CustomStringConvertible {
    case sft
    case train(iteration: Int, run: Int)
    case baseline(index: Int)
    case merge(iteration: Int)
    case evaluate(iteration: Int)
    case record(iteration: Int)
    case finalFront
    case summary

    public var description: String {
        switch self {
        case .sft: "sft"
        case let .train(i, m): "train \(i)/\(m)"
        case let .baseline(k): "baseline \(k)"
        case let .merge(i): "merge \(i)"
        case let .evaluate(i): "evaluate \(i)"
        case let .record(i): "record \(i)"
        case .finalFront: "final front"
        case .summary: "summary"
        }
    }

    /// Every step of a run with `settings`, in an order that respects their inputs.
    public static func plan(_ settings: WarpSettings) -> [WarpStep] {
        var steps: [WarpStep] = [.sft]
        steps += settings.baselines.indices.map { .baseline(index: $0) }
        for i in 1...max(1, settings.iterations) {
            steps += (1...max(1, settings.runs)).map { .train(iteration: i, run: $0) }
            steps += [.merge(iteration: i), .evaluate(iteration: i), .record(iteration: i)]
        }
        if settings.iterations > 1 { steps.append(.finalFront) }
        steps.append(.summary)
        return steps
    }

    /// The paths the step reads (policies and run directories, whose `policy/` is the final
    /// policy), under `dir`.
    public func inputs(_ settings: WarpSettings, in dir: WarpRunDirectory) -> [String] {
        switch self {
        case .sft: []
        case let .train(i, _): [dir.initial(iteration: i), dir.sft]
        case .baseline: [dir.sft]
        case let .merge(i):
            [dir.initial(iteration: i)]
                + (1...settings.runs).map { dir.run($0, iteration: i) }
        case let .evaluate(i):
            [dir.sft, dir.initial(iteration: i)]
                + (1...settings.runs).map { dir.run($0, iteration: i) }
                + settings.mergedEtas.map { dir.liti(eta: $0, iteration: i) }
        case let .record(i):
            [dir.evaluation(iteration: i), dir.liti(eta: settings.eta, iteration: i)]
        case .finalFront:
            [dir.sft, dir.liti(eta: 1, iteration: settings.iterations)]
        case .summary:
            Self.plan(settings).filter { $0 != .summary }.flatMap {
                $0.outputs(settings, in: dir)
            }
        }
    }

    /// The paths the step writes, under `dir`.
    public func outputs(_ settings: WarpSettings, in dir: WarpRunDirectory) -> [String] {
        switch self {
        case .sft: [dir.sft, dir.initial(iteration: 1)]
        case let .train(i, m): [dir.run(m, iteration: i)]
        case let .baseline(k): [dir.baseline(beta: settings.baselines[k])]
        case let .merge(i): settings.mergedEtas.map { dir.liti(eta: $0, iteration: i) }
        case let .evaluate(i):
            [
                dir.evaluation(iteration: i), dir.anglesText(iteration: i),
                dir.anglesJSON(iteration: i),
            ]
        case let .record(i):
            [dir.frontCSV(iteration: i)]
                + (i < settings.iterations ? [dir.initial(iteration: i + 1)] : [])
        case .finalFront: settings.front.map { dir.finalFront(kappa: $0) }
        case .summary: WarpRunDirectory.resultFiles.map { dir.path($0) }
        }
    }
}
