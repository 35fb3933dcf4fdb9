/// Everything that can be wrong with a recipe file. Each case names the key, where it is (line
/// and section) and what was expected; `description` is one lowercase line.
public enum RecipeError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The text is not YAML (the parser's message, with its line).
    case syntax(line: Int?, message: String)
    /// A key the format does not have, or one the method does not take.
    case unknownKey(key: String, section: String, line: Int)
    /// A mergekit key this tool reads but not in this form.
    case unsupported(key: String, line: Int, reason: String)
    /// A key the recipe must have.
    case missingKey(key: String, section: String)
    /// A key given twice in one mapping.
    case duplicateKey(key: String, section: String, line: Int)
    /// A value of the wrong kind or out of range.
    case invalidValue(key: String, line: Int, expected: String)
    /// `merge_method` names no method this tool has.
    case unknownMethod(name: String, line: Int)
    /// The method needs another number of models.
    case modelCount(method: String, expected: String, got: Int)
    /// A required parameter has no value for a tensor (no filter matched, no default).
    case missingParameter(name: String, tensor: String, model: String?)
    /// A merged model with no value anywhere (its parameters or the global ones) for a
    /// parameter the method requires.
    case missingModelParameter(name: String, model: String)
    /// A slice's `layer_range` that is not the whole model (layer stacking is not supported).
    case layerRange(range: [Int], layers: Int)
    /// A WARP step asked of the per-tensor methods; it runs in the merge engine.
    case notPerTensor(method: String)

    public var description: String {
        switch self {
        case let .syntax(line, message):
            (line.map { "recipe line \($0): " } ?? "recipe: ") + "not valid yaml: \(message)"
        case let .unknownKey(key, section, line):
            "recipe line \(line): unknown key '\(key)' in \(section)"
        case let .unsupported(key, line, reason):
            "recipe line \(line): '\(key)' is not supported: \(reason)"
        case let .missingKey(key, section): "recipe: missing key '\(key)' in \(section)"
        case let .duplicateKey(key, section, line):
            "recipe line \(line): key '\(key)' appears twice in \(section)"
        case let .invalidValue(key, line, expected):
            "recipe line \(line): '\(key)' must be \(expected)"
        case let .unknownMethod(name, line):
            "recipe line \(line): unknown merge_method '\(name)' (known: "
                + RecipeMethod.allCases.map(\.rawValue).joined(separator: ", ") + ")"
        case let .modelCount(method, expected, got):
            "recipe: \(method) needs \(expected) models, got \(got)"
        case let .missingParameter(name, tensor, model):
            "recipe: parameter '\(name)' has no value for tensor '\(tensor)'"
                + (model.map { " of model \($0)" } ?? "")
        case let .missingModelParameter(name, model):
            "recipe: model '\(model)' has no '\(name)' (set it in its parameters or in the "
                + "global parameters)"
        case let .layerRange(range, layers):
            "recipe: layer_range \(range) does not cover the models' \(layers) layers; "
                + "only whole-model slices are supported"
        case let .notPerTensor(method):
            "recipe: \(method) runs in the merge engine (angles over layer groups), not per tensor"
        }
    }
}
