/// A recipe's parameters for one tensor: what a per-tensor method reads besides the values
/// (`TensorMergeInput` carries the per-model ones; these are the global ones).
public struct TensorSettings: Sendable {
    public var recipe: Recipe
    public var tensor: String
    public var position: LayerPosition

    public init(recipe: Recipe, tensor: String, position: LayerPosition) {
        self.recipe = recipe
        self.tensor = tensor
        self.position = position
    }

    /// A boolean global parameter (its default when unset; `false` without one).
    public func flag(_ name: String) throws -> Bool {
        try recipe.flag(name, tensor: tensor, position: position)
    }

    /// A numeric global parameter (its default when unset; 0 without one).
    /// - Throws: `RecipeError.missingParameter` when it is required and has no value here.
    public func number(_ name: String) throws -> Double {
        try recipe.number(name, tensor: tensor, model: nil, position: position) ?? 0
    }

    /// The task-vector family's options (λ, normalize, rescale, seed) for this tensor.
    public func options() throws -> TaskVectorOptions {
        try recipe.taskVectorOptions(tensor: tensor, position: position)
    }
}
