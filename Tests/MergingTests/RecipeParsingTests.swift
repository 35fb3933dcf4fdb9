import Testing

@testable import Merging

/// Recipes in mergekit's YAML format: every key, gradients, filters and the errors.
@Suite struct RecipeParsingTests {
    static let full = """
        models:
          - model: runs/base
          - model: runs/a
            parameters:
              weight: 0.6
              density: [0.2, 0.8]
          - model: runs/b
            parameters:
              weight:
                - filter: self_attn
                  value: 0.1
                - filter: mlp
                  value: [0, 1]
        base_model: runs/base
        merge_method: dare_ties
        parameters:
          weight: 0.25
          density: 0.5
          normalize: true
          rescale: false
          lambda: 1.5
          int8_mask: true
        dtype: float32
        out_dtype: bfloat16
        tokenizer_source: base
        seed: 99
        """

    @Test func everyKey() throws {
        let r = try Recipe(yaml: Self.full)
        #expect(r.method == .dareTies)
        #expect(r.models.map(\.model) == ["runs/base", "runs/a", "runs/b"])
        #expect(r.baseModel == "runs/base")
        #expect(r.mergedModels == [1, 2])
        #expect(r.models[1].parameters["density"] == .gradient([0.2, 0.8]))
        #expect(r.parameters["lambda"] == .number(1.5))
        #expect(r.dtype == "float32")
        #expect(r.outDType == "bfloat16")
        #expect(r.outputDType == .bf16)
        #expect(r.tokenizerSource == "base")
        #expect(r.seed == 99)
        #expect(r.notes == [RecipeMethod.ignoredNotes["int8_mask"]!])
        let pos = LayerPosition.block(index: 0, count: 3)
        let opts = try r.taskVectorOptions(
            tensor: "model.layers.0.mlp.up_proj.weight", position: pos)
        #expect(opts == TaskVectorOptions(lambda: 1.5, normalize: true, rescale: false, seed: 99))
    }

    @Test func modelThenGlobalThenDefault() throws {
        let r = try Recipe(yaml: Self.full)
        let last = LayerPosition.block(index: 2, count: 3)
        // model b: a filter list; attention matches, mlp matches (gradient at t = 1), a norm
        // matches nothing and falls through to the global weight
        let attn = try r.modelParameters(
            tensor: "model.layers.2.self_attn.q_proj.weight", position: last)
        #expect(attn[0] == ModelParameters(weight: 0.6, density: 0.8))
        #expect(attn[1] == ModelParameters(weight: 0.1, density: 0.5))
        let mlp = try r.modelParameters(tensor: "model.layers.2.mlp.up_proj.weight", position: last)
        #expect(mlp[1].weight == 1)
        let norm = try r.modelParameters(
            tensor: "model.layers.2.input_layernorm.weight", position: last)
        #expect(norm[1].weight == 0.25)
        // no global or model epsilon: the recipe does not know it for dare_ties, the default stays
        #expect(norm[1].epsilon == 0.15)
    }

