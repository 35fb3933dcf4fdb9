import ArgumentParser
import Foundation
import Merging
import SafeTensors

/// `mergetool convert CKPT -o OUT [--dtype …] [--shard-size SIZE] [--zstd]`.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Copy a checkpoint to another layout, or convert its floating-point dtype.",
        discussion: """
            Without --dtype every tensor is copied byte for byte (same names, dtypes, shapes, \
            bytes and __metadata__, plus "convert.tool": "mergetool …" marking the output as \
            mergetool's; the output is validated like any input). With --dtype, tensors of \
            F16, BF16, F32, F64, F8_E4M3, F8_E5M2 and the FNUZ variants are converted (round \
            to nearest even, NaN stays NaN, ±Inf stays ±Inf, overflow gives ±Inf) and all \
            others (integers, BOOL, F8_E8M0, F4, F6_*, C64) are copied. Non-weight files of a \
            checkpoint directory (config.json, tokenizer files, …) are copied into a directory \
            output. The output appears only when complete, and may not be (or contain) the input.

            Examples:
              mergetool convert model.safetensors -o model-f32.safetensors --dtype f32
              mergetool convert checkpoints/sft -o sft-bf16 --dtype bf16 --shard-size 5GB
              mergetool convert checkpoints/sft -o sft.safetensors.zst
            """)

    /// The `__metadata__` key that marks a convert output (`OutputReplacement.markerKeys`).
    static let markerKey = "convert.tool"

    @Argument(help: "The checkpoint to read: a file or a directory.")
    var checkpoint: String

    @OptionGroup var output: OutputOptions

    @Flag(name: .shortAndLong, help: "No progress line and no summary.")
    var quiet = false

    func run() throws {
        let store = try Checkpoint.open(checkpoint)
        let target = try output.outputDType()
        let converter = CheckpointConverter(store: store, target: target)
        // the source's metadata, marked as ours (so a rerun may replace the output)
        let metadata =
            Checkpoint.metadataPairs(store).filter { $0.key != Self.markerKey }
            + [(Self.markerKey, MergeRecipe.toolVersion)]
        let writer = try CheckpointWriter(
            path: output.output, tensors: converter.outputTensors,
            metadata: metadata, shardSize: try output.shardBytes(),
            inputs: [checkpoint], auxiliaryFrom: checkpoint,
            extraFiles: ModelConfigDType.configFile(from: checkpoint, dtype: target),
            compressShards: output.compressShards, replacing: output.replacing)
        let progress = ProgressLine(label: "convert", unit: "tensors", quiet: quiet)
        let total = converter.outputTensors.count
        do {
            try converter.write(to: writer) { progress.update(Progress(done: $0, total: total)) }
            try writer.finish()
        } catch {
            writer.abort()
            progress.finish()
            throw error
        }
        progress.finish()
        let converted = converter.convertedCount
        if quiet { return }  // -q is quiet on stdout too
        print(
            "wrote \(output.output): \(store.tensors.count) tensors"
                + (target.map { ", \(converted) converted to \($0.rawValue)" }
                    ?? ", copied byte for byte")
                + ", " + InspectReport.count(writer.writtenFiles.count, "file")
        )
    }
}

/// Copies or converts every tensor of a store into a writer, in storage order.
struct CheckpointConverter {
    let store: any TensorStore
    let target: DType?
    let outputTensors: [TensorInfo]

    init(store: any TensorStore, target: DType?) {
        self.store = store
        self.target = target
        outputTensors = store.tensors.map { t in
            guard let d = target, t.dtype.isConvertibleFloat else { return t }
            return TensorInfo(name: t.name, dtype: d, shape: t.shape)
        }
    }

    var convertedCount: Int {
        zip(store.tensors, outputTensors).filter { $0.dtype != $1.dtype }.count
    }

    /// Streams every tensor into `writer`; `progress(k)` after tensor k.
    /// - Complexity: one pass over the data; memory two chunks of `chunk` elements.
    func write(to writer: CheckpointWriter, progress: (Int) -> Void) throws {
        let chunk = 1 << 20
        var floats = [Float](repeating: 0, count: chunk)
        var doubles = [Double]()
        var out = [UInt8](repeating: 0, count: chunk * 8)
        for (k, (src, dst)) in zip(store.tensors, outputTensors).enumerated() {
            if src.dtype == dst.dtype {
                try writer.copy(src.name, from: store)
                progress(k + 1)
                continue
            }
            // Double path when narrowing from F64 (one rounding), Float otherwise (exact widen).
            let viaDouble = src.dtype == .f64
            if viaDouble && doubles.isEmpty { doubles = [Double](repeating: 0, count: chunk) }
            let inSize = src.dtype.byteSize!, outSize = dst.dtype.byteSize!
            var start = 0
            while start < src.elementCount {
                let n = min(chunk, src.elementCount - start)
                let range = (start * inSize)..<((start + n) * inSize)
                try store.withBytes(of: src.name, in: range) { raw in
                    try out.withUnsafeMutableBytes { o in
                        let dstRaw = UnsafeMutableRawBufferPointer(rebasing: o[0..<(n * outSize)])
                        if viaDouble {
                            try doubles.withUnsafeMutableBufferPointer { d in
                                let part = UnsafeMutableBufferPointer(rebasing: d[0..<n])
                                try FloatConversion.decode(raw, dtype: src.dtype, into: part)
                                FloatConversion.encode(
                                    UnsafeBufferPointer(part), dtype: dst.dtype, into: dstRaw)
                            }
                        } else {
                            try floats.withUnsafeMutableBufferPointer { f in
                                let part = UnsafeMutableBufferPointer(rebasing: f[0..<n])
                                try FloatConversion.decode(raw, dtype: src.dtype, into: part)
                                FloatConversion.encode(
                                    UnsafeBufferPointer(part), dtype: dst.dtype, into: dstRaw)
                            }
                        }
                        try writer.append(UnsafeRawBufferPointer(dstRaw))
                    }
                }
                store.release(src.name, in: range)
                start += n
            }
            progress(k + 1)
        }
    }
}
