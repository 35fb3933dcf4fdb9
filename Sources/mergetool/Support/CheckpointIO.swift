import Foundation
import Merging
import SafeTensors

/// Opening merge inputs and creating merge outputs for the merge commands.
enum CheckpointIO {
    /// Opens a checkpoint in any layout `Checkpoint.open` reads.
    static func open(_ path: String) throws -> any TensorStore { try Checkpoint.open(path) }

    /// A checkpoint writer for one merge output: the recipe in `__metadata__` (its
    /// `merge.tool` key marks the output as mergetool's), a README.md model card and the init's
    /// config/tokenizer files for directory outputs.
    /// - Parameter replacing: what an existing `path` may be (`OutputOptions.replacing`).
    static func sink(
        path: String, tensors: [TensorInfo], recipe: MergeRecipe, inputs: [String],
        auxiliaryFrom: String?, shardBytes: Int?, compressShards: Bool,
        replacing: OutputReplacement
    ) throws -> any MergeSink {
        var isDir: ObjCBool = false
        let auxiliary = auxiliaryFrom.flatMap {
            FileManager.default.fileExists(atPath: $0, isDirectory: &isDir) && isDir.boolValue
                ? $0 : nil
        }
        return try CheckpointWriter(
            path: path, tensors: tensors, metadata: recipe.metadata(), shardSize: shardBytes,
            inputs: inputs, auxiliaryFrom: auxiliary,
            extraFiles: ["README.md": Array(recipe.modelCard().utf8)].merging(
                recipe.plan.recipe.map { ["mergekit_config.yml": Array($0.yaml().utf8)] } ?? [:]
            ) { a, _ in a },
            compressShards: compressShards, replacing: replacing)
    }
}
