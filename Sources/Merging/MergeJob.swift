import Foundation
import SafeTensors

/// A whole merge from paths to committed checkpoints: open the inputs, prepare the engine,
/// create one output checkpoint per η (recipe in `__metadata__`, a README.md model card, the
/// init's config and tokenizer files), run, commit, report. The command line parses flags
/// into a job and formats its result; any other caller gets the same bytes.
///
/// One η writes `output` itself; several η write a front, `output/eta-<η>/` each, assembled
/// in a staged directory and moved in only when every output is complete.
public struct MergeJob: Sendable {
    public var plan: MergePlan
    /// θ_1 … θ_M (for LITI: the one merged model).
    public var models: [String]
    /// θ_init, when the method uses one.
    public var initial: String?
    /// `OUT`: a `.safetensors`/`.safetensors.zst` file or a checkpoint directory (a front is
    /// always a directory).
    public var output: String
    /// Whether outputs and recipes carry their η (given explicitly, or the method is LITI).
    public var labelsEta: Bool
    /// Maximum bytes of tensor data per shard of a directory output.
    public var shardBytes: Int?
    /// Write a directory output's weight files as `.safetensors.zst`.
    public var compressShards: Bool
    /// What an existing `output` may be for this job to replace it.
    public var replacing: OutputReplacement
    /// Where config/tokenizer files come from (default: the init, else the first model).
    public var auxiliaryFrom: String?

    public init(
        plan: MergePlan, models: [String], initial: String?, output: String,
        labelsEta: Bool? = nil, shardBytes: Int? = nil, compressShards: Bool = false,
        replacing: OutputReplacement = .mergetoolOutput
    ) {
        self.plan = plan
        self.models = models
        self.initial = initial
        self.output = output
        self.labelsEta = labelsEta ?? (plan.method == .liti || plan.etas != [1])
        self.shardBytes = shardBytes
        self.compressShards = compressShards
        self.replacing = replacing
    }

    /// Every input path: the models, then the init (outputs may not be or hold any of them).
    public var inputs: [String] { models + (initial.map { [$0] } ?? []) }

    /// Where output k goes: `OUT` for one output, `OUT/eta-<η>` for a front.
    public var outputPaths: [String] {
        guard plan.etas.count > 1 else { return [output] }
        return plan.etas.map { (output as NSString).appendingPathComponent(Self.etaName($0)) }
    }

    /// Whether `output` names a single file (`.safetensors` or `.safetensors.zst`).
    public var outputIsFile: Bool {
        output.hasSuffix(".safetensors") || output.hasSuffix(".safetensors.zst")
    }

    /// `eta-0.3`, `eta-1`: the directory of one front member.
    public static func etaName(_ eta: Double) -> String { "eta-" + format(eta) }

    /// η as written in paths and summaries: integers without a fraction, others as Swift
    /// prints a `Double` (shortest round trip).
    public static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }

    /// Opens the inputs (headers only), checks the family and the plan and lays out the
    /// groups. No tensor data is read and nothing is written.
    /// - Throws: `MergeError` for bad plans and families, `SafeTensorsError` for bad inputs.
    public func prepare() throws -> PreparedMergeJob {
        let initialStore = try initial.map { try Checkpoint.open($0) }
        let modelStores = try models.map { try Checkpoint.open($0) }
        let engine = try MergeEngine.prepare(plan, init: initialStore, models: modelStores)
        return PreparedMergeJob(job: self, engine: engine)
    }
}

/// A job whose inputs are open and whose layout is known: dry-run it or run it.
public struct PreparedMergeJob {
    public let job: MergeJob
    public let engine: MergeEngine

    /// Bytes of tensor data in all inputs (init and models).
    public var inputBytes: Int {
        ((engine.initial.map { [$0] } ?? []) + engine.models).reduce(0) { total, store in
            total + store.tensors.reduce(0) { $0 + $1.byteCount }
        }
    }

    /// What a run would do: the groups, the copied tensors and the output paths.
    public func dryRun() -> MergeDryRun {
        MergeDryRun(layout: engine.layout, outputs: job.outputPaths)
    }

