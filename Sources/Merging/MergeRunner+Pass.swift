import Dispatch
import SafeTensors

/// A mutable box that crosses into `concurrentPerform`; each part touches disjoint slots.
private final class PartSlots<T>: @unchecked Sendable {
    var values: [T?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
}

private struct RawBox: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}

extension MergeRunner {
    /// One pass over tensor `t`: with `gram`, returns the upper triangle of `δ_m·δ_n`
    /// (row-major M×M, summed per chunk in chunk order); with `coefficients`, writes the
    /// outputs' bytes to the sinks, one block at a time.
    func pass(_ t: TensorInfo, coefficients c: [Double]?, gram wantGram: Bool) throws -> [Double] {
        let n = t.elementCount
        let mm = m * m
        let outDType = outputDTypes[ExactName(t.name)] ?? t.dtype
        let outSize = outDType.byteSize!
        let blockElements = chunk * MergeEngine.chunksPerBlock
        let blockBytes = min(n, blockElements) * outSize
        let etas = plan.etas
        let outBlocks = c == nil ? [] : etas.map { _ in UnsafeMutableRawBufferPointer.allocate(
            byteCount: max(1, blockBytes), alignment: 64) }
        defer { for b in outBlocks { b.deallocate() } }
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: MergeEngine.chunksPerBlock * mm)
        defer { partials.deallocate() }
        var tensorGram = [Double](repeating: 0, count: mm)
        let kernel = self.kernel
        let partialsBox = RawBox(pointer: UnsafeMutableRawPointer(partials))
        let blockBoxes = outBlocks.map { RawBox(pointer: $0.baseAddress!) }

        var blockStart = 0
        while blockStart < n {
            let blockEnd = min(n, blockStart + blockElements)
            let chunks = (blockEnd - blockStart + chunk - 1) / chunk
            partials.initialize(repeating: 0, count: chunks * mm)
            let parts = max(1, min(workers.count, chunks))
            let errors = PartSlots<any Error>(count: parts)
            let start = blockStart
            let work: @Sendable (Int) -> Void = { p in
                let lo = start + (p * chunks / parts) * self.chunk
                let hi = min(blockEnd, start + ((p + 1) * chunks / parts) * self.chunk)
                let worker = self.workers[p]
                let partialsBase = partialsBox.pointer.assumingMemoryBound(to: Double.self)
                do {
                    try worker.reader.forEachDoubleChunk(of: t.name, elements: lo..<hi) { offset, x in
                        let count = x[0].count
                        if c != nil, kernel.sIsModel { kernel.copyModel(x, into: worker.s) }
                        kernel.taskVectors(x)
                        if wantGram {
                            kernel.accumulateGram(x, into: partialsBase + ((offset - start) / self.chunk) * mm)
                        }
                        guard let c else { return }
                        if !kernel.sIsModel { kernel.merge(x, c: c, into: worker.s) }
                        for (k, eta) in etas.enumerated() {
                            var values = UnsafePointer(worker.s)
                            if eta != 1 {
                                MergeKernel.liti(s: worker.s, x0: x[0].baseAddress!, eta: eta,
                                                 count: count, into: worker.o)
                                values = UnsafePointer(worker.o)
                            }
                            let dst = UnsafeMutableRawBufferPointer(
                                start: blockBoxes[k].pointer + (offset - start) * outSize,
                                count: count * outSize)
                            MergeKernel.encode(UnsafeBufferPointer(start: values, count: count),
                                               dtype: outDType, into: dst)
                        }
                    }
                } catch {
                    errors.values[p] = error
                }
            }
            if parts == 1 {
                work(0)
            } else {
                DispatchQueue.concurrentPerform(iterations: parts, execute: work)
            }
            if let error = errors.values.compactMap({ $0 }).first { throw error }
            for ci in 0..<chunks {
                for i in 0..<mm { tensorGram[i] += partials[ci * mm + i] }
            }
            if c != nil {
                let bytes = (blockEnd - blockStart) * outSize
                for (k, sink) in outputs.enumerated() {
                    try sink.append(UnsafeRawBufferPointer(rebasing: outBlocks[k][0..<bytes]))
                }
            }
            blockStart = blockEnd
        }
        return tensorGram
    }
}
