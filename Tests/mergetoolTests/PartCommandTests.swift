import ArgumentParser
import Foundation
import Merging
import TestSupport
import Testing

@testable import SafeTensors
@testable import mergetool

extension IndexCommand: ParsableCommandRunnable {}

/// `--part i/n` and `mergetool index`: the parts reassemble to the unsplit merge's bytes, in
/// any finishing order, and bad or incomplete part sets are named.
@Suite struct PartCommandTests {
    func run(_ args: [String]) throws { try MergeCLIFixture.command(args + ["--quiet"]).run() }
    func index(_ out: String) throws { try MergeCLIFixture.command(["index", out]).run() }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Every file name in `dir` (recursively, sorted), hidden ones too.
    static func listing(_ dir: String) -> [String] {
        (FileManager.default.subpaths(atPath: dir) ?? []).sorted()
    }

    @Test(arguments: [1, 2, 3, 7], [false, true])
    func partsReassembleToTheUnsplitMerge(count: Int, sharded: Bool) throws {
        let dir = Fixture.tempDir("cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Fixture.mergeFamily(in: dir)
        let shard = sharded ? ["--shard-size", "200"] : []
        let slerp = ["slerp", dir + "/ft1", dir + "/ft2", "--init", dir + "/base"]
        try run(slerp + shard + ["-o", dir + "/whole"])
        for i in 1...count {
            #expect(!Self.exists(dir + "/out"))  // nothing at OUT before the last part
            try run(slerp + shard + ["-o", dir + "/out", "--part", "\(i)/\(count)"])
        }
        #expect(
            try Fixture.tensorBytes(dir + "/out")
                == Fixture.tensorBytes(dir + "/whole"))
        #expect(!Self.exists(dir + "/.out.parts"))
        #expect(Self.exists(dir + "/out/config.json") && Self.exists(dir + "/out/README.md"))
        let files = Self.listing(dir + "/out").filter { $0.hasSuffix(".safetensors") }
        if count == 1 {
            // one part is the unsplit merge, file names included
            #expect(files == Self.listing(dir + "/whole").filter { $0.hasSuffix(".safetensors") })
        }
        #expect(Self.exists(dir + "/out/" + Checkpoint.indexName) == (files.count > 1))
        let meta = try Checkpoint.open(dir + "/out").metadata
        #expect(meta["merge.method"] == "slerp" && meta["merge.tool"] == "mergetool 0.1.0")
        // the output is a normal mergetool output: a rerun of the whole merge may replace it
        try run(slerp + ["-o", dir + "/out"])
    }

