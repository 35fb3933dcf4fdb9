import Dispatch
import SafeTensors

/// Per-thread state of the element loops: a chunk reader, the output pointers of the chunk
/// being merged, and scratch for output types the kernel does not write itself.
final class MergeWorker: @unchecked Sendable {
    let reader: ChunkedInputs
    let outputs: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    let scratch: UnsafeMutablePointer<Double>
    /// NaN/±Inf values this worker wrote, per output (zeroed by the pass).
    let nonFinite: UnsafeMutablePointer<Int>

    init(stores: [any TensorStore], chunkElements: Int, outputs count: Int) {
        reader = ChunkedInputs(stores: stores, chunkElements: chunkElements)
        outputs = .allocate(capacity: max(1, count))
        scratch = .allocate(capacity: chunkElements)
        nonFinite = .allocate(capacity: max(1, count))
        nonFinite.initialize(repeating: 0, count: max(1, count))
    }

    deinit {
        outputs.deallocate()
        scratch.deallocate()
        nonFinite.deallocate()
    }
}

/// One merge in progress: walks the layout's items, runs the passes, fills the report.
/// The statistics pass is `GramPass`; the write pass splits blocks of `chunksPerBlock` chunks
/// across threads by whole chunks and adds the per-chunk Gram sums in chunk order, so results
/// (and output bytes) do not depend on the number of threads.
final class MergeRunner: @unchecked Sendable {
    let plan: MergePlan
    let method: any MergeMethod.Type
    let stores: [any TensorStore]
    let outputs: [any MergeSink]
    let layout: MergeLayout
    let progress: ((MergeProgress) -> Void)?
    let kernel: MergeKernel
    let m: Int
    let hasInit: Bool
    var report: MergeReport
    let workers: [MergeWorker]
    /// The statistics pass (over separate store instances when given, so streamed inputs are
    /// read forward by each pass); `nil` for methods without one.
    let statistics: GramPass?
    /// Writes blocks to the sinks on a background thread.
    let pipeline = SinkPipeline()
    /// Two sets (ping-pong) of one output block per output, `blockElements × 8` bytes each.
    let outSets: [[UnsafeMutableRawBufferPointer]]
    var outSet = 0
    let outputDTypes: [ExactName: DType]
    let chunk = MergeEngine.chunkElements
    private var tensorsDone = 0
    /// Allowed NaN/±Inf per output: values, tensors, the first tensor.
    private lazy var allowed = plan.etas.map { _ in (values: 0, tensors: 0, first: String?.none) }
    private var bytesDone = 0
    private let bytesTotal: Int
    private let tensorsTotal: Int

    init(
        engine: MergeEngine, statistics statisticsStores: [any TensorStore]?,
        outputs: [any MergeSink], progress: ((MergeProgress) -> Void)?
    ) {
        plan = engine.plan
        method = engine.method
        let all = (engine.initial.map { [$0] } ?? []) + engine.models
        stores = all
        self.outputs = outputs
        layout = engine.layout
        self.progress = progress
        m = engine.models.count
        hasInit = engine.initial != nil
        kernel = MergeKernel(
            models: m, hasInit: hasInit, sIsModel: engine.method.mergeIsModel)
        report = MergeReport(method: plan.method, granularity: plan.granularity, etas: plan.etas)
        // streamed stores serialise reads: splitting a tensor across threads would seek back
        let parallel = (all + (statisticsStores ?? [])).allSatisfy { $0.access == .randomAccess }
        let threads = parallel ? max(1, plan.threads) : 1
        workers = (0..<threads).map { _ in
            MergeWorker(
                stores: all, chunkElements: MergeEngine.chunkElements, outputs: outputs.count)
        }
        statistics =
            engine.method.needsStatistics
            ? GramPass(
                stores: statisticsStores ?? all, hasBase: hasInit, threads: threads,
                sums: hasInit ? .task : .weight, chunkElements: MergeEngine.chunkElements)
            : nil
        let blockBytes = MergeEngine.chunkElements * MergeEngine.chunksPerBlock * 8
        outSets = (0..<2).map { _ in
            outputs.map { _ in
                UnsafeMutableRawBufferPointer.allocate(byteCount: blockBytes, alignment: 64)
            }
        }
        var dtypes: [ExactName: DType] = [:]
        for t in layout.outputTensors { dtypes[ExactName(t.name)] = t.dtype }
        outputDTypes = dtypes
        let bytesOf = { (t: TensorInfo) in
            all.reduce(0) { $0 + ($1.info(t.name)?.byteCount ?? 0) }
        }
        let mergedBytes = layout.groups.reduce(0) { sum, g in
            sum + g.tensors.reduce(0) { $0 + bytesOf($1) }
        }
        let inputBytes = layout.outputTensors.reduce(0) { $0 + bytesOf($1) }
        // SLERP reads merged tensors twice (statistics, then write).
        bytesTotal = inputBytes + (engine.method.needsStatistics ? mergedBytes : 0)
        tensorsTotal = layout.outputTensors.count
    }

    deinit {
        for set in outSets { for b in set { b.deallocate() } }
    }

    /// Runs every item; all sink calls have completed when it returns or throws.
    func run() throws {
        defer {
            try? pipeline.drain()
            pipeline.close()
        }
        try runItems()
        try pipeline.drain()
        warnNonFinite()
    }

    private func runItems() throws {
        for item in layout.items {
            switch item {
            case let .copy(t): try copyTensor(t)
            case let .group(g):
                if method.kind == .perTensor { try mergePerTensor(g) } else { try mergeGroup(g) }
            }
        }
    }

