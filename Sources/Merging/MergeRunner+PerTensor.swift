import CMergeKernels
import Dispatch
import SafeTensors

/// Where a stream's chunks come from: read and decoded per chunk from the mapped inputs (one
/// set of `Double` buffers per worker), or slices of whole tensors decoded once (inputs that
/// can only be read forward, for streams with statistics passes).
private final class ChunkSource: @unchecked Sendable {
    let layout: ChunkLayout
    let inputs: Int
    let hasBase: Bool
    /// Per worker: one chunk per input, then the merged chunk.
    private let buffers: [[UnsafeMutableBufferPointer<Double>]]
    /// Whole tensors (forward-only inputs), else nil.
    private let whole: [UnsafeMutableBufferPointer<Double>]?

    init(layout: ChunkLayout, inputs: Int, hasBase: Bool, workers: Int, whole: Bool) {
        self.layout = layout
        self.inputs = inputs
        self.hasBase = hasBase
        let length = max(1, min(layout.length, layout.count))
        buffers = (0..<workers).map { _ in
            (0...inputs).map { _ in .allocate(capacity: length) }
        }
        self.whole =
            whole ? (0..<inputs).map { _ in .allocate(capacity: max(1, layout.count)) } : nil
    }

    deinit {
        for set in buffers { for b in set { b.deallocate() } }
        for b in whole ?? [] { b.deallocate() }
    }

    var isWhole: Bool { whole != nil }

    /// Worker w's buffer for the merged values of a chunk of `count` elements.
    func merged(_ w: Int, count: Int) -> UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(rebasing: buffers[w][inputs][0..<count])
    }

    /// The destination of input i's elements `range` of the chunk (whole tensor or worker's).
    func target(_ w: Int, input i: Int, chunkStart: Int) -> UnsafeMutablePointer<Double> {
        if let whole { return whole[i].baseAddress! }
        return buffers[w][i].baseAddress! - chunkStart
    }

    /// Chunk c's values as worker w holds them.
    func view(_ c: Int, worker w: Int) -> ChunkValues {
        let r = layout.range(c)
        let values: [UnsafeBufferPointer<Double>] = (0..<inputs).map { i in
            if let whole { return UnsafeBufferPointer(rebasing: whole[i][r]) }
            return UnsafeBufferPointer(rebasing: buffers[w][i][0..<r.count])
        }
        return ChunkValues(
            offset: r.lowerBound, index: c, base: hasBase ? values[0] : nil,
            models: Array(values[(hasBase ? 1 : 0)...]))
    }
}

private struct Pointer: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
}

