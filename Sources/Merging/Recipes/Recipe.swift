import SafeTensors

/// A merge recipe in mergekit's YAML configuration format (plus WARP's steps and a `seed`),
/// parsed and checked, ready to answer "parameter P for tensor T of model m".
///
/// Parameter lookup for model m and tensor T at layer position p: the model's own `parameters`
/// entry, else the global `parameters` entry, else the method's default; each entry resolved
/// with `RecipeSetting.resolve(tensor:position:)` (filters by substring, gradients over layers).
/// A filter list none of whose entries match falls through to the next level.
public struct Recipe: Sendable, Equatable {
    /// One entry of `models` (or one source of a single simple slice).
    public struct Model: Sendable, Equatable {
        /// Path or Hub name, as written.
        public var model: String
        public var parameters: [String: RecipeSetting]

        public init(model: String, parameters: [String: RecipeSetting] = [:]) {
            self.model = model
            self.parameters = parameters
        }
    }

    public var method: RecipeMethod
    public var models: [Model]
    public var baseModel: String?
    /// Global `parameters`.
    public var parameters: [String: RecipeSetting]
    /// mergekit's computation dtype name (`float32`, `float16`, `bfloat16`, `float64`). We always
    /// compute in float64; it sets the output dtype when `outDType` is absent.
    public var dtype: String?
    public var outDType: String?
    /// Only `base` (the base model's tokenizer files are copied).
    public var tokenizerSource: String?
    /// `[start, end)` of a single `slices` entry whose sources all share it.
    public var layerRange: [Int]?
    /// Seed of the random drops (DARE, DELLA); `resolved()` sets 0 when absent.
    public var seed: UInt64?

    public init(
        method: RecipeMethod, models: [Model], baseModel: String? = nil,
        parameters: [String: RecipeSetting] = [:], dtype: String? = nil, outDType: String? = nil,
        tokenizerSource: String? = nil, layerRange: [Int]? = nil, seed: UInt64? = nil
    ) {
        self.method = method
        self.models = models
        self.baseModel = baseModel
        self.parameters = parameters
        self.dtype = dtype
        self.outDType = outDType
        self.tokenizerSource = tokenizerSource
        self.layerRange = layerRange
        self.seed = seed
    }

    /// The dtype names a recipe may use, and what they mean here.
    public static let dtypes: [String: DType] = [
        "float32": .f32, "float16": .f16, "bfloat16": .bf16, "float64": .f64,
    ]

    /// Output dtype: `out_dtype`, else `dtype`, else `nil` (keep the inputs').
    public var outputDType: DType? { (outDType ?? dtype).flatMap { Self.dtypes[$0] } }

    /// Indices into `models` of the models merged: all of them for `linear` and `karcher`,
    /// otherwise those that are not `base_model`.
    public var mergedModels: [Int] {
        models.indices.filter { !method.excludesBase || models[$0].model != baseModel }
    }

    /// Lines for the user about parameters that are accepted but do not act here.
    public var notes: [String] {
        parameters.keys.sorted().compactMap { RecipeMethod.ignoredNotes[$0] }
    }

    /// The value of parameter `name` for `tensor` of `models[model]` (`nil` for a global).
    /// - Throws: `RecipeError.missingParameter` when the parameter is required and unset.
    public func parameter(_ name: String, tensor: String, model: Int?, position: LayerPosition)
        throws -> RecipeScalar?
    {
        if let m = model, let s = models[m].parameters[name],
            let v = s.resolve(tensor: tensor, position: position)
        {
            return v
        }
        if let s = parameters[name], let v = s.resolve(tensor: tensor, position: position) {
            return v
        }
        let spec = (method.modelParameters + method.globalParameters).first { $0.name == name }
        if let d = spec?.defaultValue { return d }
        if spec?.required ?? false {
            throw RecipeError.missingParameter(
                name: name, tensor: tensor, model: model.map { models[$0].model })
        }
        return nil
    }

    /// A numeric parameter (see `parameter`); `nil` when unset without a default.
    public func number(_ name: String, tensor: String, model: Int?, position: LayerPosition) throws
        -> Double?
    {
        if case let .number(x) = try parameter(
            name, tensor: tensor, model: model, position: position)
        {
            return x
        }
        return nil
    }

    /// A boolean parameter; `false` when unset without a default.
    public func flag(_ name: String, tensor: String, position: LayerPosition) throws -> Bool {
        if case let .bool(b) = try parameter(name, tensor: tensor, model: nil, position: position) {
            return b
        }
        return false
    }

    /// The parameters of each merged model (`mergedModels` order) for one tensor.
    /// - Throws: `RecipeError.missingParameter` (e.g. no `weight` for a model).
    public func modelParameters(tensor: String, position: LayerPosition) throws -> [ModelParameters]
    {
        try mergedModels.map { m in
            func value(_ name: String, _ fallback: Double) throws -> Double {
                let known = method.modelParameters.contains { $0.name == name }
                return known
                    ? try number(name, tensor: tensor, model: m, position: position) ?? fallback
                    : fallback
            }
            return ModelParameters(
                weight: try value("weight", 1), density: try value("density", 1),
                gamma: try value("gamma", 0.01), epsilon: try value("epsilon", 0.15))
        }
    }

    /// The task-vector family's global options for one tensor. DELLA takes λ from the first
    /// merged model (its parameters, then the global ones), as mergekit does.
    public func taskVectorOptions(tensor: String, position: LayerPosition) throws
        -> TaskVectorOptions
    {
        let lambdaModel = method == .della || method == .dellaLinear ? mergedModels.first : nil
        func optionalFlag(_ name: String) throws -> Bool? {
            guard method.globalParameters.contains(where: { $0.name == name }) else { return nil }
            return try flag(name, tensor: tensor, position: position)
        }
        return TaskVectorOptions(
            lambda: try number("lambda", tensor: tensor, model: lambdaModel, position: position)
                ?? 1,
            normalize: try optionalFlag("normalize"), rescale: try optionalFlag("rescale"),
            seed: seed ?? 0)
    }

    /// LITI's η values (one output each): `eta` as a number or a list; `[1]` when unset.
    public var etas: [Double] {
        switch parameters["eta"] {
        case let .number(x): [x]
        case let .gradient(xs): xs
        default: [1]
        }
    }

    /// The recipe with every global default written out and the seed set, as `write()` records
    /// it beside an output: re-running it gives the same result.
    public func resolved() -> Recipe {
        var r = self
        for p in method.globalParameters where r.parameters[p.name] == nil {
            switch p.defaultValue {
            case let .number(x): r.parameters[p.name] = .number(x)
            case let .bool(b): r.parameters[p.name] = .bool(b)
            case let .string(s): r.parameters[p.name] = .string(s)
            case nil: break
            }
        }
        if method.usesSeed && r.seed == nil { r.seed = 0 }
        return r
    }
}
