import Yams

extension Recipe {
    /// Keys of mergekit's format that this tool does not read, with why.
    static let unsupportedKeys: [String: String] = [
        "tokenizer": "the tokenizer block (vocabulary merging) is not implemented; use "
            + "tokenizer_source: base",
        "chat_template": "chat templates are copied from the base model's tokenizer files",
        "modules": "per-module configurations are not implemented",
    ]

    /// Parses a recipe in mergekit's YAML format.
    ///
    /// Top level: `models` or `slices` (one slice whose sources share one `layer_range`),
    /// `base_model`, `merge_method`, `parameters`, `dtype`, `out_dtype`, `tokenizer_source`
    /// (`base`), `seed`. Any other key, any parameter the method does not take, and any value
    /// of the wrong kind is an error naming the key and its line; nothing is ignored.
    /// - Throws: `RecipeError`.
    /// - Complexity: linear in the text.
    public init(yaml text: String) throws {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.syntaxError(error)
        }
        guard let root, let top = root.mapping else {
            throw RecipeError.invalidValue(
                key: "recipe", line: root?.mark?.line ?? 1, expected: "a mapping of keys")
        }
        let keys = try Self.entries(top, section: "the top level")
        guard let methodNode = keys["merge_method"] else {
            throw RecipeError.missingKey(key: "merge_method", section: "the top level")
        }
        let methodName = try Self.string(methodNode.value, key: "merge_method")
        guard let method = RecipeMethod(rawValue: methodName) else {
            throw RecipeError.unknownMethod(name: methodName, line: Self.line(methodNode.value))
        }
        self.init(method: method, models: [])
        for (name, entry) in keys.sorted(by: { Self.line($0.value.key) < Self.line($1.value.key) })
        {
            let value = entry.value
            switch name {
            case "merge_method": break
            case "models":
                if keys["slices"] != nil {
                    throw RecipeError.unsupported(
                        key: "slices", line: Self.line(keys["slices"]!.key),
                        reason: "give either models or slices, not both")
                }
                models = try Self.models(value, method: method, section: "models")
            case "slices": (models, layerRange) = try Self.slices(value, method: method)
            case "base_model": baseModel = try Self.string(value, key: name)
            case "parameters":
                parameters = try Self.parameters(value, method: method, global: true)
            case "dtype", "out_dtype":
                let d = try Self.string(value, key: name)
                if Self.dtypes[d] == nil {
                    throw RecipeError.invalidValue(
                        key: name, line: Self.line(value),
                        expected: "one of " + Self.dtypes.keys.sorted().joined(separator: ", "))
                }
                if name == "dtype" { dtype = d } else { outDType = d }
            case "tokenizer_source":
                let s = try Self.string(value, key: name)
                if s != "base" {
                    throw RecipeError.unsupported(
                        key: name, line: Self.line(value),
                        reason: "only 'base' is supported, not '\(s)'")
                }
                tokenizerSource = s
            case "seed":
                guard let s = Self.plain(value), let n = UInt64(s) else {
                    throw RecipeError.invalidValue(
                        key: name, line: Self.line(value), expected: "a non-negative integer")
                }
                seed = n
            default:
                if let reason = Self.unsupportedKeys[name] {
                    throw RecipeError.unsupported(
                        key: name, line: Self.line(entry.key), reason: reason)
                }
                throw RecipeError.unknownKey(
                    key: name, section: "the top level", line: Self.line(entry.key))
            }
        }
        try check(methodLine: Self.line(methodNode.value))
    }

    /// Model counts, base model and WARP-specific values.
    private func check(methodLine: Int) throws {
        if models.isEmpty { throw RecipeError.missingKey(key: "models", section: "the top level") }
        if method.needsBase && baseModel == nil {
            throw RecipeError.missingKey(key: "base_model", section: "the top level")
        }
        let count = mergedModels.count
        if !method.modelCount.contains(count) {
            let r = method.modelCount
            let expected =
                r.upperBound == Int.max
                ? "at least \(r.lowerBound)"
                : r.lowerBound == r.upperBound ? "exactly \(r.lowerBound)" : "\(r)"
            throw RecipeError.modelCount(
                method: method.rawValue,
                expected: expected
                    + (method.excludesBase && baseModel != nil ? " besides base_model" : ""),
                got: count)
        }
        for p in method.globalParameters where p.required && parameters[p.name] == nil {
            throw RecipeError.missingKey(key: p.name, section: "parameters")
        }
        for p in method.modelParameters where p.required && parameters[p.name] == nil {
            for m in mergedModels where models[m].parameters[p.name] == nil {
                throw RecipeError.missingModelParameter(name: p.name, model: models[m].model)
            }
        }
        if method == .liti || method == .extrapolate || method == .warpSlerp {
            let allowNegative = parameters["allow_negative_eta"] == .bool(true)
            for eta in etas {
                if method == .extrapolate && eta <= 1 {
                    throw RecipeError.invalidValue(
                        key: "eta", line: methodLine, expected: "greater than 1 for extrapolate")
                }
                if eta < 0 && !allowNegative {
                    throw RecipeError.invalidValue(
                        key: "eta", line: methodLine,
                        expected: "non-negative (set allow_negative_eta: true to go below 0)")
                }
            }
        }
        if case let .string(g)? = parameters["granularity"], Granularity(rawValue: g) == nil {
            throw RecipeError.invalidValue(
                key: "granularity", line: methodLine, expected: "one of layer, tensor, model")
        }
    }

    // MARK: sections

    private static func models(_ node: Node, method: RecipeMethod, section: String) throws
        -> [Model]
    {
        guard let list = node.sequence else {
            throw RecipeError.invalidValue(key: section, line: line(node), expected: "a list")
        }
        return try list.enumerated().map { i, item in
            let where_ = "\(section)[\(i)]"
            guard let map = item.mapping else {
                throw RecipeError.invalidValue(
                    key: where_, line: line(item), expected: "a mapping with 'model'")
            }
            var model: String?
            var params: [String: RecipeSetting] = [:]
            for (name, entry) in try entries(map, section: where_) {
                switch name {
                case "model": model = try string(entry.value, key: "model")
                case "parameters":
                    params = try parameters(
                        entry.value, method: method, global: false, section: where_ + ".parameters")
                default:
                    throw RecipeError.unknownKey(key: name, section: where_, line: line(entry.key))
                }
            }
            guard let model else { throw RecipeError.missingKey(key: "model", section: where_) }
            return Model(model: model, parameters: params)
        }
    }

    private static func slices(_ node: Node, method: RecipeMethod) throws -> ([Model], [Int]) {
        guard let list = node.sequence, let first = list.first else {
            throw RecipeError.invalidValue(key: "slices", line: line(node), expected: "a list")
        }
        if list.count != 1 {
            throw RecipeError.unsupported(
                key: "slices", line: line(node),
                reason: "\(list.count) slices (layer stacking); only one slice is supported")
        }
        guard let map = first.mapping else {
            throw RecipeError.invalidValue(
                key: "slices[0]", line: line(first), expected: "a mapping with 'sources'")
        }
        var sources: Node?
        for (name, entry) in try entries(map, section: "slices[0]") {
            if name != "sources" {
                throw RecipeError.unsupported(
                    key: name, line: line(entry.key), reason: "slices take only 'sources' here")
            }
            sources = entry.value
        }
        guard let sources, let sourceList = sources.sequence else {
            throw RecipeError.missingKey(key: "sources", section: "slices[0]")
        }
        var models: [Model] = []
        var range: [Int]?
        for (i, item) in sourceList.enumerated() {
            let where_ = "slices[0].sources[\(i)]"
            guard let map = item.mapping else {
                throw RecipeError.invalidValue(key: where_, line: line(item), expected: "a mapping")
            }
            var model: String?
            var params: [String: RecipeSetting] = [:]
            var itemRange: [Int]?
            for (name, entry) in try entries(map, section: where_) {
                switch name {
                case "model": model = try string(entry.value, key: "model")
                case "parameters":
                    params = try parameters(
                        entry.value, method: method, global: false, section: where_ + ".parameters")
                case "layer_range":
                    guard
                        let xs = entry.value.sequence?.compactMap({ plain($0).flatMap { Int($0) } }
                        ),
                        xs.count == 2, xs[0] >= 0, xs[0] < xs[1]
                    else {
                        throw RecipeError.invalidValue(
                            key: "layer_range", line: line(entry.value), expected: "[start, end]")
                    }
                    itemRange = xs
                default:
                    throw RecipeError.unknownKey(key: name, section: where_, line: line(entry.key))
                }
            }
            guard let model else { throw RecipeError.missingKey(key: "model", section: where_) }
            guard let itemRange else {
                throw RecipeError.missingKey(key: "layer_range", section: where_)
            }
            if let range, range != itemRange {
                throw RecipeError.unsupported(
                    key: "layer_range", line: line(item),
                    reason: "sources with different layer ranges (\(range) and \(itemRange))")
            }
            range = itemRange
            models.append(Model(model: model, parameters: params))
        }
        guard let range else { throw RecipeError.missingKey(key: "sources", section: "slices[0]") }
        return (models, range)
    }

    private static func parameters(
        _ node: Node, method: RecipeMethod, global: Bool, section: String = "parameters"
    ) throws -> [String: RecipeSetting] {
        guard let map = node.mapping else {
            throw RecipeError.invalidValue(key: section, line: line(node), expected: "a mapping")
        }
        let allowed = method.modelParameters + (global ? method.globalParameters : [])
        var out: [String: RecipeSetting] = [:]
        for (name, entry) in try entries(map, section: section) {
            guard let spec = allowed.first(where: { $0.name == name }) else {
                throw RecipeError.unknownKey(key: name, section: section, line: line(entry.key))
            }
            out[name] = try setting(entry.value, key: name, kind: spec.kind, filters: true)
        }
        return out
    }

    // MARK: values

    private static func setting(_ node: Node, key: String, kind: RecipeMethod.Kind, filters: Bool)
        throws -> RecipeSetting
    {
        switch kind {
        case .bool:
            switch plain(node) {
            case "true", "True": return .bool(true)
            case "false", "False": return .bool(false)
            default:
                throw RecipeError.invalidValue(
                    key: key, line: line(node), expected: "true or false")
            }
        case .string: return .string(try string(node, key: key))
        case .count:
            guard let s = plain(node), let n = Int(s), n >= 0, n <= 1_000_000 else {
                throw RecipeError.invalidValue(
                    key: key, line: line(node), expected: "an integer from 0 to 1000000")
            }
            return .number(Double(n))
        case .number, .front:
            if let s = plain(node) {
                guard let x = Double(s), x.isFinite else {
                    throw RecipeError.invalidValue(key: key, line: line(node), expected: "a number")
                }
                return .number(x)
            }
            if node.scalar != nil {
                throw RecipeError.invalidValue(
                    key: key, line: line(node), expected: "a number, not a quoted string")
            }
            guard let list = node.sequence, !list.isEmpty else {
                throw RecipeError.invalidValue(
                    key: key, line: line(node), expected: "a number, a list of numbers or filters")
            }
            if list.allSatisfy({ $0.scalar != nil }) {
                return .gradient(
                    try list.map {
                        guard let s = plain($0), let x = Double(s), x.isFinite else {
                            throw RecipeError.invalidValue(
                                key: key, line: line($0), expected: "a list of numbers")
                        }
                        return x
                    })
            }
            guard kind == .number, filters else {
                throw RecipeError.invalidValue(
                    key: key, line: line(node), expected: "a number or a list of numbers")
            }
            return .filtered(
                try list.enumerated().map { i, item in
                    let where_ = "\(key)[\(i)]"
                    guard let map = item.mapping else {
                        throw RecipeError.invalidValue(
                            key: where_, line: line(item), expected: "a mapping with 'value'")
                    }
                    var filter: String?
                    var value: RecipeSetting?
                    for (name, entry) in try entries(map, section: where_) {
                        switch name {
                        case "filter": filter = try string(entry.value, key: "filter")
                        case "value":
                            value = try setting(entry.value, key: key, kind: kind, filters: false)
                        default:
                            throw RecipeError.unknownKey(
                                key: name, section: where_, line: line(entry.key))
                        }
                    }
                    guard let value else {
                        throw RecipeError.missingKey(key: "value", section: where_)
                    }
                    return .init(filter: filter, value: value)
                })
        }
    }

    /// The entries of a mapping by key name, refusing non-string and repeated keys.
    private static func entries(_ map: Node.Mapping, section: String) throws
        -> [String: (key: Node, value: Node)]
    {
        var out: [String: (key: Node, value: Node)] = [:]
        for (k, v) in map {
            guard let name = k.scalar?.string else {
                throw RecipeError.invalidValue(key: section, line: line(k), expected: "string keys")
            }
            if out[name] != nil {
                throw RecipeError.duplicateKey(key: name, section: section, line: line(k))
            }
            out[name] = (k, v)
        }
        return out
    }

    private static func string(_ node: Node, key: String) throws -> String {
        guard let s = node.scalar, !s.string.isEmpty else {
            throw RecipeError.invalidValue(key: key, line: line(node), expected: "a string")
        }
        return s.string
    }

    /// The text of an unquoted scalar (numbers and booleans must not be quoted).
    private static func plain(_ node: Node) -> String? {
        guard let s = node.scalar, s.style == .plain else { return nil }
        return s.string
    }

    private static func line(_ node: Node) -> Int { node.mark?.line ?? 0 }

    private static func syntaxError(_ error: YamlError) -> RecipeError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _),
            let .composer(_, problem, mark, _):
            return .syntax(line: mark.line, message: problem)
        default:
            return .syntax(
                line: nil, message: "\(error)".split(separator: "\n").first.map(String.init) ?? "")
        }
    }
}
