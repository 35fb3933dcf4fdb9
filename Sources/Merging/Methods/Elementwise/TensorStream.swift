/// One tensor's merge as a few passes over aligned chunks of its inputs.
///
/// A driver (the engine over mapped files, or `run(_:)` over buffers in memory) cuts the
/// tensor into the chunks of `ChunkLayout(count:rowLength:)` and then
///
///     while let size = stream.nextPass() {          // statistics passes (norms, dots, histograms)
///         for each chunk c (any thread): reduce(c, into: partial_c)   // partial_c zeroed, `size` doubles
///         for each chunk c in order:     fold(partial_c, chunk: c)    // one thread
///         endPass()
///     }
///     for each chunk c (any thread): write(c, into: out_c)            // the merged values
///
/// Partial results are combined in chunk order by `fold`, so every reduction, and so the
/// output, is the same for any number of threads. `reduce` and `write` may run concurrently
/// and must not change the stream; `fold` and `endPass` run alone.
///
/// - Complexity: memory is one chunk of every input per thread plus the stream's state (a few
///   numbers per model, or per row/column for row-wise methods), never a whole tensor.
public protocol TensorStream: AnyObject, Sendable {
    /// Chunks hold whole runs of this many elements (rows for row-wise methods; 1 otherwise).
    var rowLength: Int { get }
    /// The number of doubles each chunk's partial needs in the next statistics pass, or `nil`
    /// when the statistics are complete and the write pass comes.
    func nextPass() -> Int?
    /// Adds chunk `chunk`'s contribution to this pass into `partial` (zeroed by the caller).
    func reduce(_ chunk: ChunkValues, into partial: UnsafeMutableBufferPointer<Double>)
    /// Takes one chunk's partial; called for chunk 0, 1, 2, … in order.
    func fold(_ partial: UnsafeBufferPointer<Double>, chunk index: Int)
    /// Ends a statistics pass.
    /// - Throws: `MergeError` when the statistics make the merge undefined.
    func endPass() throws
    /// Writes the merged values of `chunk` into `out` (`chunk.count` elements).
    /// - Throws: `MergeError` for per-row conditions (e.g. model_stock's undefined ratio).
    func write(_ chunk: ChunkValues, into out: UnsafeMutableBufferPointer<Double>) throws
}

/// One chunk of every input, in `Double`: elements `offset ..< offset + count` of the tensor.
public struct ChunkValues {
    /// Index of the first element in the tensor; `index` among the layout's chunks.
    public let offset: Int
    public let index: Int
    public let base: UnsafeBufferPointer<Double>?
    public let models: [UnsafeBufferPointer<Double>]

    public init(
        offset: Int, index: Int, base: UnsafeBufferPointer<Double>?,
        models: [UnsafeBufferPointer<Double>]
    ) {
        self.offset = offset
        self.index = index
        self.base = base
        self.models = models
    }

    public var count: Int { models.first?.count ?? base?.count ?? 0 }
}

/// How a tensor of `count` elements is cut into chunks: `length` elements each (the last may
/// be shorter), a multiple of the row length, about `ChunkedInputs.defaultChunkElements`.
/// A pure function of (count, rowLength), so every driver sums the same partials.
public struct ChunkLayout: Sendable, Equatable {
    public let count: Int
    public let length: Int

    public init(count: Int, rowLength: Int) {
        let row = max(1, rowLength)
        let target = ChunkedInputs.defaultChunkElements
        self.count = count
        length = row >= target ? row : (target / row) * row
    }

    public var chunks: Int { (count + length - 1) / length }

    public func range(_ c: Int) -> Range<Int> { (c * length)..<min(count, (c + 1) * length) }
}

/// What a stream is built from: the tensor's name and shape, whether a base is given and each
/// model's parameters (the buffers come chunk by chunk).
public struct TensorSpec: Sendable {
    public var name: String
    public var shape: [Int]
    public var hasBase: Bool
    public var parameters: [ModelParameters]

    public init(name: String, shape: [Int], hasBase: Bool, parameters: [ModelParameters]) {
        self.name = name
        self.shape = shape
        self.hasBase = hasBase
        self.parameters = parameters
    }

    public var models: Int { parameters.count }
    public var count: Int { shape.reduce(1, *) }

    /// Checks that there are `minModels` models and a base when `needsBase`.
    /// - Throws: `MergeError.tooFewModels` or `.initRequired`.
    func check(method: String, minModels: Int, needsBase: Bool) throws {
        if models < minModels {
            throw MergeError.tooFewModels(method: method, needed: minModels, got: models)
        }
        if needsBase && !hasBase { throw MergeError.initRequired(method: method) }
    }
}

extension TensorMergeInput {
    /// The stream's view of this input (no buffers).
    public var spec: TensorSpec {
        TensorSpec(name: name, shape: shape, hasBase: base != nil, parameters: parameters)
    }
}

extension TensorStream {
    /// Runs every pass over buffers already in memory, with the chunks the engine uses, so the
    /// result is bit for bit the engine's.
    /// - Complexity: the stream's passes over `input`; one output tensor.
    public func run(_ input: TensorMergeInput) throws -> [Double] {
        try input.checkBuffers()
        let layout = ChunkLayout(count: input.count, rowLength: rowLength)
        func view(_ c: Int) -> ChunkValues {
            let r = layout.range(c)
            return ChunkValues(
                offset: r.lowerBound, index: c,
                base: input.base.map { UnsafeBufferPointer(rebasing: $0[r]) },
                models: input.models.map { UnsafeBufferPointer(rebasing: $0[r]) })
        }
        while let size = nextPass() {
            var partial = [Double](repeating: 0, count: size)
            for c in 0..<layout.chunks {
                partial.withUnsafeMutableBufferPointer { p in
                    p.update(repeating: 0)
                    reduce(view(c), into: p)
                }
                partial.withUnsafeBufferPointer { fold($0, chunk: c) }
            }
            try endPass()
        }
        var out = [Double](repeating: 0, count: input.count)
        try out.withUnsafeMutableBufferPointer { o in
            for c in 0..<layout.chunks {
                let r = layout.range(c)
                try write(view(c), into: UnsafeMutableBufferPointer(rebasing: o[r]))
            }
        }
        return out
    }
}

extension TensorStream {
    /// No statistics: write-only streams need no reduction.
    public func reduce(_ chunk: ChunkValues, into partial: UnsafeMutableBufferPointer<Double>) {}
    public func fold(_ partial: UnsafeBufferPointer<Double>, chunk index: Int) {}
    public func endPass() throws {}
}

/// Per-chunk partial sums added in chunk order: the reduction of the sum-based streams.
struct OrderedSums {
    private(set) var values: [Double]

    init(count: Int) { values = [Double](repeating: 0, count: count) }

    mutating func add(_ partial: UnsafeBufferPointer<Double>) {
        for j in values.indices { values[j] += partial[j] }
    }

    subscript(_ j: Int) -> Double { values[j] }
}
