import Foundation
import Merging
import SafeTensors
import TestSupport
import Testing

@testable import mergetool

/// The library job and the command write the same checkpoints: the command is only flags in
/// and text out.
@Suite struct MergeJobTests {
    /// Every file under `path` (relative name → bytes), or the file itself.
    static func files(_ path: String) throws -> [String: [UInt8]] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue
        else { return ["": Array(try Data(contentsOf: URL(fileURLWithPath: path)))] }
        var out: [String: [UInt8]] = [:]
        for case let name as String in FileManager.default.enumerator(atPath: path)! {
            let full = path + "/" + name
            FileManager.default.fileExists(atPath: full, isDirectory: &isDir)
            if !isDir.boolValue {
                out[name] = Array(try Data(contentsOf: URL(fileURLWithPath: full)))
            }
        }
        return out
    }

    @Test(arguments: [
        (["--eta", "0,0.3,1"], [0.0, 0.3, 1]),
        ([String](), [1.0]),
    ])
    func jobWritesTheCommandsBytes(etaFlags: [String], etas: [Double]) throws {
        let dir = Fixture.tempDir("cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Fixture.mergeFamily(in: dir)
        let models = [dir + "/ft1", dir + "/ft2"]
        try MergeCLIFixture.command(
            ["slerp"] + models + ["--init", dir + "/base", "-o", dir + "/cli", "--quiet"]
                + etaFlags
        ).run()
        let plan = MergePlan(method: .slerp, etas: etas, threads: 2)
        let job = MergeJob(
            plan: plan, models: models, initial: dir + "/base", output: dir + "/lib",
            labelsEta: !etaFlags.isEmpty)
        let result = try job.prepare().run()
        #expect(result.outputs == job.outputPaths)
        #expect(result.outputs.count == etas.count)
        #expect(result.inputBytes > 0 && result.bytesWritten > 0)
        let cli = try Self.files(dir + "/cli"), lib = try Self.files(dir + "/lib")
        #expect(!cli.isEmpty && cli.keys.sorted() == lib.keys.sorted())
        for (name, bytes) in cli { #expect(lib[name] == bytes, "\(name)") }
    }

    @Test func dryRunWritesNothingAndNamesTheOutputs() throws {
        let dir = Fixture.tempDir("cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Fixture.mergeFamily(in: dir)
        let job = MergeJob(
            plan: MergePlan(method: .liti, etas: [0.1, 0.5]), models: [dir + "/ft1"],
            initial: dir + "/base", output: dir + "/front")
        let dry = try job.prepare().dryRun()
        #expect(dry.outputs == [dir + "/front/eta-0.1", dir + "/front/eta-0.5"])
        #expect(dry.text.hasSuffix("would write: " + dry.outputs.joined(separator: ", ")))
        #expect(!FileManager.default.fileExists(atPath: dir + "/front"))
    }
}