    @Test(arguments: [2, 3, 7])
    func litiFrontInParts(count: Int) throws {
        let dir = Fixture.tempDir("cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Fixture.mergeFamily(in: dir, shardSize: 300)
        let slerp = [
            "slerp", dir + "/ft1", dir + "/ft2", "--init", dir + "/base", "--eta", "0,0.3,1.5",
            "--shard-size", "300",
        ]
        try run(slerp + ["-o", dir + "/whole"])
        // reverse order: names and bytes do not depend on which part finishes first
        for i in (1...count).reversed() {
            try run(slerp + ["-o", dir + "/front", "--part", "\(i)/\(count)"])
        }
        for eta in ["0", "0.3", "1.5"] {
            #expect(
                try Fixture.tensorBytes(dir + "/front/eta-" + eta)
                    == Fixture.tensorBytes(dir + "/whole/eta-" + eta))
            #expect(Self.exists(dir + "/front/eta-\(eta)/README.md"))
            #expect(try Checkpoint.open(dir + "/front/eta-" + eta).metadata["merge.eta"] != nil)
        }
        // liti of a merged checkpoint, split too
        let liti = ["liti", dir + "/ft1", "--init", dir + "/base", "--eta", "0.3,0.6"]
        try run(liti + ["-o", dir + "/liti-whole"])
        for i in 1...count { try run(liti + ["-o", dir + "/liti", "--part", "\(i)/\(count)"]) }
        for eta in ["0.3", "0.6"] {
            #expect(
                try Fixture.tensorBytes(dir + "/liti/eta-" + eta)
                    == Fixture.tensorBytes(dir + "/liti-whole/eta-" + eta))
        }
    }

    @Test func indexNamesTheMissingPartsThenAssembles() throws {
        let dir = Fixture.tempDir("cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Fixture.mergeFamily(in: dir)
        let lerp = ["lerp", dir + "/ft1", dir + "/ft2", "--granularity", "tensor"]
        try run(lerp + ["-o", dir + "/whole"])
        try run(lerp + ["-o", dir + "/out", "--part", "2/4"])
        try run(lerp + ["-o", dir + "/out", "--part", "4/4"])
        #expect(
            throws: SafeTensorsError.partsMissing(path: dir + "/out", missing: [1, 3], count: 4)
        ) {
            try index(dir + "/out")
        }
        #expect(!Self.exists(dir + "/out"))
        try run(lerp + ["-o", dir + "/out", "--part", "1/4"])
        try run(lerp + ["-o", dir + "/out", "--part", "3/4"])  // the last one assembles
        #expect(
            try Fixture.tensorBytes(dir + "/out")
                == Fixture.tensorBytes(dir + "/whole"))
        try index(dir + "/out")  // nothing left to do: succeeds
    }

    /// When another process holds the assembly (`.assembling`), the last part leaves OUT to
    /// `mergetool index`, which may run from any directory (the markers hold absolute paths).
    @Test func indexAssemblesWhenNoPartDid() throws {
        let dir = Fixture.tempDir("cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Fixture.mergeFamily(in: dir)
        let slerp = ["slerp", dir + "/ft1", dir + "/ft2", "--init", dir + "/base", "--eta", "0.5"]
        try run(slerp + ["-o", dir + "/whole"])
        try run(slerp + ["-o", dir + "/out", "--part", "1/2"])
        #expect(PartCommit.claimAssembly(in: dir + "/.out.parts"))
        try run(slerp + ["-o", dir + "/out", "--part", "2/2"])
        #expect(!Self.exists(dir + "/out"))
        try index(dir + "/out")
        #expect(
            try Fixture.tensorBytes(dir + "/out")
                == Fixture.tensorBytes(dir + "/whole"))
        #expect(Self.exists(dir + "/out/config.json") && !Self.exists(dir + "/.out.parts"))
        #expect(try Checkpoint.open(dir + "/out").metadata["merge.eta"] == "0.5")
    }

    @Test func partsOfAnotherPlanAreNeverMixed() throws {
        let dir = Fixture.tempDir("cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Fixture.mergeFamily(in: dir)
        let slerp = ["slerp", dir + "/ft1", dir + "/ft2", "--init", dir + "/base"]
        try run(slerp + ["--lambda", "0.3", "-o", dir + "/out", "--part", "1/2"])
        // another λ: part 1's marker belongs to another plan and is dropped
        try run(slerp + ["--lambda", "0.7", "-o", dir + "/out", "--part", "2/2"])
        #expect(!Self.exists(dir + "/out"))
        #expect(throws: SafeTensorsError.partsMissing(path: dir + "/out", missing: [1], count: 2)) {
            try index(dir + "/out")
        }
        try run(slerp + ["--lambda", "0.7", "-o", dir + "/out", "--part", "1/2"])
        try run(slerp + ["--lambda", "0.7", "-o", dir + "/whole"])
        #expect(
            try Fixture.tensorBytes(dir + "/out")
                == Fixture.tensorBytes(dir + "/whole"))
    }

    @Test func aPartRefusesAnOutputMergetoolDidNotWrite() throws {
        let dir = Fixture.tempDir("cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Fixture.mergeFamily(in: dir)
        let slerp = ["slerp", dir + "/ft1", dir + "/ft2", "--init", dir + "/base"]
        try FileManager.default.copyItem(atPath: dir + "/base", toPath: dir + "/other")
        #expect(throws: SafeTensorsError.outputExists(path: dir + "/other")) {
            try run(slerp + ["-o", dir + "/other", "--part", "1/2"])
        }
        #expect(throws: SafeTensorsError.outputIsInput(path: dir + "/ft1")) {
            try run(slerp + ["-o", dir + "/ft1", "--part", "1/2", "--force"])
        }
        #expect(!Self.exists(dir + "/.other.parts") && !Self.exists(dir + "/.ft1.parts"))
    }

    @Test func indexWithoutPartsIsAnError() throws {
        let dir = Fixture.tempDir("cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(
            throws: SafeTensorsError.partsInvalid(
                path: dir + "/none",
                reason: "no merge parts in progress (expected \(dir)/.none.parts)")
        ) {
            try index(dir + "/none")
        }
    }

    @Test(arguments: ["0/3", "4/3", "1/0", "x", "1/2/3"])
    func rejectsBadPartText(text: String) throws {
        var options = PartOptions()
        options.part = text
        let error = #expect(throws: ValidationError.self) { try options.mergePart() }
        #expect(error?.message.hasPrefix("--part") == true)
    }
}