    @Test func gradientsSpreadAnchorsEvenlyOverLayers() throws {
        let r = try Recipe(
            yaml: """
                models:
                  - model: a
                  - model: b
                merge_method: slerp
                base_model: a
                parameters:
                  t: [0, 0.5, 0.3, 0.7, 1]
                """)
        func t(_ layer: Int, of count: Int) throws -> Double? {
            try r.number(
                "t", tensor: "model.layers.\(layer).mlp.w", model: nil,
                position: LayerPosition(tensor: "model.layers.\(layer).mlp.w", layerCount: count))
        }
        // 9 layers: anchors on layers 0, 2, 4, 6, 8; midpoints between
        #expect(try t(0, of: 9) == 0)
        #expect(try t(2, of: 9) == 0.5)
        #expect(try t(4, of: 9) == 0.3)
        #expect(try t(8, of: 9) == 1)
        #expect(abs(try t(1, of: 9)! - 0.25) < 1e-15)
        #expect(abs(try t(5, of: 9)! - 0.5) < 1e-15)
        // 3 layers: t = 0, 0.5, 1 → s = 0, 2, 4
        #expect(try t(1, of: 3) == 0.3)
        // embeddings take the first anchor, the head the last
        #expect(
            try r.number(
                "t", tensor: "model.embed_tokens.weight", model: nil, position: .beforeBlocks) == 0)
        #expect(
            try r.number("t", tensor: "lm_head.weight", model: nil, position: .afterBlocks) == 1)
    }

    @Test func layerPositionsFromNames() {
        #expect(
            LayerPosition(tensor: "model.layers.3.mlp.w", layerCount: 8)
                == .block(index: 3, count: 8))
        #expect(LayerPosition(tensor: "transformer.wte.weight", layerCount: 8) == .beforeBlocks)
        #expect(LayerPosition(tensor: "model.norm.weight", layerCount: 8) == .afterBlocks)
        #expect(LayerPosition.block(index: 0, count: 1).t == 1)
    }

    @Test func filterStarAndFirstMatchWins() {
        let s = RecipeSetting.filtered([
            .init(filter: "attn", value: .number(1)),
            .init(filter: "self_attn", value: .number(2)),
            .init(filter: "*", value: .number(3)),
        ])
        let p = LayerPosition.afterBlocks
        #expect(s.resolve(tensor: "h.0.self_attn.q", position: p) == .number(1))
        #expect(s.resolve(tensor: "h.0.mlp.fc", position: p) == .number(3))
    }

    @Test func dellaTakesLambdaFromTheFirstModel() throws {
        let r = try Recipe(
            yaml: """
                models:
                  - model: a
                    parameters: {weight: 1, density: 0.5, epsilon: 0.1, lambda: 0.85}
                  - model: b
                    parameters: {weight: 1, density: 0.5}
                base_model: init
                merge_method: della
                """)
        let o = try r.taskVectorOptions(tensor: "x", position: .afterBlocks)
        #expect(o.lambda == 0.85)
        #expect(o.normalize == true && o.rescale == true && o.seed == 0)
    }

    @Test func warpStepsReadTheirFront() throws {
        let r = try Recipe(
            yaml: """
                models: [{model: merged}]
                base_model: init
                merge_method: liti
                parameters:
                  eta: [0.1, 0.5]
                """)
        #expect(r.etas == [0.1, 0.5])
        let w = try Recipe(
            yaml: """
                models: [{model: a}, {model: b}]
                base_model: init
                merge_method: warp_slerp
                parameters: {lambda: 0.3}
                """)
        #expect(w.etas == [1])
        #expect(w.resolved().parameters["granularity"] == .string("layer"))
    }

    @Test func requiredParameterWithoutValueIsAnError() throws {
        let r = try Recipe(
            yaml: """
                models:
                  - model: a
                    parameters:
                      weight:
                        - filter: mlp
                          value: 1
                merge_method: linear
                """)
        #expect(
            throws: RecipeError.missingParameter(name: "weight", tensor: "h.0.attn.w", model: "a")
        ) {
            try r.modelParameters(tensor: "h.0.attn.w", position: .afterBlocks)
        }
    }

    @Test func simpleSlicesBecomeModels() throws {
        let r = try Recipe(
            yaml: """
                slices:
                  - sources:
                      - model: a
                        layer_range: [0, 12]
                      - model: b
                        layer_range: [0, 12]
                merge_method: slerp
                base_model: a
                parameters: {t: 0.5}
                """)
        #expect(r.models.map(\.model) == ["a", "b"])
        #expect(r.layerRange == [0, 12])
    }
}

/// `Recipe.merge(tensor:…)`: the recipe's resolved parameters reach the method.
@Suite struct RecipeMergeTests {
    @Test func tiesRecipeMatchesTheDirectCall() throws {
        let r = try Recipe(
            yaml: """
                models:
                  - model: base
                  - model: a
                    parameters: {weight: [0.2, 1.0], density: 0.5}
                  - model: b
                    parameters:
                      weight: 0.5
                      density:
                        - filter: mlp
                          value: 0.25
                        - value: 1
                base_model: base
                merge_method: ties
                parameters: {lambda: 0.7}
                """)
        var rng = TestRandom(state: 3)
        let base = rng.vector(8)
        let ms = [rng.vector(8, coarse: true), rng.vector(8, coarse: true)]
        let b = InputBuffers(base: base, models: ms)
        let name = "model.layers.1.mlp.up_proj.weight"
        let pos = r.position(of: name, layerCount: 3)
        let got = try r.merge(
            tensor: name, shape: [2, 4], position: pos, base: UnsafeBufferPointer(b.base!),
            models: b.models.map { UnsafeBufferPointer($0) })
        let p = [
            ModelParameters(weight: 0.6, density: 0.5), ModelParameters(weight: 0.5, density: 0.25),
        ]
        let want = try Elementwise.ties(
            b.input(name: name, shape: [2, 4], parameters: p), options: .init(lambda: 0.7))
        #expect(got == want)
    }

    @Test func warpStepsAreNotPerTensor() throws {
        let r = try Recipe(
            yaml:
                "models: [{model: m}]\nbase_model: i\nmerge_method: liti\nparameters: {eta: 0.5}\n")
        #expect(!r.isPerTensor)
        #expect(throws: RecipeError.notPerTensor(method: "liti")) {
            try r.merge(tensor: "w", shape: [1], position: .afterBlocks, base: nil, models: [])
        }
    }

    @Test func sliceRangeSetsPositionsAndMustCoverTheModel() throws {
        let r = try Recipe(
            yaml: """
                slices:
                  - sources:
                      - {model: a, layer_range: [0, 4]}
                      - {model: b, layer_range: [0, 4]}
                merge_method: slerp
                base_model: a
                parameters: {t: [0, 1]}
                """)
        #expect(r.position(of: "model.layers.3.mlp.w", layerCount: 4) == .block(index: 3, count: 4))
        #expect(throws: Never.self) { try r.checkLayerRange(layerCount: 4) }
        #expect(throws: RecipeError.layerRange(range: [0, 4], layers: 32)) {
            try r.checkLayerRange(layerCount: 32)
        }
    }
}
