import Foundation
import Merging
import SafeTensors
import Testing

@testable import Diagnostics

@Test func tooFewModels() {
    let family = KnownFamily(angles: [0], scales: [1])
    #expect(throws: DiagnosticsError.tooFewModels(got: 1)) {
        try AngleAnalysis().run(models: family.models, initial: family.base)
    }
}

@Test func nonFiniteValueNamesTensorAndFile() {
    let name = "model.layers.1.mlp.up_proj.weight"
    let family = KnownFamily(angles: [0, 90], scales: [1, 1]) { store, m in
        guard m == 1 else { return }
        var values = (try? store.floats(of: name)) ?? []
        values[33] = .nan
        store.set(name, shape: [70], floats: values)
    }
    #expect(throws: MergeError.nonFinite(tensor: name, file: "m2.safetensors")) {
        try smallAnalysis(.layer).run(models: family.models, initial: family.base)
    }
}

@Test func infiniteInitIsNamed() {
    let name = "model.norm.weight"
    let family = KnownFamily(angles: [0, 90], scales: [1, 1]) { store, m in
        guard m == -1 else { return }
        var values = (try? store.floats(of: name)) ?? []
        values[2] = -.infinity
        store.set(name, shape: [16], floats: values)
    }
    #expect(throws: MergeError.nonFinite(tensor: name, file: "base.safetensors")) {
        try smallAnalysis(.tensor).run(models: family.models, initial: family.base)
    }
}

@Test func shapeMismatchNamesTensorAndFiles() {
    let family = KnownFamily(angles: [0, 90], scales: [1, 1]) { store, m in
        if m == 0 {
            store.set("model.norm.weight", shape: [4, 4], floats: Array(repeating: 1, count: 16))
        }
    }
    let expected = MergeError.shapeMismatch(
        tensor: "model.norm.weight",
        files: ["base.safetensors", "m1.safetensors", "m2.safetensors"],
        shapes: [[16], [4, 4], [16]])
    #expect(throws: expected) {
        try AngleAnalysis().run(models: family.models, initial: family.base)
    }
    #expect(expected.description.contains("model.norm.weight"))
    #expect(expected.description.contains("m1.safetensors [4, 4]"))
}

@Test func missingTensorNamesBothFiles() {
    let family = KnownFamily(angles: [0, 90], scales: [1, 1]) { store, m in
        if m == 1 { store.set("extra.weight", shape: [2], floats: [1, 2]) }
    }
    #expect(
        throws: MergeError.missingTensor(
            tensor: "extra.weight", missingIn: "base.safetensors", presentIn: "m2.safetensors")
    ) {
        try AngleAnalysis().run(models: family.models, initial: family.base)
    }
    let other = KnownFamily(angles: [0, 90], scales: [1, 1]) { store, m in
        if m == -1 { store.set("extra.weight", shape: [2], floats: [1, 2]) }
    }
    #expect(
        throws: MergeError.missingTensor(
            tensor: "extra.weight", missingIn: "m1.safetensors", presentIn: "base.safetensors")
    ) {
        try AngleAnalysis().run(models: other.models, initial: other.base)
    }
}

@Test func floatInOneInputIntegerInAnother() {
    let family = KnownFamily(angles: [0, 90], scales: [1, 1]) { store, m in
        if m == 1 {
            store.set(TensorInfo(name: "x", dtype: .i32, shape: [1]), bytes: [0, 0, 0, 0])
        } else {
            store.set("x", shape: [1], floats: [0])
        }
    }
    #expect(
        throws: MergeError.dtypeMismatch(
            tensor: "x", files: ["base.safetensors", "m1.safetensors", "m2.safetensors"],
            dtypes: [.f32, .f32, .i32])
    ) {
        try AngleAnalysis().run(models: family.models, initial: family.base)
    }
}

@Test func onlyIntegerTensorsIsAnError() {
    let stores = (0..<3).map { InMemoryStore(label: "s\($0)") }
    for s in stores {
        s.set(TensorInfo(name: "i", dtype: .i64, shape: [1]), bytes: Array(repeating: 0, count: 8))
    }
    #expect(throws: DiagnosticsError.noFloatTensors(file: "s0")) {
        try AngleAnalysis().run(models: Array(stores[1...]), initial: stores[0])
    }
}

@Test func errorDescriptionsAreOneLowercaseLine() {
    let errors: [any Error & CustomStringConvertible] = [
        DiagnosticsError.tooFewModels(got: 1), MergeError.nonFinite(tensor: "t", file: "f"),
        DiagnosticsError.noFloatTensors(file: "f"),
        MergeError.missingTensor(tensor: "t", missingIn: "a", presentIn: "b"),
        MergeError.dtypeMismatch(tensor: "t", files: ["a"], dtypes: [.i8]),
        DiagnosticsError.cannotWrite(path: "p", reason: "r"),
        DiagnosticsError.cannotPlot(reason: "r"),
    ]
    for e in errors {
        #expect(!e.description.contains("\n"))
        #expect(e.description.first.map { !$0.isUppercase } ?? false)
    }
}

/// `angles` and the merge validate a family with the same check and throw the same error.
@Test func anglesAndMergeShareTheFamilyCheck() throws {
    let families = [
        KnownFamily(angles: [0, 90], scales: [1, 1]) { store, m in
            if m == 0 {
                store.set(
                    "model.norm.weight", shape: [4, 4], floats: Array(repeating: 1, count: 16))
            }
        },
        KnownFamily(angles: [0, 90], scales: [1, 1]) { store, m in
            if m == 1 { store.set("extra.weight", shape: [2], floats: [1, 2]) }
        },
        KnownFamily(angles: [0, 90], scales: [1, 1]) { store, m in
            if m == 1 {
                store.set(TensorInfo(name: "x", dtype: .i32, shape: [1]), bytes: [0, 0, 0, 0])
            } else {
                store.set("x", shape: [1], floats: [0])
            }
        },
    ]
    for family in families {
        var anglesError: MergeError?
        do {
            _ = try AngleAnalysis().run(models: family.models, initial: family.base)
        } catch { anglesError = error as? MergeError }
        let expected = try #require(anglesError)
        #expect(throws: expected) {
            try MergeEngine.prepare(
                MergePlan(method: .slerp), init: family.base, models: family.models)
        }
    }
}
