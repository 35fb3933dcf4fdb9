import ArgumentParser
import Merging
import SafeTensors

/// A recipe turned into the merge engine's plan and the shared merge-command run: which
/// checkpoints are the init and the models, the method, the per-tensor parameters (the
/// recipe itself) or, for WARP's steps, the slerp/liti coefficients and η values.
struct RecipeRun {
    var recipe: Recipe
    var merge: MergeOptions
    var output: OutputOptions

    /// The init the engine gets: `base_model` when the method leaves it out of the merged
    /// models (linear and karcher merge it like any model and get none).
    var initPath: String? { recipe.method.excludesBase ? recipe.baseModel : nil }

    /// The merged models' paths, in recipe order.
    var modelPaths: [String] { recipe.mergedModels.map { recipe.models[$0].model } }

    /// The plan: the recipe's method (`RecipeMethod.methodID`), its output dtype unless
    /// `--dtype` overrides it, and the resolved recipe (parameters per tensor; written beside
    /// the output).
    func plan() throws -> MergePlan {
        let resolved = recipe.resolved()
        var plan = MergePlan(
            method: recipe.method.methodID,
            outputDType: try output.outputDType() ?? recipe.outputDType,
            allowNegativeEta: merge.allowNegativeEta, threads: merge.threadCount)
        plan.recipe = resolved
        let position = LayerPosition.afterBlocks
        switch recipe.method {
        case .warpSlerp:
            let weights = try recipe.mergedModels.map {
                try recipe.number("weight", tensor: "", model: $0, position: position)
            }
            plan.weights = weights.contains(nil) ? nil : weights.map { $0! }
            plan.lambda = try recipe.number("lambda", tensor: "", model: nil, position: position)
            if case let .string(g) = resolved.parameters["granularity"] {
                guard let granularity = Granularity(rawValue: g) else {
                    throw ValidationError("recipe: unknown granularity '\(g)'")
                }
                plan.granularity = granularity
            }
            plan.etas = recipe.etas
            plan.allowNegativeEta = plan.allowNegativeEta || negativeEtaAllowed
        case .liti, .extrapolate:
            plan.etas = recipe.etas
            plan.allowNegativeEta = plan.allowNegativeEta || negativeEtaAllowed
        default:
            plan.granularity = .tensor
        }
        return plan
    }

    private var negativeEtaAllowed: Bool {
        if case .bool(true) = recipe.parameters["allow_negative_eta"] { return true }
        return false
    }

    /// The shared merge-command run for this recipe: outputs `OUT` (or `OUT/eta-<η>/` for a
    /// front), the recipe in the metadata and `mergekit_config.yml`.
    func commandRun() throws -> MergeCommandRun {
        let plan = try plan()
        let etaGiven = plan.etas != [1]
        var run = try MergeCommandRun(
            name: "run", method: plan.method, etas: etaGiven ? plan.etas : nil,
            models: modelPaths, initPath: initPath, merge: merge, output: output)
        run.plan = plan
        if recipe.tokenizerSource == "base", let base = recipe.baseModel {
            run.auxiliaryFrom = base
        }
        return run
    }
}