    // MARK: groups

    private func mergeGroup(_ group: TensorGroup) throws {
        var gram = [Double](repeating: 0, count: m * m)
        let coefficients: GroupCoefficients
        if let statistics {
            for t in group.tensors {
                let sums = try statistics.sums(of: t)
                let g = hasInit ? sums.task : sums.weight
                for i in 0..<(m * m) { gram[i] += g[i] }
                bytesDone += stores.reduce(0) { $0 + ($1.info(t.name)?.byteCount ?? 0) }
            }
            coefficients = method.coefficients(plan: plan, gram: symmetric(gram))
            for t in group.tensors {
                let written = try pass(t, coefficients: coefficients.c, gram: false)
                try checkOutputs(t, nonFinite: written.nonFinite)
                tensorDone(t)
            }
        } else {
            coefficients = method.coefficients(plan: plan, gram: symmetric(gram))
            for t in group.tensors {
                let written = try pass(t, coefficients: coefficients.c, gram: true)
                let g = written.gram
                try checkFinite(t, gram: g)
                try checkOutputs(t, nonFinite: written.nonFinite)
                for i in 0..<(m * m) { gram[i] += g[i] }
                tensorDone(t)
            }
        }
        let elements = group.tensors.reduce(0) { $0 + $1.elementCount }
        report.groups.append(
            MergeReport.Group(
                name: group.name, tensors: group.tensors.count, elements: elements,
                geometry: GramStats(rows: symmetric(gram)), c: coefficients.c,
                steps: coefficients.steps))
        for s in coefficients.steps where s.fallback == .antiparallel {
            let degrees = ((s.omega ?? 0) * 180 / Double.pi * 100).rounded() / 100
            report.warnings.append(
                "group '\(group.name)': task vectors are near-antiparallel at step \(s.model) "
                    + "(Ω = \(degrees)°, sin Ω < \(Slerp.antiparallelSine)); used lerp, "
                    + "which nearly cancels them")
        }
    }

    private func symmetric(_ upper: [Double]) -> [[Double]] {
        (0..<m).map { a in (0..<m).map { b in a <= b ? upper[a * m + b] : upper[b * m + a] } }
    }

    func tensorDone(_ t: TensorInfo) {
        tensorsDone += 1
        let read = stores.reduce(0) { $0 + ($1.info(t.name)?.byteCount ?? 0) }
        bytesDone += read
        report.bytesRead = bytesDone
        let outBytes =
            (outputDTypes[ExactName(t.name)] ?? t.dtype).byteCount(elements: t.elementCount) ?? 0
        report.bytesWritten += outBytes * outputs.count
        progress?(
            MergeProgress(
                tensorsDone: tensorsDone, tensorsTotal: tensorsTotal,
                bytesRead: bytesDone, bytesTotal: bytesTotal))
    }

    /// Throws `nonFinite` naming the first input holding NaN/Inf in `t` when the task vectors'
    /// squared norms are not finite (any NaN/Inf in an input makes some δ_m non-finite).
    private func checkFinite(_ t: TensorInfo, gram: [Double]) throws {
        guard (0..<m).contains(where: { !gram[$0 * m + $0].isFinite }) else { return }
        try GramPass.throwNonFinite(t.name, stores: stores, chunkElements: chunk)
    }

    /// Throws `nonFiniteOutput` for the first η whose output of `t` holds NaN/±Inf (the
    /// inputs are finite: checked before), unless the plan allows it; then it is counted for
    /// one warning per η at the end (`warnNonFinite`).
    private func checkOutputs(_ t: TensorInfo, nonFinite: [Int]) throws {
        for (k, count) in nonFinite.enumerated() where count > 0 {
            let dtype = outputDTypes[ExactName(t.name)] ?? t.dtype
            guard plan.allowNonFinite else {
                throw MergeError.nonFiniteOutput(
                    tensor: t.name, eta: plan.etas[k], count: count, dtype: dtype)
            }
            allowed[k].values += count
            allowed[k].tensors += 1
            if allowed[k].first == nil { allowed[k].first = t.name }
        }
    }

    /// One warning per η whose output holds NaN/±Inf that the plan allowed.
    private func warnNonFinite() {
        for (k, a) in allowed.enumerated() where a.values > 0 {
            report.warnings.append(
                "output at eta \(plan.etas[k]) holds \(a.values) nan or infinite values in "
                    + "\(a.tensors) tensor\(a.tensors == 1 ? "" : "s") (first '\(a.first ?? "")') "
                    + "though the inputs are finite; written as asked")
        }
    }

    // MARK: copies

    private func copyTensor(_ t: TensorInfo) throws {
        let step = 8 << 20
        var start = 0
        while start < t.byteCount {
            let end = min(t.byteCount, start + step)
            let equal = try stores[0].withBytes(of: t.name, in: start..<end) { first in
                try stores.dropFirst().allSatisfy { other in
                    try other.withBytes(of: t.name, in: start..<end) { $0.elementsEqual(first) }
                }
            }
            if !equal {
                throw MergeError.unequalTensor(
                    tensor: t.name, files: stores.map { $0.file(of: t.name) },
                    dtypes: stores.map { $0.info(t.name)?.dtype ?? t.dtype })
            }
            for s in stores { s.release(t.name, in: start..<end) }
            start = end
        }
        // inline, after the queued blocks: streamed inputs must be read in order
        try pipeline.drain()
        for sink in outputs { try sink.copy(t.name, from: stores[0]) }
        report.copiedTensors.append(t.name)
        tensorDone(t)
    }
}
