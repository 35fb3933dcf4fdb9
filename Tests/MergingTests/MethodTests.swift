import Foundation
import SafeTensors
import Testing

@testable import Merging

/// The method registry, what each method declares, the library errors' wording and the
/// prepare-once engine API.
@Suite struct MethodTests {
    @Test func registryFindsEveryMethodByName() throws {
        let ids = MergeMethods.all.map { $0.id }
        #expect(Array(ids.prefix(4)) == [.slerp, .lerp, .taskArithmetic, .liti])
        let perTensor = RecipeMethod.allCases.filter { Recipe(method: $0, models: []).isPerTensor }
        #expect(Array(ids.dropFirst(4)) == perTensor.map(\.methodID))
        #expect(Set(ids).count == ids.count)
        for id in ids { #expect(try MergeMethods.method(id).id == id) }
        #expect(throws: MergeError.unknownMethod(name: "frobnicate")) {
            try MergeMethods.method("frobnicate")
        }
        #expect(throws: MergeError.unknownMethod(name: "frobnicate")) {
            try MergePlan(method: "frobnicate").validate(models: 2, hasInit: true)
        }
    }

    @Test func methodsDeclareWhatTheyNeed() {
        #expect(Slerp.needsInit && Slerp.needsStatistics && !Slerp.mergeIsModel)
        #expect(!Lerp.needsInit && !Lerp.needsStatistics)
        #expect(TaskArithmetic.needsInit && !TaskArithmetic.needsStatistics)
        #expect(Liti.needsInit && !Liti.needsStatistics && Liti.mergeIsModel)
        for method in MergeMethods.all {
            #expect(
                method.kind == (method is any PerTensorMethod.Type ? .perTensor : .coefficients))
            #expect(!method.formula.isEmpty && !method.formula.contains("\n"))
        }
    }

    @Test func theModelCardTakesTheMethodsFormula() {
        for method in MergeMethods.all where !method.mergeIsModel {
            let plain = MergeRecipe(
                plan: MergePlan(method: method.id), models: ["a", "b"], initial: "i", eta: nil)
            #expect(plain.formula == method.formula)
            #expect(plain.modelCard().contains("Formula: \(method.formula)."))
            let front = MergeRecipe(
                plan: MergePlan(method: method.id, etas: [0.3]), models: ["a", "b"],
                initial: "i", eta: 0.3)
            #expect(front.formula == "(1 − η)·θ_init + η·[\(method.formula)] with η = 0.3")
        }
        let liti = MergeRecipe(
            plan: MergePlan(method: .liti, etas: [0.3]), models: ["m"], initial: "i", eta: 0.3)
        #expect(liti.formula == "\(Liti.formula) with η = 0.3")
    }

    @Test func modelCountsAreDeclared() {
        #expect(Slerp.modelCount.lowerBound == 2 && Liti.modelCount == 1...1)
        #expect(throws: MergeError.tooManyModels(method: "liti", allowed: 1, got: 2)) {
            try MergePlan(method: .liti).validate(models: 2, hasInit: true)
        }
        #expect(throws: MergeError.tooFewModels(method: "task arithmetic", needed: 1, got: 0)) {
            try MergePlan(method: .taskArithmetic).validate(models: 0, hasInit: true)
        }
    }

    @Test func lambdaForMoreThanTwoModelsIsATypedError() {
        #expect(throws: MergeError.lambdaNeedsTwoModels(models: 3)) {
            try MergePlan(method: .slerp, lambda: 0.3).validate(models: 3, hasInit: true)
        }
    }

    /// Library errors are one lowercase line and name no command-line flag.
    @Test func errorDescriptionsNameNoFlag() {
        let errors: [MergeError] = [
            .tooFewModels(method: "slerp", needed: 2, got: 1), .initRequired(method: "slerp"),
            .tooManyModels(method: "liti", allowed: 1, got: 2),
            .missingTensor(tensor: "t", missingIn: "a", presentIn: "b"),
            .shapeMismatch(tensor: "t", files: ["a", "b"], shapes: [[1], [2]]),
            .dtypeMismatch(tensor: "t", files: ["a", "b"], dtypes: [.f32, .i32]),
            .unequalTensor(tensor: "t", files: ["a", "b"], dtypes: [.i64, .i64]),
            .nonFinite(tensor: "t", file: "a"), .invalidCoefficients(reason: "r"),
            .lambdaNeedsTwoModels(models: 3), .negativeEta(eta: -0.5),
            .outputCount(etas: 2, outputs: 1), .invalidOutputDType(dtype: .i32),
            .unknownMethod(name: "ties"),
        ]
        for e in errors {
            #expect(!e.description.contains("--"), "\(e)")
            #expect(!e.description.contains("\n"))
            #expect(e.description.first.map { !$0.isUppercase } ?? false)
        }
    }

    /// `prepare` validates and lays out once; `run(into:)` then writes the sinks, with the
    /// same bytes as the one-call path.
    @Test func preparedMergeRunsIntoSinks() throws {
        var family = Family(specs: Family.llamaLike, models: 2, seed: 3)
        family.roundValues(to: .bf16)
        let i = family.initStore(.bf16), m = family.modelStores(.bf16)
        let plan = MergePlan(method: .slerp, etas: [0.3, 1])
        let merge = try MergeEngine.prepare(plan, init: i, models: m)
        #expect(merge.outputTensors.map(\.name) == i.tensors.map(\.name))
        #expect(merge.layout.groups.count == 5)
        let stores = plan.etas.map { InMemoryStore(label: "eta \($0)") }
        let report = try merge.run(
            into: stores.map { InMemorySink(store: $0, tensors: merge.outputTensors) })
        let direct = try MergeEngine.runInMemory(plan, init: i, models: m)
        #expect(report == direct.report)
        for (k, store) in stores.enumerated() {
            for t in store.tensors {
                #expect(try store.bytes(of: t.name) == direct.outputs[k].bytes(of: t.name))
            }
        }
        #expect(throws: MergeError.outputCount(etas: 2, outputs: 1)) {
            try merge.run(into: [InMemorySink(store: InMemoryStore(), tensors: merge.outputTensors)]
            )
        }
    }
}