extension MergeRunner {
    /// The loop of `.perTensor` methods over one group: each tensor's `TensorStream`
    /// (parameters resolved from the plan's recipe) runs its statistics passes over the
    /// chunks of the inputs, read from the mapped files and decoded to `Double` (exact for
    /// every float dtype), then its write pass, whose values — mapped through each η,
    /// `θ_init + η·(s − θ_init)` — are rounded once to the output dtype
    /// (`FloatConversion.encode`) and appended to every sink, block after block.
    ///
    /// Chunks are spread over the workers (`--threads`) in blocks; partial sums are folded in
    /// chunk order, so the output does not depend on the number of threads.
    ///
    /// - Complexity: each pass reads every input once. Memory: (inputs + 1) chunks of
    ///   `Double` per thread (`ChunkLayout`, 32 Ki elements or whole rows) plus the stream's
    ///   statistics and one output block per η, independent of tensor size. Inputs that can
    ///   only be read forward (zstd) and a stream with statistics passes: the tensor is held
    ///   whole in `Double`, once.
    func mergePerTensor(_ group: TensorGroup) throws {
        guard let recipe = plan.recipe else {
            throw MergeError.invalidCoefficients(reason: "\(plan.method) needs a recipe")
        }
        let layers = Self.layerCount(layout)
        try recipe.checkLayerRange(layerCount: layers)
        guard recipe.isPerTensor else {
            throw RecipeError.notPerTensor(method: recipe.method.rawValue)
        }
        var gram = [Double](repeating: 0, count: m * m)
        var mergedSquares = 0.0
        for t in group.tensors {
            let position = recipe.position(of: t.name, layerCount: layers)
            let spec = TensorSpec(
                name: t.name, shape: t.shape, hasBase: hasInit,
                parameters: try recipe.modelParameters(tensor: t.name, position: position))
            let stream = try method.tensorStream(
                spec, settings: TensorSettings(recipe: recipe, tensor: t.name, position: position))
            let sums = try run(stream, on: t)
            for i in 0..<(m * m) { gram[i] += sums[i] }
            mergedSquares += sums[m * m]
            tensorDone(t)
        }
        let rows = (0..<m).map { a in
            (0..<m).map { b in a <= b ? gram[a * m + b] : gram[b * m + a] }
        }
        let geometry = GramStats(rows: rows)
        report.groups.append(
            MergeReport.Group(
                name: group.name, tensors: group.tensors.count,
                elements: group.tensors.reduce(0) { $0 + $1.elementCount },
                norms: geometry.norms, cosine12: m >= 2 ? geometry.cos(0, 1) : nil,
                coefficients: [], steps: [], mergedNorm: mergedSquares.squareRoot()))
    }

    /// Runs `stream` over tensor `t` and writes it; returns the upper triangle of the task
    /// vectors' Gram matrix (M×M, row-major) followed by ‖merged − base‖².
    private func run(_ stream: any TensorStream, on t: TensorInfo) throws -> [Double] {
        let layout = ChunkLayout(count: t.elementCount, rowLength: stream.rowLength)
        var size = stream.nextPass()
        let forwardOnly = stores.contains { $0.access != .randomAccess }
        let source = ChunkSource(
            layout: layout, inputs: stores.count, hasBase: hasInit, workers: workers.count,
            whole: forwardOnly && size != nil)
        if source.isWhole {
            try workers[0].reader.forEachChunk(of: t.name) { chunk in
                for i in 0..<stores.count {
                    Self.decode(
                        chunk, input: i,
                        into: source.target(0, input: i, chunkStart: 0) + chunk.offset)
                }
            }
            try checkFinite(t, source: source, chunk: nil)
        }
        var first = true
        var sums = [Double](repeating: 0, count: m * m + 1)
        while true {
            let writing = size == nil
            let width = size ?? (m * m + 1)
            try forEachBlock(t, layout: layout, writing: writing) { chunks, out in
                let partials = try self.passBlock(
                    t, stream, source: source, chunks: chunks, width: width, check: first,
                    output: out)
                partials.withUnsafeBufferPointer { all in
                    for (k, c) in chunks.enumerated() {
                        let p = UnsafeBufferPointer(rebasing: all[(k * width)..<((k + 1) * width)])
                        if writing {
                            for j in 0..<width { sums[j] += p[j] }
                        } else {
                            stream.fold(p, chunk: c)
                        }
                    }
                }
            }
            if writing { break }
            first = false
            try stream.endPass()
            size = stream.nextPass()
        }
        return sums
    }

