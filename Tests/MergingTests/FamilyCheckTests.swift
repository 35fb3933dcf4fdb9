import Foundation
import SafeTensors
import TestSupport
import Testing

@testable import Merging

/// The one family check of merges and `angles`.
@Suite struct FamilyCheckTests {
    @Test func entriesKeepStorageOrderAndRoles() throws {
        let family = Family(specs: [("z.w", [2]), ("a.w", [3])], models: 2)
        let stores = [family.initStore()] + family.modelStores()
        for s in stores {
            s.set(
                TensorInfo(name: "ids", dtype: .i64, shape: [1]),
                bytes: Array(repeating: 0, count: 8))
            s.set(TensorInfo(name: "empty", dtype: .bf16, shape: [0, 4]), bytes: [])
        }
        let check = try FamilyCheck(stores: stores)
        #expect(check.entries.map(\.info.name) == stores[0].tensors.map(\.name))
        #expect(check.entries.map(\.isFloat) == [true, true, false, true])
        #expect(check.floats.map(\.info.name) == ["z.w", "a.w", "empty"])
        #expect(check.entries[0].inputs.count == 3)
    }

    /// Files in errors are the shard that holds the tensor, not the checkpoint directory.
    @Test func errorsNameTheShard() throws {
        let dir = Fixture.tempDir("family")
        defer { Fixture.cleanup(dir) }
        let family = Family(specs: [("a", [40]), ("b", [40]), ("c", [40])], models: 2)
        var sources = [family.initStore()] + family.modelStores()
        sources[2].set(
            TensorInfo(name: "c", dtype: .i32, shape: [40]), bytes: Array(repeating: 0, count: 160))
        var stores: [any TensorStore] = []
        for (k, source) in sources.enumerated() {
            let path = dir + "/m\(k)"
            try Fixture.writeCheckpoint(source, to: path, shardSize: 200)
            stores.append(try Checkpoint.open(path))
        }
        let files = stores.map { $0.file(of: "c") }
        #expect(files.allSatisfy { $0.hasSuffix(".safetensors") && $0.contains("/model-0000") })
        let expected = MergeError.dtypeMismatch(
            tensor: "c", files: files, dtypes: [.f32, .f32, .i32])
        #expect(throws: expected) { try FamilyCheck(stores: stores) }
        #expect(throws: expected) {
            try MergeEngine.prepare(
                MergePlan(method: .slerp), init: stores[0], models: Array(stores[1...]))
        }
        #expect(expected.description.contains(files[2] + " I32"))
    }
}
