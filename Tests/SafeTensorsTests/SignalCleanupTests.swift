import Foundation
import Testing

@testable import SafeTensors

@Suite struct SignalCleanupTests {
    @Test func cleanUpRemovesRegisteredPathsOnly() throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("cleanup-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(
            atPath: dir + "/tmp-dir", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/tmp-dir/x", contents: Data([1]))
        FileManager.default.createFile(atPath: dir + "/kept", contents: Data([2]))
        FileManager.default.createFile(atPath: dir + "/committed", contents: Data([3]))
        defer { try? FileManager.default.removeItem(atPath: dir) }

        _ = SignalCleanup.register(temporary: dir + "/tmp-dir")
        let committed = SignalCleanup.register(temporary: dir + "/committed")
        SignalCleanup.unregister(committed)
        SignalCleanup.cleanUp()

        #expect(!FileManager.default.fileExists(atPath: dir + "/tmp-dir"))
        #expect(FileManager.default.fileExists(atPath: dir + "/kept"))
        #expect(FileManager.default.fileExists(atPath: dir + "/committed"))
    }
}