    /// Calls `body` for consecutive blocks of chunks; in the write pass with the block's output
    /// buffers (one per η), then appends them to the sinks on the writer thread.
    private func forEachBlock(
        _ t: TensorInfo, layout: ChunkLayout, writing: Bool,
        _ body: (Range<Int>, [UnsafeMutableRawPointer]) throws -> Void
    ) throws {
        let dtype = outputDTypes[ExactName(t.name)] ?? t.dtype
        let outSize = dtype.byteSize ?? 8
        let capacity = chunk * MergeEngine.chunksPerBlock
        let perBlock = max(1, min(MergeEngine.chunksPerBlock, capacity / max(1, layout.length)))
        // rows longer than a block (della, row-wise methods on a long last axis): own buffers
        let own: [[UnsafeMutableRawBufferPointer]]? =
            writing && layout.length > capacity
            ? (0..<2).map { _ in
                outputs.map { _ in
                    .allocate(byteCount: layout.length * outSize, alignment: 64)
                }
            } : nil
        defer {
            if let own {
                try? pipeline.drain()
                for set in own { for b in set { b.deallocate() } }
            }
        }
        if writing && layout.count == 0 {
            try pipeline.drain()
            for sink in outputs { try sink.append(UnsafeRawBufferPointer(start: nil, count: 0)) }
            return
        }
        var c = 0
        while c < layout.chunks {
            let chunks = c..<min(layout.chunks, c + perBlock)
            let set = writing ? (own ?? outSets)[outSet] : []
            try body(chunks, set.map { $0.baseAddress! })
            if writing {
                let bytes =
                    (layout.range(chunks.upperBound - 1).upperBound
                        - layout.range(chunks.lowerBound).lowerBound) * outSize
                try pipeline.drain()
                let sinks = outputs
                pipeline.submit {
                    for (k, sink) in sinks.enumerated() {
                        try sink.append(UnsafeRawBufferPointer(rebasing: set[k][0..<bytes]))
                    }
                }
                outSet ^= 1
            }
            c = chunks.upperBound
        }
    }

    /// One block of one pass, its chunks split across the workers by whole chunks: returns each
    /// chunk's partial (`width` doubles, in chunk order).
    private func passBlock(
        _ t: TensorInfo, _ stream: any TensorStream, source: ChunkSource, chunks: Range<Int>,
        width: Int, check: Bool, output: [UnsafeMutableRawPointer]
    ) throws -> [Double] {
        var partials = [Double](repeating: 0, count: chunks.count * width)
        let parts = max(1, min(workers.count, chunks.count))
        let outs = output.map { Pointer(raw: $0) }
        try partials.withUnsafeMutableBufferPointer { all in
            let box = Pointer(raw: UnsafeMutableRawPointer(all.baseAddress!))
            try runParts(parts) { p in
                let lo = chunks.lowerBound + p * chunks.count / parts
                let hi = chunks.lowerBound + (p + 1) * chunks.count / parts
                let base = box.raw.assumingMemoryBound(to: Double.self)
                for c in lo..<hi {
                    let partial = UnsafeMutableBufferPointer(
                        start: base + (c - chunks.lowerBound) * width, count: width)
                    try self.runChunk(
                        c, t, stream, source: source, worker: p, check: check,
                        partial: partial,
                        output: outs.isEmpty
                            ? nil
                            : (
                                outs.map(\.raw),
                                source.layout.range(chunks.lowerBound).lowerBound
                            ))
                }
            }
        }
        return partials
    }

