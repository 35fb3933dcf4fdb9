import ArgumentParser
import Foundation
import Merging
import TestSupport
import Testing

@testable import SafeTensors
@testable import mergetool

@Suite struct ConvertCommandTests {
    func run(_ args: [String]) throws {
        let cmd = try #require(
            try MergeTool.parseAsRoot(["convert"] + args + ["--quiet"]) as? ConvertCommand)
        try cmd.run()
    }

    @Test(arguments: ["o.safetensors", "o.safetensors.zst", "odir", "odir-sharded", "odir-zstd"])
    func byteExactCopy(_ out: String) throws {
        let dir = Fixture.tempDir("cli")
        defer { Fixture.cleanup(dir) }
        let src = Fixture.smallStore()
        try Fixture.writeCheckpoint(src, to: dir + "/in")
        FileManager.default.createFile(atPath: dir + "/in/config.json", contents: Data("{}".utf8))
        var args = [dir + "/in", "-o", dir + "/" + out]
        if out == "odir-sharded" { args += ["--shard-size", "10"] }
        if out == "odir-zstd" { args += ["--zstd"] }
        try run(args)
        let back = try Checkpoint.open(dir + "/" + out)
        #expect(back.tensors == src.tensors)
        for t in src.tensors { #expect(try back.bytes(of: t.name) == src.bytes(of: t.name)) }
        // the source's metadata plus the marker that makes the output replaceable by a rerun
        var metadata = back.metadata
        #expect(metadata.removeValue(forKey: ConvertCommand.markerKey) == MergeRecipe.toolVersion)
        #expect(metadata == ["format": "pt"])
        if !out.contains(".") {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + out + "/config.json"))
        }
    }

    @Test(arguments: ["f32", "f64", "f16", "bf16"])
    func dtypeConversionConvertsFloatsOnly(_ dtype: String) throws {
        let dir = Fixture.tempDir("cli")
        defer { Fixture.cleanup(dir) }
        let src = Fixture.smallStore()
        try Fixture.writeCheckpoint(src, to: dir + "/in.safetensors")
        try run([dir + "/in.safetensors", "-o", dir + "/out.safetensors", "--dtype", dtype])
        let back = try Checkpoint.open(dir + "/out.safetensors")
        let d = DType(userName: dtype)!
        #expect(back.info("model.embed.weight")?.dtype == d)
        #expect(back.info("step")?.dtype == .i64)
        #expect(try back.bytes(of: "step") == src.bytes(of: "step"))
        // Every value of the bf16 source is exact in all four targets.
        #expect(try back.floats(of: "model.embed.weight") == src.floats(of: "model.embed.weight"))
    }

    @Test func f32ToBF16RoundsToNearestEven() throws {
        let dir = Fixture.tempDir("cli")
        defer { Fixture.cleanup(dir) }
        let s = InMemoryStore()
        let xs: [Float] = [
            Float(bitPattern: 0x3f80_8000), Float(bitPattern: 0x3f81_8000),
            .greatestFiniteMagnitude,
            .nan, -.infinity, Float(bitPattern: 0x0000_8000),
        ]
        s.set("x", shape: [xs.count], floats: xs, dtype: .f32)
        try Fixture.writeCheckpoint(s, to: dir + "/in.safetensors")
        try run([dir + "/in.safetensors", "-o", dir + "/out.safetensors", "--dtype", "bf16"])
        let raw = try Checkpoint.open(dir + "/out.safetensors").bytes(of: "x")
        let codes = stride(from: 0, to: raw.count, by: 2).map {
            UInt16(raw[$0]) | UInt16(raw[$0 + 1]) << 8
        }
        #expect(
            codes[0] == 0x3f80 && codes[1] == 0x3f82 && codes[2] == 0x7f80 && codes[4] == 0xff80)
        #expect(codes[3] & 0x7f80 == 0x7f80 && codes[3] & 0x7f != 0)  // NaN
        #expect(codes[5] == 0x0000)  // subnormal tie to even (zero)
    }

    @Test func refusesOutputEqualToInput() throws {
        let dir = Fixture.tempDir("cli")
        defer { Fixture.cleanup(dir) }
        try Fixture.writeCheckpoint(Fixture.smallStore(), to: dir + "/in.safetensors")
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/in.safetensors"))
        #expect(throws: SafeTensorsError.outputIsInput(path: dir + "/in.safetensors")) {
            try run([dir + "/in.safetensors", "-o", dir + "/in.safetensors"])
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/in.safetensors")) == before)
    }

    @Test func validatesOutputFlags() {
        let parseError = MergeCLIFixture.parseError
        #expect(
            parseError(["convert", "a", "-o", "b.safetensors", "--zstd"])
                == "--zstd with 'b.safetensors': name the output 'b.safetensors.zst'")
        #expect(
            parseError(["convert", "a", "-o", "b.safetensors", "--shard-size", "5GB"])
                == "--shard-size needs a directory output, not 'b.safetensors'")
        #expect(
            parseError(["convert", "a", "-o", "b", "--shard-size", "lots"])
                == "--shard-size: invalid size 'lots': use a number with a unit, e.g. 500MB, 5GB, 4GiB"
        )
        #expect(
            parseError(["convert", "a", "-o", "b", "--dtype", "i8"])
                == "The value 'i8' is invalid for '--dtype <bf16|f16|f32|f64>'")
        #expect(
            (try? MergeTool.parseAsRoot([
                "convert", "a", "-o", "b", "--shard-size", "4GiB", "--dtype", "bf16",
            ])) != nil)
    }

    @Test func helpHasExamples() {
        #expect(ConvertCommand.helpMessage().contains("Examples:"))
        #expect(InspectCommand.helpMessage().contains("Examples:"))
    }
}
