import Foundation
import SafeTensors
import Testing

@testable import Merging

@Suite struct MergeErrorTests {
    static func trio() -> (InMemoryStore, InMemoryStore, InMemoryStore) {
        let family = Family(specs: [("a", [2, 2]), ("b", [3])], models: 2)
        let m = family.modelStores()
        return (family.initStore(), m[0], m[1])
    }

    @Test func missingTensor() throws {
        let (i, a, b) = Self.trio()
        b.set(TensorInfo(name: "extra", dtype: .f32, shape: [1]), bytes: [0, 0, 0, 0])
        #expect(
            throws: MergeError.missingTensor(
                tensor: "extra", missingIn: "init", presentIn: "model2")
        ) {
            try MergeEngine.runInMemory(MergePlan(method: .slerp), init: i, models: [a, b])
        }
    }

    @Test func shapeMismatchNamesFilesAndShapes() throws {
        let (i, a, b) = Self.trio()
        b.set(
            TensorInfo(name: "b", dtype: .f32, shape: [1, 3]),
            bytes: [UInt8](repeating: 0, count: 12))
        let expected = MergeError.shapeMismatch(
            tensor: "b", files: ["init", "model1", "model2"], shapes: [[3], [3], [1, 3]])
        #expect(throws: expected) {
            try MergeEngine.runInMemory(MergePlan(method: .slerp), init: i, models: [a, b])
        }
        #expect(expected.description.contains("model2 [1, 3]"))
    }

    @Test func integerTensorsMustBeEqual() throws {
        let (i, a, b) = Self.trio()
        let ids = TensorInfo(name: "ids", dtype: .i64, shape: [2])
        for s in [i, a, b] { s.set(ids, bytes: [UInt8](repeating: 1, count: 16)) }
        let (stores, report) = try MergeEngine.runInMemory(
            MergePlan(method: .slerp), init: i, models: [a, b])
        #expect(try stores[0].bytes(of: "ids") == [UInt8](repeating: 1, count: 16))
        #expect(report.copiedTensors == ["ids"])
        b.set(ids, bytes: [UInt8](repeating: 2, count: 16))
        #expect(
            throws: MergeError.unequalTensor(
                tensor: "ids", files: ["init", "model1", "model2"],
                dtypes: [.i64, .i64, .i64])
        ) {
            try MergeEngine.runInMemory(MergePlan(method: .slerp), init: i, models: [a, b])
        }
    }

    @Test func floatInOneInputIntegerInAnother() throws {
        let (i, a, b) = Self.trio()
        b.set(
            TensorInfo(name: "b", dtype: .i32, shape: [3]), bytes: [UInt8](repeating: 0, count: 12))
        #expect(
            throws: MergeError.dtypeMismatch(
                tensor: "b", files: ["init", "model1", "model2"],
                dtypes: [.f32, .f32, .i32])
        ) {
            try MergeEngine.runInMemory(MergePlan(method: .slerp), init: i, models: [a, b])
        }
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity], [0, 1, 2])
    func nonFiniteNamesTensorAndFile(bad: Float, input: Int) throws {
        let (i, a, b) = Self.trio()
        let target = [i, a, b][input]
        var v = try target.floats(of: "a")
        v[2] = bad
        target.set("a", shape: [2, 2], floats: v)
        for method in [MethodID.slerp, .taskArithmetic] {
            #expect(throws: MergeError.nonFinite(tensor: "a", file: target.label)) {
                try MergeEngine.runInMemory(MergePlan(method: method), init: i, models: [a, b])
            }
        }
    }

    @Test func planErrors() throws {
        let (i, a, b) = Self.trio()
        #expect(throws: MergeError.initRequired(method: "slerp")) {
            try MergeEngine.runInMemory(MergePlan(method: .slerp), init: nil, models: [a, b])
        }
        #expect(throws: MergeError.tooFewModels(method: "slerp", needed: 2, got: 1)) {
            try MergeEngine.runInMemory(MergePlan(method: .slerp), init: i, models: [a])
        }
        #expect(throws: MergeError.invalidCoefficients(reason: "3 weights for 2 models")) {
            try MergeEngine.runInMemory(
                MergePlan(method: .slerp, weights: [1, 1, 1]), init: i, models: [a, b])
        }
        #expect(throws: MergeError.invalidOutputDType(dtype: .i32)) {
            try MergeEngine.runInMemory(
                MergePlan(method: .slerp, outputDType: .i32), init: i, models: [a, b])
        }
        #expect(throws: MergeError.outputCount(etas: 2, outputs: 0)) {
            try MergeEngine.run(
                MergePlan(method: .slerp, etas: [0.3, 1]), init: i, models: [a, b], outputs: [])
        }
    }
}