    /// Runs the merge into fresh outputs and commits them (atomically: a failed or
    /// interrupted run leaves no partial output at any final path).
    /// - Parameter progress: called after each tensor, on the calling thread.
    /// - Returns: the engine's report, the paths written, wall seconds and input bytes.
    /// - Throws: `MergeError` for bad inputs, `SafeTensorsError` for I/O and output safety.
    public func run(progress: ((MergeProgress) -> Void)? = nil) throws -> MergeJobResult {
        let paths = job.outputPaths
        // a front is one output: OUT/eta-*/ assembled in a staged directory, moved in at the end
        let front =
            paths.count > 1
            ? try StagedDirectory(path: job.output, inputs: job.inputs, replacing: job.replacing)
            : nil
        let writePaths =
            front.map { f in job.plan.etas.map { f.temporaryPath + "/" + MergeJob.etaName($0) } }
            ?? paths
        var sinks: [any MergeSink] = []
        do {
            for (k, path) in writePaths.enumerated() {
                sinks.append(
                    try sink(
                        path: path, eta: job.plan.etas[k],
                        replacing: front == nil ? job.replacing : .anyCheckpoint))
            }
        } catch {
            for s in sinks { s.abort() }
            front?.abort()
            throw error
        }
        let started = Date()
        let report: MergeReport
        do {
            report = try engine.run(into: sinks, progress: progress)
            try front?.commit()
        } catch {
            front?.abort()
            throw error
        }
        return MergeJobResult(
            report: report, outputs: paths, seconds: Date().timeIntervalSince(started),
            inputBytes: inputBytes)
    }

    /// A checkpoint writer for output η: the recipe in `__metadata__` (its `merge.tool` key
    /// marks the output as mergetool's), a README.md model card and, for directory outputs,
    /// the non-weight files of the init's (else the first model's) directory.
    func sink(path: String, eta: Double, replacing: OutputReplacement) throws -> any MergeSink {
        let recipe = MergeRecipe(
            plan: job.plan, models: job.models, initial: job.initial,
            eta: job.labelsEta ? eta : nil)
        var isDir: ObjCBool = false
        let auxiliary = (job.auxiliaryFrom ?? job.initial ?? job.models.first).flatMap {
            FileManager.default.fileExists(atPath: $0, isDirectory: &isDir) && isDir.boolValue
                ? $0 : nil
        }
        // the card, the recipe a mergekit user re-runs, and config.json with the dtype written
        var extra = ["README.md": Array(recipe.modelCard().utf8)]
        if let r = job.plan.recipe { extra["mergekit_config.yml"] = Array(r.yaml().utf8) }
        extra.merge(ModelConfigDType.configFile(from: auxiliary, dtype: job.plan.outputDType)) {
            $1
        }
        return try CheckpointWriter(
            path: path, tensors: engine.outputTensors, metadata: recipe.metadata(),
            shardSize: job.shardBytes, inputs: job.inputs, auxiliaryFrom: auxiliary,
            extraFiles: extra,
            compressShards: job.compressShards, replacing: replacing)
    }
}

/// What a finished merge job did.
public struct MergeJobResult: Sendable {
    /// Per-group geometry, coefficients, fallbacks and warnings.
    public var report: MergeReport
    /// The committed outputs, one per η, in the plan's order.
    public var outputs: [String]
    /// Wall-clock seconds of the run (reading, merging, writing, committing).
    public var seconds: Double
    /// Bytes of tensor data in the inputs.
    public var inputBytes: Int
    /// Bytes of tensor data written (all outputs).
    public var bytesWritten: Int { report.bytesWritten }
}

/// What a merge job would do, without doing it.
public struct MergeDryRun: Sendable {
    public var layout: MergeLayout
    public var outputs: [String]

    /// The layout's description, then one line: groups, copied tensors and the outputs.
    public var text: String {
        layout.describe() + "\n" + "\(layout.groups.count) groups, \(layout.copied.count) "
            + "copied tensors; would write: " + outputs.joined(separator: ", ")
    }

    /// `{"copied": […], "groups": [{"elements", "name", "tensors"}], "outputs": […]}`.
    public func json() throws -> String {
        struct Group: Encodable { var name: String; var tensors: [String]; var elements: Int }
        struct DryRun: Encodable {
            var groups: [Group]; var copied: [String]; var outputs: [String]
        }
        let run = DryRun(
            groups: layout.groups.map { g in
                Group(
                    name: g.name, tensors: g.tensors.map(\.name),
                    elements: g.tensors.reduce(0) { $0 + $1.elementCount })
            },
            copied: layout.copied, outputs: outputs)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(run), as: UTF8.self)
    }
}
