import Foundation
import SafeTensors
import TestSupport
import Testing

@testable import Merging

/// A LITI front fused with the merge equals separate runs, byte for byte, through files.
@Suite struct FusedFrontTests {
    static func run(
        _ plan: MergePlan, initial: any TensorStore, models: [any TensorStore],
        paths: [String]
    ) throws {
        let merge = try MergeEngine.prepare(plan, init: initial, models: models)
        let sinks = try paths.map { try SafeTensorsSink(path: $0, tensors: merge.outputTensors) }
        _ = try merge.run(into: sinks)
    }

    static func bytes(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    @Test func fusedFrontEqualsSlerpThenLiti() throws {
        let dir = Fixture.tempDir("merging")
        defer { Fixture.cleanup(dir) }
        var family = Family(specs: Family.llamaLike, models: 2, seed: 9)
        family.roundValues(to: .bf16)
        try Fixture.writeSafetensors(family.initStore(.bf16), in: dir, name: "init.safetensors")
        for (k, m) in family.modelStores(.bf16).enumerated() {
            try Fixture.writeSafetensors(m, in: dir, name: "m\(k).safetensors")
        }
        let initial = try SafeTensorsFile(path: "\(dir)/init.safetensors")
        let models = try (0..<2).map { try SafeTensorsFile(path: "\(dir)/m\($0).safetensors") }
        let etas = [0, 0.1, 0.3, 1, 1.5]

        // fused: one read, five outputs
        try Self.run(
            MergePlan(method: .slerp, etas: etas), initial: initial, models: models,
            paths: etas.map { "\(dir)/front-\($0).safetensors" })
        // separate: slerp to f64, then liti per η (output dtype = the init's bf16)
        try Self.run(
            MergePlan(method: .slerp, outputDType: .f64), initial: initial, models: models,
            paths: ["\(dir)/slerp64.safetensors"])
        let merged = try SafeTensorsFile(path: "\(dir)/slerp64.safetensors")
        for eta in etas {
            try Self.run(
                MergePlan(method: .liti, etas: [eta]), initial: initial, models: [merged],
                paths: ["\(dir)/liti-\(eta).safetensors"])
            // and a separate single-η slerp run
            try Self.run(
                MergePlan(method: .slerp, etas: [eta]), initial: initial, models: models,
                paths: ["\(dir)/single-\(eta).safetensors"])
            let fused = try Self.bytes("\(dir)/front-\(eta).safetensors")
            #expect(fused == (try Self.bytes("\(dir)/liti-\(eta).safetensors")))
            #expect(fused == (try Self.bytes("\(dir)/single-\(eta).safetensors")))
        }
        // η = 0 is the init itself
        let zero = try SafeTensorsFile(path: "\(dir)/front-0.0.safetensors")
        for t in initial.tensors {
            #expect(try zero.bytes(of: t.name) == initial.bytes(of: t.name))
        }
    }

    @Test func failedMergeLeavesNoFiles() throws {
        let dir = Fixture.tempDir("merging")
        defer { Fixture.cleanup(dir) }
        let family = Family(specs: Family.llamaLike, models: 2)
        let models = family.modelStores()
        var v = try models[1].floats(of: "lm_head.weight")
        v[0] = .nan
        models[1].set("lm_head.weight", shape: [16, 8], floats: v)
        #expect(throws: MergeError.nonFinite(tensor: "lm_head.weight", file: "model2")) {
            try Self.run(
                MergePlan(method: .slerp), initial: family.initStore(), models: models,
                paths: ["\(dir)/out.safetensors"])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }
}
