/// Merge methods as pure functions over one tensor, computed in `Double`.
///
/// Every method here takes the flattened tensor of each model (and of the base model when the
/// method uses one), the per-model parameters already resolved for this tensor (filters and
/// layer gradients applied, see `Recipe.parameter(_:tensor:model:position:)`), and returns the
/// merged tensor in `Double`; the engine rounds once to the output dtype.
///
/// What each method needs from the engine (the interface the method protocol wraps):
///
/// | method | base | whole-tensor statistics | top-k | seed | shape |
/// |---|---|---|---|---|---|
/// | linear | no | no | no | no | no |
/// | task_arithmetic | yes | no | no | no | no |
/// | ties, breadcrumbs, breadcrumbs_ties | yes | magnitude thresholds per model | yes | no | no |
/// | dare_linear, dare_ties | yes | no | no | yes | no |
/// | della, della_linear | yes | ranks within each row | per row | yes | yes (rows) |
/// | model_stock | yes | pairwise cosines (per tensor or row) | no | no | filter_wise |
/// | slerp | yes (t = 0 end) | norms and one dot | no | no | no |
/// | nuslerp | optional | norms and dots (tensor, rows or columns) | no | no | unflattened |
/// | multislerp, karcher | optional / no | norms, dots (karcher iterates) | no | no | no |
///
/// Every method is a `TensorStream`: statistics passes over chunks (`ChunkLayout`) whose
/// partials are folded in chunk order, then an elementwise write pass; the functions here run
/// that stream over buffers in memory, the engine over the mapped inputs on its threads, so
/// both give the same bits. Elementwise-only methods (linear, task_arithmetic, dare_*) have no
/// statistics pass; DARE's drops depend only on (seed, tensor name, model index, element
/// index). Row-wise statistics (DELLA's ranks, filter-wise model_stock, nuslerp by rows) are
/// computed in the write pass on chunks of whole rows. The magnitude methods run
/// `MagnitudeThreshold.Builder` over the chunks (8 passes, 256 counts per model and chunk),
/// count the threshold's ties per chunk when they are split, then thin each chunk with a
/// `MagnitudeThreshold.Cursor` and `combine`.
public enum Elementwise {}

/// One model's parameters for one tensor, after filters and gradients are resolved.
public struct ModelParameters: Sendable, Equatable {
    /// Weight of the model (or of its task vector). mergekit's `weight`.
    public var weight: Double
    /// Fraction of the task vector kept by sparsification (`density`), in [0, 1].
    public var density: Double
    /// Breadcrumbs: fraction of the largest-magnitude entries dropped (`gamma`).
    public var gamma: Double
    /// DELLA: half-width of the keep-probability range (`epsilon`).
    public var epsilon: Double

    public init(
        weight: Double = 1, density: Double = 1, gamma: Double = 0.01, epsilon: Double = 0.15
    ) {
        self.weight = weight
        self.density = density
        self.gamma = gamma
        self.epsilon = epsilon
    }
}

/// One tensor to merge: its name and shape (for random keys and row structure), the base
/// model's values if the method uses one, and each model's values with its parameters.
public struct TensorMergeInput {
    public var name: String
    /// Row-major shape; `[]` for a scalar. Its product must equal every buffer's count.
    public var shape: [Int]
    public var base: UnsafeBufferPointer<Double>?
    public var models: [UnsafeBufferPointer<Double>]
    public var parameters: [ModelParameters]

    public init(
        name: String, shape: [Int], base: UnsafeBufferPointer<Double>?,
        models: [UnsafeBufferPointer<Double>], parameters: [ModelParameters]
    ) {
        self.name = name
        self.shape = shape
        self.base = base
        self.models = models
        self.parameters = parameters
    }

    /// Number of elements.
    public var count: Int { models.first?.count ?? base?.count ?? 0 }

    /// Checks one parameter set per model and equal element counts, matching the shape
    /// (what the method needs is its stream's check, `TensorSpec.check`).
    /// - Throws: `MergeError.invalidCoefficients` naming the tensor.
    func checkBuffers() throws {
        if parameters.count != models.count {
            throw MergeError.invalidCoefficients(
                reason:
                    "tensor '\(name)': \(parameters.count) parameter sets for \(models.count) models"
            )
        }
        let n = count
        let shapeCount = shape.reduce(1, *)
        if models.contains(where: { $0.count != n }) || (base.map { $0.count != n } ?? false)
            || shapeCount != n
        {
            throw MergeError.invalidCoefficients(
                reason: "tensor '\(name)': buffers differ in length from shape \(shape)")
        }
    }
}
