import CMergeKernels
import SafeTensors

/// Flat `Double` buffers of one tensor of every input (init first), freed on `deinit`.
private final class WholeTensors {
    let values: [UnsafeMutableBufferPointer<Double>]

    init(inputs: Int, elements n: Int) {
        values = (0..<inputs).map { _ in .allocate(capacity: max(1, n)) }
    }

    deinit { for v in values { v.deallocate() } }

    /// Input i's elements `0..<n` (the allocation holds at least one element).
    func buffer(_ i: Int, count n: Int) -> UnsafeBufferPointer<Double> {
        UnsafeBufferPointer(rebasing: values[i][0..<n])
    }
}

extension MergeRunner {
    /// The loop of `.perTensor` methods over one group: each tensor of every input is read
    /// whole into `Double` (exact for every float dtype), handed to the method with its
    /// parameters resolved from the plan's recipe, and the result — mapped through each η,
    /// `θ_init + η·(s − θ_init)` — is rounded once to the output dtype
    /// (`FloatConversion.encode`) and appended to every sink.
    ///
    /// The output does not depend on chunk size or threads: inputs are decoded exactly and the
    /// method sees the whole tensor.
    ///
    /// - Complexity: memory is bounded by the largest tensor: (inputs + 1) × 8 bytes per
    ///   element for the decoded inputs and the merge, plus the method's own working copies
    ///   (up to M task vectors: `Elementwise`), plus the output bytes per η.
    func mergePerTensor(_ group: TensorGroup) throws {
        guard let recipe = plan.recipe else {
            throw MergeError.invalidCoefficients(reason: "\(plan.method) needs a recipe")
        }
        let layers = Self.layerCount(layout)
        try recipe.checkLayerRange(layerCount: layers)
        var gram = [Double](repeating: 0, count: m * m)
        var mergedSquares = 0.0
        for t in group.tensors {
            let n = t.elementCount
            let whole = WholeTensors(inputs: stores.count, elements: n)
            try workers[0].reader.forEachChunk(of: t.name) { chunk in
                for i in 0..<stores.count {
                    Self.decode(chunk, input: i, into: whole.values[i].baseAddress! + chunk.offset)
                }
            }
            let first = hasInit ? 1 : 0
            let inputs = (0..<stores.count).map { whole.buffer($0, count: n) }
            if inputs.contains(where: { $0.contains { !$0.isFinite } }) {
                try GramPass.throwNonFinite(t.name, stores: stores, chunkElements: chunk)
            }
            let base = hasInit ? inputs[0] : nil
            let models = Array(inputs[first...])
            var merged = try recipe.merge(
                tensor: t.name, shape: t.shape,
                position: recipe.position(of: t.name, layerCount: layers), base: base,
                models: models)
            if merged.contains(where: { !$0.isFinite }) {
                throw MergeError.nonFinite(
                    tensor: t.name + " (the \(plan.method) merge)", file: stores[0].file(of: t.name)
                )
            }
            for a in 0..<m {
                for b in a..<m {
                    var s = 0.0
                    for i in 0..<n {
                        let x = models[a][i] - (base?[i] ?? 0)
                        let y = models[b][i] - (base?[i] ?? 0)
                        s += x * y
                    }
                    gram[a * m + b] += s
                }
            }
            for i in 0..<n {
                let d = merged[i] - (base?[i] ?? 0)
                mergedSquares += d * d
            }
            try writeWhole(t, merged: &merged, base: base)
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

    /// Rounds `merged` (and each η's point) once to the output dtype and appends it to every
    /// sink, after the blocks already queued.
    private func writeWhole(
        _ t: TensorInfo, merged: inout [Double], base: UnsafeBufferPointer<Double>?
    ) throws {
        let dtype = outputDTypes[ExactName(t.name)] ?? t.dtype
        let bytes = dtype.byteCount(elements: t.elementCount) ?? 0
        try pipeline.drain()
        var out = [UInt8](repeating: 0, count: bytes)
        var point = merged
        for (k, sink) in outputs.enumerated() {
            let eta = plan.etas[k]
            if eta != 1, let base {
                for i in point.indices { point[i] = base[i] + eta * (merged[i] - base[i]) }
            } else {
                point = merged
            }
            point.withUnsafeBufferPointer { p in
                out.withUnsafeMutableBytes { FloatConversion.encode(p, dtype: dtype, into: $0) }
            }
            try out.withUnsafeBytes { try sink.append($0) }
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
