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
        var extra = ["README.md": Array(recipe.modelCard().utf8)]
        if let r = recipe.plan.recipe { extra["mergekit_config.yml"] = Array(r.yaml().utf8) }
        extra.merge(ModelConfigDType.configFile(from: auxiliary, dtype: recipe.plan.outputDType)) {
            $1
        }
        return try CheckpointWriter(
            path: path, tensors: tensors, metadata: recipe.metadata(), shardSize: shardBytes,
            inputs: inputs, auxiliaryFrom: auxiliary,
            extraFiles: extra,
            compressShards: compressShards, replacing: replacing)
    }
}
