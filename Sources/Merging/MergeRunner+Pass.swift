import Dispatch
import SafeTensors

/// A mutable box that crosses into `concurrentPerform`; each part touches disjoint slots.
private struct RawBox: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}

extension MergeRunner {
    /// The write pass over tensor `t`: writes the outputs' bytes to the sinks, one block at a
    /// time; with `gram`, also returns the upper triangle of `δ_m·δ_n` (row-major M×M, summed
    /// per chunk in chunk order, as `GramPass` does). `nonFinite[k]` counts the NaN/±Inf
    /// values written to output k.
    func pass(
        _ t: TensorInfo, coefficients c: [Double], gram wantGram: Bool
    ) throws -> (gram: [Double], nonFinite: [Int]) {
        let n = t.elementCount
        let mm = m * m
        let outDType = outputDTypes[ExactName(t.name)] ?? t.dtype
        let outSize = outDType.byteSize!
        let blockElements = chunk * MergeEngine.chunksPerBlock
        let etas = plan.etas
        let partials = UnsafeMutablePointer<Double>.allocate(
            capacity: MergeEngine.chunksPerBlock * mm)
        defer { partials.deallocate() }
        var tensorGram = [Double](repeating: 0, count: mm)
        let kernel = self.kernel
        let partialsBox = RawBox(pointer: UnsafeMutableRawPointer(partials))
        for w in workers { w.nonFinite.update(repeating: 0, count: max(1, etas.count)) }

        var blockStart = 0
        var released = 0
        while blockStart < n {
            let blockEnd = min(n, blockStart + blockElements)
            let chunks = (blockEnd - blockStart + chunk - 1) / chunk
            partials.initialize(repeating: 0, count: chunks * mm)
            let pool = workers
            let parts = max(1, min(pool.count, chunks))
            let start = blockStart
            let blockBoxes = outSets[outSet].map { RawBox(pointer: $0.baseAddress!) }
            try runParts(parts) { p in
                let lo = start + (p * chunks / parts) * self.chunk
                let hi = min(blockEnd, start + ((p + 1) * chunks / parts) * self.chunk)
                let worker = pool[p]
                let partialsBase = partialsBox.pointer.assumingMemoryBound(to: Double.self)
                try worker.reader.forEachChunk(of: t.name, elements: lo..<hi, release: false) {
                    chunk in
                    let at = chunk.offset - start
                    if wantGram {
                        let partial = partialsBase + (at / self.chunk) * mm
                        kernel.accumulateGram(chunk, into: partial)
                    }
                    for k in etas.indices {
                        worker.outputs[k] = blockBoxes[k].pointer + at * outSize
                    }
                    kernel.merge(
                        chunk, c: c, etas: etas, dtype: outDType,
                        outputs: worker.outputs, scratch: worker.scratch,
                        nonFinite: worker.nonFinite)
                }
            }
            for ci in 0..<chunks {
                for i in 0..<mm { tensorGram[i] += partials[ci * mm + i] }
            }
            try pool[0].reader.releaseBehind(t.name, from: &released, to: blockEnd)
            // the writer thread appends this block while the next one is computed
            try pipeline.drain()
            let bytes = (blockEnd - blockStart) * outSize
            let set = outSets[outSet]
            let sinks = outputs
            pipeline.submit {
                for (k, sink) in sinks.enumerated() {
                    try sink.append(UnsafeRawBufferPointer(rebasing: set[k][0..<bytes]))
                }
            }
            outSet ^= 1
            blockStart = blockEnd
        }
        let nonFinite = etas.indices.map { k in workers.reduce(0) { $0 + $1.nonFinite[k] } }
        return (tensorGram, nonFinite)
    }
}
