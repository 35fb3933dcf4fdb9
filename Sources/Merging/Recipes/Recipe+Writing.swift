import SafeTensors

extension Recipe {
    /// The resolved recipe (`resolved()`: defaults and seed written out) as YAML in mergekit's
    /// format, re-runnable as is: `Recipe(yaml: r.yaml())` gives `r.resolved()` back.
    ///
    /// Keys in a fixed order (models or one slice, base_model, merge_method, parameters, dtype,
    /// out_dtype, tokenizer_source, seed); parameters in the method's order; strings always
    /// double-quoted; numbers by `number(_:)`.
    /// - Complexity: linear in the recipe.
    public func yaml() -> String {
        let r = resolved()
        var lines: [String] = []
        let order = (r.method.modelParameters + r.method.globalParameters).map(\.name)
        func emit(_ params: [String: RecipeSetting], indent: String) {
            for name in order where params[name] != nil {
                lines += Self.setting(name, params[name]!, indent: indent)
            }
        }
        func emitModels(_ indent: String, range: [Int]?) {
            for m in r.models {
                lines.append(indent + "- model: " + Self.quoted(m.model))
                if let range { lines.append(indent + "  layer_range: [\(range[0]), \(range[1])]") }
                if !m.parameters.isEmpty {
                    lines.append(indent + "  parameters:")
                    emit(m.parameters, indent: indent + "    ")
                }
            }
        }
        if let range = r.layerRange {
            lines += ["slices:", "  - sources:"]
            emitModels("      ", range: range)
        } else {
            lines.append("models:")
            emitModels("  ", range: nil)
        }
        if let b = r.baseModel { lines.append("base_model: " + Self.quoted(b)) }
        lines.append("merge_method: " + r.method.rawValue)
        if !r.parameters.isEmpty {
            lines.append("parameters:")
            emit(r.parameters, indent: "  ")
        }
        if let d = r.dtype { lines.append("dtype: " + d) }
        if let d = r.outDType { lines.append("out_dtype: " + d) }
        if let t = r.tokenizerSource { lines.append("tokenizer_source: " + t) }
        if let s = r.seed { lines.append("seed: \(s)") }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func setting(_ name: String, _ s: RecipeSetting, indent: String) -> [String] {
        switch s {
        case let .filtered(entries):
            var out = [indent + name + ":"]
            for e in entries {
                if let f = e.filter {
                    out.append(indent + "  - filter: " + quoted(f))
                    out.append(indent + "    value: " + inline(e.value))
                } else {
                    out.append(indent + "  - value: " + inline(e.value))
                }
            }
            return out
        default: return [indent + name + ": " + inline(s)]
        }
    }

    private static func inline(_ s: RecipeSetting) -> String {
        switch s {
        case let .number(x): number(x)
        case let .bool(b): b ? "true" : "false"
        case let .string(t): quoted(t)
        case let .gradient(xs): "[" + xs.map(number).joined(separator: ", ") + "]"
        case .filtered: preconditionFailure("filters do not nest")
        }
    }

    /// Integral values without a fraction (`10`, as counts need), others in Swift's shortest
    /// round-tripping form with a `.0` before a bare exponent (`1.0e-08`), which YAML 1.1
    /// readers such as mergekit's also take as a float.
    static func number(_ x: Double) -> String {
        if x == x.rounded() && x.magnitude < 1e15 { return String(Int64(x)) }
        let s = "\(x)"
        guard let e = s.firstIndex(of: "e"), !s[..<e].contains(".") else { return s }
        return s[..<e] + ".0" + s[e...]
    }

    /// A YAML double-quoted scalar: a JSON string literal is one (YAML 1.2 is a superset of
    /// JSON), so the project's one string encoder serves.
    static func quoted(_ s: String) -> String { JSONText.quoted(s) }
}
