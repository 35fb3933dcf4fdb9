import Testing

@testable import Merging

/// One test per recipe error: the specific case, key and line.
@Suite struct RecipeErrorTests {
    static let head = """
        models:
          - model: a
            parameters:
              weight: 1
        merge_method: linear

        """

    @Test func unknownGlobalParameterNamesKeyLineAndSection() {
        let text = Self.head + "parameters:\n  normalise: true\n"
        #expect(throws: RecipeError.unknownKey(key: "normalise", section: "parameters", line: 7)) {
            try Recipe(yaml: text)
        }
        let e = RecipeError.unknownKey(key: "normalise", section: "parameters", line: 7)
        #expect(e.description == "recipe line 7: unknown key 'normalise' in parameters")
    }

    @Test func unknownTopLevelKey() {
        #expect(
            throws: RecipeError.unknownKey(key: "merge_mehtod", section: "the top level", line: 6)
        ) {
            try Recipe(yaml: Self.head + "merge_mehtod: ties\n")
        }
    }

    @Test func globalOnlyParameterInAModel() {
        let text = """
            models:
              - model: a
                parameters:
                  normalize: false
            merge_method: linear
            """
        #expect(
            throws: RecipeError.unknownKey(
                key: "normalize", section: "models[0].parameters", line: 4)
        ) {
            try Recipe(yaml: text)
        }
    }

    @Test func parameterTheMethodDoesNotTake() {
        let text = """
            models: [{model: a, parameters: {weight: 1, density: 0.5}}]
            merge_method: linear
            """
        #expect(
            throws: RecipeError.unknownKey(key: "density", section: "models[0].parameters", line: 1)
        ) {
            try Recipe(yaml: text)
        }
    }

    @Test func unknownKeyInAFilterEntry() {
        let text = """
            models:
              - model: a
                parameters:
                  weight:
                    - filtr: mlp
                      value: 1
            merge_method: linear
            """
        #expect(throws: RecipeError.unknownKey(key: "filtr", section: "weight[0]", line: 5)) {
            try Recipe(yaml: text)
        }
    }

    @Test func unknownKeyInAModelEntry() {
        #expect(throws: RecipeError.unknownKey(key: "weight", section: "models[0]", line: 1)) {
            try Recipe(yaml: "models: [{model: a, weight: 1}]\nmerge_method: linear\n")
        }
    }

    @Test func unknownMethod() {
        #expect(throws: RecipeError.unknownMethod(name: "sce", line: 2)) {
            try Recipe(yaml: "models: [{model: a}]\nmerge_method: sce\n")
        }
    }

    @Test func missingMergeMethodAndBaseModel() {
        #expect(throws: RecipeError.missingKey(key: "merge_method", section: "the top level")) {
            try Recipe(yaml: "models: [{model: a}]\n")
        }
        #expect(throws: RecipeError.missingKey(key: "base_model", section: "the top level")) {
            try Recipe(yaml: "models: [{model: a, parameters: {weight: 1}}]\nmerge_method: ties\n")
        }
    }

    @Test func modelCounts() {
        #expect(
            throws: RecipeError.modelCount(
                method: "slerp", expected: "exactly 1 besides base_model", got: 2)
        ) {
            try Recipe(
                yaml:
                    "models: [{model: a}, {model: b}]\nbase_model: c\nmerge_method: slerp\nparameters: {t: 0.5}\n"
            )
        }
        #expect(throws: RecipeError.modelCount(method: "karcher", expected: "at least 2", got: 1)) {
            try Recipe(yaml: "models: [{model: a}]\nmerge_method: karcher\n")
        }
    }

    @Test func quotedNumberIsNotANumber() {
        let text = """
            models: [{model: a, parameters: {weight: "0.5"}}]
            merge_method: linear
            """
        #expect(
            throws: RecipeError.invalidValue(
                key: "weight", line: 1, expected: "a number, not a quoted string")
        ) {
            try Recipe(yaml: text)
        }
    }

    @Test func booleanExpected() {
        #expect(
            throws: RecipeError.invalidValue(key: "normalize", line: 7, expected: "true or false")
        ) {
            try Recipe(yaml: Self.head + "parameters:\n  normalize: 1\n")
        }
    }

    @Test func layerStackingSlicesAreUnsupported() {
        let text = """
            slices:
              - sources: [{model: a, layer_range: [0, 8]}]
              - sources: [{model: a, layer_range: [4, 12]}]
            merge_method: linear
            """
        #expect(
            throws: RecipeError.unsupported(
                key: "slices", line: 2,
                reason: "2 slices (layer stacking); only one slice is supported")
        ) { try Recipe(yaml: text) }
    }

    @Test func slicesWithDifferentRangesAreUnsupported() {
        let text = """
            slices:
              - sources:
                  - model: a
                    layer_range: [0, 8]
                  - model: b
                    layer_range: [8, 16]
            merge_method: slerp
            base_model: a
            parameters: {t: 0.5}
            """
        #expect(
            throws: RecipeError.unsupported(
                key: "layer_range", line: 5,
                reason: "sources with different layer ranges ([0, 8] and [8, 16])")
        ) { try Recipe(yaml: text) }
    }

    @Test func tokenizerOtherThanBase() {
        #expect(
            throws: RecipeError.unsupported(
                key: "tokenizer_source", line: 6, reason: "only 'base' is supported, not 'union'")
        ) { try Recipe(yaml: Self.head + "tokenizer_source: union\n") }
        #expect(
            throws: RecipeError.unsupported(
                key: "tokenizer", line: 6, reason: Recipe.unsupportedKeys["tokenizer"]!)
        ) { try Recipe(yaml: Self.head + "tokenizer:\n  source: union\n") }
    }

    @Test func unknownDType() {
        #expect(
            throws: RecipeError.invalidValue(
                key: "dtype", line: 6, expected: "one of bfloat16, float16, float32, float64")
        ) { try Recipe(yaml: Self.head + "dtype: int8\n") }
    }

    @Test func duplicateKey() {
        #expect(throws: RecipeError.duplicateKey(key: "dtype", section: "the top level", line: 7)) {
            try Recipe(yaml: Self.head + "dtype: float32\ndtype: float16\n")
        }
    }

    @Test func notYaml() {
        #expect(throws: RecipeError.syntax(line: 3, message: "did not find expected ',' or ']'")) {
            try Recipe(yaml: "models:\n  - model: [a\nmerge_method: linear\n")
        }
    }

    @Test func etaChecks() {
        let extrapolate = "models: [{model: m}]\nbase_model: i\nmerge_method: extrapolate\n"
        #expect(
            throws: RecipeError.invalidValue(
                key: "eta", line: 3, expected: "greater than 1 for extrapolate")
        ) { try Recipe(yaml: extrapolate + "parameters: {eta: [0.5, 1.5]}\n") }
        let liti = "models: [{model: m}]\nbase_model: i\nmerge_method: liti\n"
        #expect(
            throws: RecipeError.invalidValue(
                key: "eta", line: 3,
                expected: "non-negative (set allow_negative_eta: true to go below 0)")
        ) { try Recipe(yaml: liti + "parameters: {eta: -0.5}\n") }
        #expect(throws: Never.self) {
            try Recipe(yaml: liti + "parameters: {eta: -0.5, allow_negative_eta: true}\n")
        }
    }

    @Test func granularityMustBeKnown() {
        let text = """
            models: [{model: a}, {model: b}]
            base_model: i
            merge_method: warp_slerp
            parameters: {granularity: block}
            """
        #expect(
            throws: RecipeError.invalidValue(
                key: "granularity", line: 3, expected: "one of layer, tensor, model")
        ) { try Recipe(yaml: text) }
    }

    @Test func requiredParametersAreCheckedAtParse() {
        #expect(throws: RecipeError.missingModelParameter(name: "weight", model: "b")) {
            try Recipe(
                yaml: "models: [{model: a, parameters: {weight: 1}}, {model: b}]\n"
                    + "merge_method: linear\n")
        }
        #expect(throws: RecipeError.missingKey(key: "t", section: "parameters")) {
            try Recipe(
                yaml: "models: [{model: a}, {model: b}]\nbase_model: a\nmerge_method: slerp\n")
        }
    }

    @Test func iterationCountMustBeAnInteger() {
        let text = "models: [{model: a}, {model: b}]\nmerge_method: karcher\n"
        #expect(
            throws: RecipeError.invalidValue(
                key: "max_iter", line: 3, expected: "an integer from 0 to 1000000")
        ) { try Recipe(yaml: text + "parameters: {max_iter: 1e300}\n") }
    }
}
