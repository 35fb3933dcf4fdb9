extension Recipe {
    /// Whether `merge(tensor:…)` handles the method: every mergekit method; WARP's steps
    /// (`warp_slerp`, `liti`, `extrapolate`) run in the merge engine, whose angles span a layer
    /// group rather than one tensor.
    public var isPerTensor: Bool {
        ![RecipeMethod.warpSlerp, .liti, .extrapolate].contains(method)
    }

    /// The layer position of `tensor`, counted within the slice's `layer_range` when there is
    /// one (so gradients span the slice, as in mergekit).
    public func position(of tensor: String, layerCount: Int) -> LayerPosition {
        let p = LayerPosition(tensor: tensor, layerCount: layerCount)
        guard let r = layerRange, case let .block(i, _) = p else { return p }
        return .block(index: i - r[0], count: r[1] - r[0])
    }

    /// Checks that a slice's `layer_range` is the whole model.
    /// - Throws: `RecipeError.layerRange` otherwise.
    public func checkLayerRange(layerCount: Int) throws {
        if let r = layerRange, r != [0, layerCount] {
            throw RecipeError.layerRange(range: r, layers: layerCount)
        }
    }

    /// Merges one tensor with the recipe's method, parameters resolved for this tensor.
    ///
    /// - Parameters:
    ///   - name: the tensor's name (filters, random keys).
    ///   - shape: its shape (rows for DELLA, nuslerp and filter-wise model_stock).
    ///   - position: from `position(of:layerCount:)` (gradients).
    ///   - base: `base_model`'s values, when the recipe has one.
    ///   - models: the values of `mergedModels`, in that order.
    /// - Returns: the merged tensor in `Double`, to be rounded once to the output dtype.
    /// - Throws: `RecipeError.notPerTensor` for WARP's steps, `RecipeError.missingParameter`,
    ///   and `MergeError` from the method.
    public func merge(
        tensor name: String, shape: [Int], position: LayerPosition,
        base: UnsafeBufferPointer<Double>?, models: [UnsafeBufferPointer<Double>]
    ) throws -> [Double] {
        guard isPerTensor else { throw RecipeError.notPerTensor(method: method.rawValue) }
        let input = TensorMergeInput(
            name: name, shape: shape, base: base, models: models,
            parameters: try modelParameters(tensor: name, position: position))
        return try MergeMethods.method(method.methodID).mergeTensor(
            input, settings: TensorSettings(recipe: self, tensor: name, position: position))
    }
}
