import ArgumentParser
import Foundation
import Merging

/// `mergetool merge --method NAME A B … [--base BASE] -o OUT`: one mergekit method for one-off
/// use, with the recipe's parameters as flags.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge with one of mergekit's methods (ties, dare_ties, model_stock, …).",
        discussion: """
            The flags are a recipe's parameters (see `mergetool run`): per-model values are \
            repeated options or comma lists (one value for all models, or one per model, in \
            order); the resolved recipe is written beside the output as with `run`.

            Methods and formulas (δm = θm − θ_base, weights wm):
            \(RunCommand.methodList)

            Example:
              mergetool merge --method ties chat math --base base --density 0.5 -o merged
              mergetool merge --method dare_ties chat math --base base --density 0.3,0.6 \
            --seed 7 -o merged
            """)

    @Argument(help: "The models merged (the base is given with --base).") var models: [String]

    @Option(help: "The method: a recipe's merge_method, e.g. ties, dare_ties, model_stock.")
    var method: String

    @Option(help: "The base model (base_model); required by the task-vector methods and slerp.")
    var base: String?

    @Option(help: "Per-model weight (default 1).") var weight: [DoubleList] = []
    @Option(help: "Per-model density: fraction of the task vector kept.")
    var density: [DoubleList] = []
    @Option(help: "Per-model gamma (breadcrumbs): fraction of largest magnitudes dropped.")
    var gamma: [DoubleList] = []
    @Option(help: "Per-model epsilon (della): half-width of the keep probabilities.")
    var epsilon: [DoubleList] = []
    @Option(name: .customLong("lambda"), help: "λ: scale of the merged task vector.")
    var lambda: Double?
    @Option(name: .customLong("t"), help: "t of full-weight slerp (0 is the base).")
    var t: Double?
    @Option(help: "Seed of the random drops (dare_*, della*).") var seed: UInt64?

    @OptionGroup var merge: MergeOptions
    @OptionGroup var output: OutputOptions

    /// The recipe these flags describe, checked as a recipe file is (written and parsed
    /// again, so a flag the method does not take is the same error naming the key).
    func recipe() throws -> Recipe {
        guard let m = RecipeMethod(rawValue: method), Recipe(method: m, models: []).isPerTensor
        else {
            let known = RecipeMethod.allCases.filter {
                Recipe(method: $0, models: []).isPerTensor
            }
            throw ValidationError(
                "unknown --method '\(method)' (known: "
                    + known.map(\.rawValue).joined(separator: ", ") + ")")
        }
        let takes = Set(m.modelParameters.map(\.name))
        func perModel(_ name: String, _ lists: [DoubleList], default d: Double?) throws
            -> [Double]?
        {
            let values = lists.flatMap(\.values)
            if values.isEmpty {
                return takes.contains(name) ? d.map { _ in models.map { _ in d! } } : nil
            }
            guard takes.contains(name) else {
                throw ValidationError("--\(name) does not apply to \(method)")
            }
            if values.count == 1 { return models.map { _ in values[0] } }
            guard values.count == models.count else {
                throw ValidationError(
                    "--\(name) has \(values.count) values for \(models.count) models")
            }
            return values
        }
        let columns: [(String, [Double]?)] = [
            ("weight", try perModel("weight", weight, default: 1)),
            ("density", try perModel("density", density, default: nil)),
            ("gamma", try perModel("gamma", gamma, default: nil)),
            ("epsilon", try perModel("epsilon", epsilon, default: nil)),
        ]
        let list = models.enumerated().map { i, path in
            Recipe.Model(
                model: path,
                parameters: Dictionary(
                    uniqueKeysWithValues: columns.compactMap { name, v in
                        v.map { (name, RecipeSetting.number($0[i])) }
                    }))
        }
        var parameters: [String: RecipeSetting] = [:]
        if let l = lambda { parameters["lambda"] = .number(l) }
        if let t { parameters["t"] = .number(t) }
        let built = Recipe(
            method: m, models: list, baseModel: base, parameters: parameters, seed: seed)
        return try Recipe(yaml: built.yaml())
    }

    func validate() throws { _ = try recipe() }

    func run() throws {
        let recipe = try recipe()
        let run = try RecipeRun(recipe: recipe, merge: merge, output: output).commandRun()
        if merge.dryRun, !merge.json { print(recipe.resolved().yaml()) }
        try run.run()
    }
}
