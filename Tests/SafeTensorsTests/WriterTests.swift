import Foundation
import TestSupport
import Testing

@testable import SafeTensors

@Suite struct WriterTests {
    @Test func refusesOutputThatIsAnInput() throws {
        let dir = Fixture.tempDir("guard")
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore()
        try Fixture.writeCheckpoint(store, to: dir + "/in.safetensors")
        try Fixture.writeCheckpoint(store, to: dir + "/ckpt")
        let cases: [(out: String, input: String)] = [
            (dir + "/in.safetensors", dir + "/in.safetensors"),
            // same file, other spelling
            (dir + "/./sub/../in.safetensors", dir + "/in.safetensors"),
            (dir + "/ckpt/model.safetensors", dir + "/ckpt"),  // inside an input dir
            (dir, dir + "/ckpt"),  // would contain an input
            (dir + "/ckpt", dir + "/ckpt/model.safetensors"),
        ]
        for c in cases {
            #expect(throws: SafeTensorsError.outputIsInput(path: c.out)) {
                _ = try CheckpointWriter(path: c.out, tensors: [], metadata: [], inputs: [c.input])
            }
        }
        // The input is untouched.
        #expect(try Fixture.sameTensors(store, try Checkpoint.open(dir + "/in.safetensors")))
    }

    @Test(arguments: ["x.safetensors", "x.safetensors.zst", "xdir"])
    func noPartialOutputOnFailure(_ name: String) throws {
        let dir = Fixture.tempDir("partial")
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore(count: 3, elements: 100)
        do {
            let w = try CheckpointWriter(
                path: dir + "/" + name, tensors: store.tensors, metadata: [],
                shardSize: name == "xdir" ? 100 : nil)
            try w.copy(store.tensors[0].name, from: store)
            // Wrong tensor next: the writer aborts and throws.
            #expect(throws: SafeTensorsError.self) {
                try w.copy(store.tensors[2].name, from: store)
            }
        }
        do {
            let w = try CheckpointWriter(
                path: dir + "/" + name, tensors: store.tensors, metadata: [])
            try w.copy(store.tensors[0].name, from: store)
            #expect(throws: SafeTensorsError.self) { try w.finish() }  // incomplete
        }
        do {
            let w = try CheckpointWriter(
                path: dir + "/" + name, tensors: store.tensors, metadata: [])
            try w.copy(store.tensors[0].name, from: store)
            _ = w  // dropped without finish
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [])
    }

    @Test func replacesAnExistingOutputOnlyWhenComplete() throws {
        let dir = Fixture.tempDir("replace")
        defer { Fixture.cleanup(dir) }
        let old = Fixture.sampleStore(count: 2)
        let new = Fixture.sampleStore(count: 5)
        try Fixture.writeCheckpoint(old, to: dir + "/out")
        let w = try CheckpointWriter(path: dir + "/out", tensors: new.tensors, metadata: [])
        for t in new.tensors.dropLast() { try w.copy(t.name, from: new) }
        // still the old one
        #expect(try Fixture.sameTensors(old, try Checkpoint.open(dir + "/out")))
        try w.copy(new.tensors.last!.name, from: new)
        try w.finish()
        #expect(try Fixture.sameTensors(new, try Checkpoint.open(dir + "/out")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out"])
    }

    @Test func copiesAuxiliaryFilesAndExtraFiles() throws {
        let dir = Fixture.tempDir("aux")
        defer { Fixture.cleanup(dir) }
        let store = Fixture.sampleStore()
        try Fixture.writeCheckpoint(store, to: dir + "/src", shardSize: 100)
        for name in ["config.json", "tokenizer.json", "tokenizer.model", "generation_config.json"] {
            Fixture.write(Array("{\"\(name)\":1}".utf8), to: dir + "/src/" + name)
        }
        Fixture.write([1, 2], to: dir + "/src/pytorch_model.bin")
        try FileManager.default.createDirectory(
            atPath: dir + "/src/sub", withIntermediateDirectories: true)
        let src = try Checkpoint.open(dir + "/src")
        let w = try CheckpointWriter(
            path: dir + "/out", tensors: src.tensors, metadata: [],
            inputs: [dir + "/src"], auxiliaryFrom: dir + "/src",
            extraFiles: ["README.md": Array("# card\n".utf8)])
        for t in src.tensors { try w.copy(t.name, from: src) }
        try w.finish()
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/out"))
        #expect(
            files == [
                "config.json", "tokenizer.json", "tokenizer.model", "generation_config.json",
                "README.md", "model.safetensors",
            ])
        #expect(Fixture.read(dir + "/out/config.json") == Fixture.read(dir + "/src/config.json"))
        #expect(w.writtenFiles.count == 6)
    }

    @Test func fiveThousandTensorsAndMetadata() throws {
        let dir = Fixture.tempDir("many")
        defer { Fixture.cleanup(dir) }
        let store = InMemoryStore(label: "many", metadata: ["format": "pt", "ünï": "cödé \"q\"\n"])
        for i in 0..<5000 {
            store.set(
                TensorInfo(name: "t.\(i)", dtype: i % 2 == 0 ? .f16 : .u8, shape: [i % 3, 2]),
                bytes: [UInt8](repeating: UInt8(i % 251), count: (i % 3) * 2 * (i % 2 == 0 ? 2 : 1))
            )
        }
        try Fixture.writeCheckpoint(store, to: dir + "/m.safetensors")
        let back = try Checkpoint.open(dir + "/m.safetensors")
        #expect(try Fixture.sameTensors(store, back))
        #expect(back.metadata == store.metadata)
        let bytes = Fixture.read(dir + "/m.safetensors")
        let headerLength = bytes.prefix(8).enumerated().reduce(0) {
            $0 | Int($1.element) << (8 * $1.offset)
        }
        #expect(headerLength % 8 == 0)  // padded with spaces
    }

    @Test(arguments: DType.allCases)
    func everyDTypeRoundTripsWithScalarsAndEmpties(_ d: DType) throws {
        let dir = Fixture.tempDir("dtype")
        defer { Fixture.cleanup(dir) }
        let store = InMemoryStore()
        let shapes: [[Int]] =
            d.bits % 8 == 0 ? [[], [0], [3, 4], [2, 0, 5]] : [[8], [0], [2, 4]]
        for (k, s) in shapes.enumerated() {
            let info = TensorInfo(name: "\(d.rawValue).\(k)", dtype: d, shape: s)
            store.set(
                info, bytes: (0..<info.byteCount).map { UInt8(truncatingIfNeeded: $0 * 37 + k) })
        }
        for name in ["p.safetensors", "p.safetensors.zst", "pdir"] {
            try Fixture.writeCheckpoint(store, to: dir + "/" + name)
            let back = try Checkpoint.open(dir + "/" + name)
            #expect(try Fixture.sameTensors(store, back))
        }
    }

    @Test func byteSizes() throws {
        let ok: [(String, Int)] = [
            ("500MB", 500_000_000), ("5GB", 5_000_000_000), ("4GiB", 4 << 30),
            ("1.5GB", 1_500_000_000), ("123", 123), ("2 kib", 2048), ("0.5KB", 500),
        ]
        for (text, n) in ok { #expect(try ByteSize.parse(text) == n) }
        for bad in [
            "", "0", "-5GB", "GB", "1.2.3GB", "5XB", "0.0001B", "1.5", "99999999999999999999GB",
            ".5GB",
        ] {
            #expect(throws: SafeTensorsError.invalidSize(text: bad)) { try ByteSize.parse(bad) }
        }
    }
}
