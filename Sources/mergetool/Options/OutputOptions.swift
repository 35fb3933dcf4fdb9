import ArgumentParser
import SafeTensors

/// Output flags shared by `convert` and the merge commands.
///
/// `-o OUT`: a path ending in `.safetensors` is one file, one ending in `.safetensors.zst` one
/// zstd-compressed file, anything else a Hugging Face checkpoint directory. `--zstd` asks for
/// compressed weights: it is implied by a `.safetensors.zst` path, makes a directory's weight
/// files `.safetensors.zst` (read back by every mergetool command), and is refused with a
/// plain `.safetensors` path (name it `.safetensors.zst` instead).
///
/// Missing parent directories of `-o` are created (as Hugging Face's `save_pretrained` does), by
/// every writing command. An existing `-o` is replaced, atomically and only once the new output
/// is complete, when mergetool wrote it (`OutputReplacement`); `--force` allows any file or
/// checkpoint directory, and nothing allows a directory holding other files.
struct OutputOptions: ParsableArguments {
    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Output: OUT.safetensors (one file), OUT.safetensors.zst (one compressed file), "
                + "or a directory (Hugging Face layout). Missing parent directories are "
                + "created. An existing OUT is replaced only if mergetool wrote it.",
            valueName: "out"))
    var output: String

    @Flag(
        help: ArgumentHelp(
            "Replace an existing OUT that mergetool did not write: a file, or a directory "
                + "holding only checkpoint files (a directory holding anything else is never "
                + "replaced)."))
    var force = false

    @Option(
        name: .customLong("shard-size"),
        help: ArgumentHelp(
            "Split a directory output into shards of at most SIZE bytes of tensor data, "
                + "e.g. 500MB, 5GB, 4GiB (model-00001-of-0000N.safetensors + index).",
            valueName: "size"))
    var shardSize: String?

    @Option(
        help: ArgumentHelp(
            "Convert floating-point tensors to this dtype (round to nearest even); "
                + "other tensors are copied.", valueName: "bf16|f16|f32|f64"))
    var dtype: OutputDTypeChoice?

    @Flag(
        help: ArgumentHelp(
            "Compress weights with zstd (implied by -o X.safetensors.zst; "
                + "for a directory, writes model*.safetensors.zst)."))
    var zstd = false

    func validate() throws {
        if output.isEmpty { throw ValidationError("-o/--output must not be empty") }
        if zstd && output.hasSuffix(".safetensors") {
            throw ValidationError("--zstd with '\(output)': name the output '\(output).zst'")
        }
        if shardSize != nil && !isDirectory {
            throw ValidationError("--shard-size needs a directory output, not '\(output)'")
        }
        _ = try shardBytes()
    }

    /// Whether `-o` names a checkpoint directory.
    var isDirectory: Bool {
        !(output.hasSuffix(".safetensors") || output.hasSuffix(".safetensors.zst"))
    }

    /// What an existing output may be for this run to replace it.
    var replacing: OutputReplacement { force ? .anyCheckpoint : .mergetoolOutput }

    /// Whether weight files are compressed (a `.safetensors.zst` path or `--zstd`).
    var compress: Bool { zstd || output.hasSuffix(".safetensors.zst") }

    /// Whether a directory output should hold `.safetensors.zst` weight files.
    var compressShards: Bool { zstd && isDirectory }

    /// `--shard-size` in bytes.
    func shardBytes() throws -> Int? {
        guard let text = shardSize else { return nil }
        do {
            return try ByteSize.parse(text)
        } catch {
            throw ValidationError("--shard-size: \(error)")
        }
    }

    /// `--dtype` as a safetensors dtype (only bf16, f16, f32, f64 are output types).
    func outputDType() throws -> DType? { dtype?.dtype }
}
