import ArgumentParser
import Foundation
import Merging
import SafeTensors

/// `mergetool run RECIPE.yaml -o OUT`: a mergekit-format recipe through the merge engine.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a merge recipe in mergekit's YAML format (and WARP's steps).",
        discussion: """
            Reads models, base_model, merge_method, parameters (per model and global, with \
            filters and layer gradients), dtype, out_dtype, tokenizer_source and seed. Keys \
            the format does not have are errors naming the key and its line. Model paths are \
            taken as written (relative to the current directory).

            Methods and formulas (δm = θm − θ_base, weights wm):
            \(RunCommand.methodList)

            WARP steps: warp_slerp (SLERP of task vectors per layer group, optional eta front), \
            liti and extrapolate (one output per eta) run as `slerp` and `liti` do.

            The resolved recipe (every default written out, the seed set) is written beside \
            the output as OUT/mergekit_config.yml and into the safetensors metadata \
            (merge.recipe); running it again gives the same bytes.

            Example:
              mergetool run examples/recipes/ties.yaml -o merged
            """)

    @Argument(help: "The recipe (YAML).") var recipe: String

    @OptionGroup var merge: MergeOptions
    @OptionGroup var output: OutputOptions

    /// One line per per-tensor method: its recipe name and formula.
    static var methodList: String {
        MergeMethods.all.compactMap { m in
            (m as? any PerTensorMethod.Type).map { "  \($0.recipeMethod.rawValue): \($0.formula)" }
        }.joined(separator: "\n")
    }

    func run() throws {
        let text: String
        do {
            text = try String(contentsOfFile: recipe, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read recipe '\(recipe)'")
        }
        let parsed = try Recipe(yaml: text)
        let run = try RecipeRun(recipe: parsed, merge: merge, output: output).commandRun()
        if merge.dryRun, !merge.json { print(parsed.resolved().yaml()) }
        for note in parsed.notes { stderrLine("warning: \(note)") }
        try run.run()
    }
}