    /// Reads chunk c (unless held whole), then reduces it, or in the write pass merges it,
    /// adds its Gram and ‖merged − base‖² to `partial` and encodes it once per η into
    /// `output` (the block's buffers, whose first element is `blockStart`).
    private func runChunk(
        _ c: Int, _ t: TensorInfo, _ stream: any TensorStream, source: ChunkSource, worker w: Int,
        check: Bool, partial: UnsafeMutableBufferPointer<Double>,
        output: (pointers: [UnsafeMutableRawPointer], blockStart: Int)?
    ) throws {
        let range = source.layout.range(c)
        if !source.isWhole {
            try workers[w].reader.forEachChunk(of: t.name, elements: range) { raw in
                for i in 0..<stores.count {
                    Self.decode(
                        raw, input: i,
                        into: source.target(w, input: i, chunkStart: range.lowerBound) + raw.offset)
                }
            }
            if check { try checkFinite(t, source: source, chunk: (c, w)) }
        }
        let view = source.view(c, worker: w)
        guard let output else { return stream.reduce(view, into: partial) }
        let merged = source.merged(w, count: range.count)
        try stream.write(view, into: merged)
        if merged.contains(where: { !$0.isFinite }) {
            throw MergeError.nonFinite(
                tensor: t.name + " (the \(plan.method) merge)", file: stores[0].file(of: t.name))
        }
        accumulate(view, merged: merged, into: partial)
        let dtype = outputDTypes[ExactName(t.name)] ?? t.dtype
        let outSize = dtype.byteSize ?? 8
        var point = [Double](repeating: 0, count: range.count)
        for (k, eta) in plan.etas.enumerated() {
            let at = output.pointers[k] + (range.lowerBound - output.blockStart) * outSize
            let bytes = UnsafeMutableRawBufferPointer(start: at, count: range.count * outSize)
            if eta != 1, let base = view.base {
                for i in point.indices { point[i] = base[i] + eta * (merged[i] - base[i]) }
                point.withUnsafeBufferPointer {
                    FloatConversion.encode($0, dtype: dtype, into: bytes)
                }
            } else {
                FloatConversion.encode(UnsafeBufferPointer(merged), dtype: dtype, into: bytes)
            }
        }
    }

    /// Adds δ_a·δ_b (a ≤ b; δ_m = θ_m − base, or θ_m without one) and ‖merged − base‖² of one
    /// chunk into `partial` (M×M row-major, then the squares).
    private func accumulate(
        _ view: ChunkValues, merged: UnsafeMutableBufferPointer<Double>,
        into partial: UnsafeMutableBufferPointer<Double>
    ) {
        let n = view.count
        for a in 0..<m {
            for b in a..<m {
                var s = 0.0
                for i in 0..<n {
                    let x = view.models[a][i] - (view.base?[i] ?? 0)
                    let y = view.models[b][i] - (view.base?[i] ?? 0)
                    s += x * y
                }
                partial[a * m + b] += s
            }
        }
        var squares = 0.0
        for i in 0..<n {
            let d = merged[i] - (view.base?[i] ?? 0)
            squares += d * d
        }
        partial[m * m] += squares
    }

    /// Throws `nonFinite` naming the first input holding NaN/Inf in `t` when the decoded
    /// chunk (or whole tensor) holds one.
    private func checkFinite(_ t: TensorInfo, source: ChunkSource, chunk: (Int, Int)?) throws {
        let views =
            chunk.map { [source.view($0.0, worker: $0.1)] }
            ?? (0..<source.layout.chunks).map { source.view($0, worker: 0) }
        for v in views {
            let all = (v.base.map { [$0] } ?? []) + v.models
            if all.contains(where: { $0.contains { !$0.isFinite } }) {
                try GramPass.throwNonFinite(t.name, stores: stores, chunkElements: self.chunk)
            }
        }
    }

    /// The number of numbered blocks in the output tensors (for gradients over layers).
    static func layerCount(_ layout: MergeLayout) -> Int {
        layout.outputTensors.reduce(0) { max($0, (Grouping.block(of: $1.name)?.index ?? -1) + 1) }
    }

    /// Widens input i of `chunk` (bf16, f32 or f64 as lent) into `out`, exactly.
    static func decode(_ chunk: RawChunk, input i: Int, into out: UnsafeMutablePointer<Double>) {
        let p = chunk.pointers[i]!
        switch chunk.kinds[i] {
        case Int32(MT_BF16):
            for k in 0..<chunk.count {
                let b = UInt16(
                    littleEndian: p.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self))
                out[k] = Double(Float(bitPattern: UInt32(b) << 16))
            }
        case Int32(MT_F32):
            for k in 0..<chunk.count {
                out[k] = Double(p.loadUnaligned(fromByteOffset: 4 * k, as: Float.self))
            }
        default:
            for k in 0..<chunk.count {
                out[k] = p.loadUnaligned(fromByteOffset: 8 * k, as: Double.self)
            }
        }
    }
}
