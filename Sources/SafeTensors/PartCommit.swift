import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A checkpoint written by several processes (nodes), each writing the weight files of its
/// share, then assembled into a normal checkpoint directory at `OUT`.
///
///     .OUT.parts/                          beside OUT, on the same (shared) filesystem
///       model-00003-of-00012.safetensors   part files (each: temporary, fsync, rename)
///       eta-0.3/model-…                    a front: one sub-directory per output
///       part-00002-of-00007.json           completion marker of part 2 (its files, plan hash)
///
/// - File names are global: every part computes every part's files from the headers alone
///   (`files(tensorsByPart:…)`), so names never depend on which part finishes first. One part
///   with one file writes `model.safetensors`, as an unsplit merge does.
/// - A part writes its files, then its marker (atomically). Every file carries the plan hash
///   under `planKey`, every marker names it: parts of different plans are never mixed.
/// - `assemble` checks every marker is there and agrees, builds OUT in a `StagedDirectory`
///   (the part files hard-linked, else copied; the index, config/tokenizer files and model
///   card written), moves it into place atomically (an existing OUT only under the
///   `OutputReplacement` policy the parts recorded) and then removes `.OUT.parts`.
public enum PartCommit {
    /// `__metadata__` key holding the plan hash in every part file.
    public static let planKey = "mergetool.part-plan"

    /// One weight file of a part: its name and tensors in write order.
    public struct File: Codable, Sendable, Equatable {
        public var name: String
        public var tensors: [TensorInfo]
        public init(name: String, tensors: [TensorInfo]) {
            self.name = name
            self.tensors = tensors
        }

        private struct Entry: Codable {
            var name: String
            var dtype: String
            var shape: [Int]
        }
        private enum Keys: String, CodingKey { case name, tensors }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            name = try c.decode(String.self, forKey: .name)
            tensors = try c.decode([Entry].self, forKey: .tensors).map { e in
                guard let d = DType(rawValue: e.dtype) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .tensors, in: c, debugDescription: "dtype \(e.dtype)")
                }
                return TensorInfo(name: e.name, dtype: d, shape: e.shape)
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(name, forKey: .name)
            try c.encode(
                tensors.map { Entry(name: $0.name, dtype: $0.dtype.rawValue, shape: $0.shape) },
                forKey: .tensors)
        }
    }

    /// One output of the merge (`directory` is `""` for OUT itself, `eta-<η>` in a front).
    public struct Output: Codable, Sendable, Equatable {
        public var directory: String
        /// This part's files of the output.
        public var files: [File]
        /// Files written beside the weights by `assemble` (e.g. README.md), by name.
        public var extraFiles: [String: String]
        public init(directory: String, files: [File], extraFiles: [String: String]) {
            self.directory = directory
            self.files = files
            self.extraFiles = extraFiles
        }
    }

    /// A part's completion marker, `part-<i>-of-<n>.json`.
    public struct Marker: Codable, Sendable, Equatable {
        public var format = "mergetool-part 1"
        /// Hash of everything the parts must agree on (method, coefficients, inputs, layout).
        public var plan: String
        public var part: Int
        public var count: Int
        /// `true` when OUT may be replaced whatever it holds (`--force`).
        public var force: Bool
        /// Paths OUT must not be or contain.
        public var inputs: [String]
        /// The checkpoint whose config/tokenizer files OUT receives.
        public var auxiliaryFrom: String?
        public var outputs: [Output]

        public init(
            plan: String, part: Int, count: Int, force: Bool, inputs: [String],
            auxiliaryFrom: String?, outputs: [Output]
        ) {
            self.plan = plan
            self.part = part
            self.count = count
            self.force = force
            self.inputs = inputs
            self.auxiliaryFrom = auxiliaryFrom
            self.outputs = outputs
        }

        public var fileName: String { PartCommit.markerName(part: part, count: count) }
    }

    /// `.OUT.parts` beside `out`.
    public static func partsDirectory(for out: String) throws -> String {
        let (dir, base) = try OutputPath.split(out)
        return dir + "/." + base + ".parts"
    }

    static func markerName(part: Int, count: Int) -> String {
        "part-\(CheckpointWriter.pad(part))-of-\(CheckpointWriter.pad(count)).json"
    }

    /// Every part's files: each part's tensors sharded greedily by `shardSize` like
    /// `CheckpointWriter` (a part without tensors has no file), numbered globally in part
    /// order: `model-<k>-of-<N>` (`model.safetensors` when N = 1), `.safetensors.zst` with
    /// `compress`.
    public static func files(tensorsByPart: [[TensorInfo]], shardSize: Int?, compress: Bool)
        -> [[File]]
    {
        let shards = tensorsByPart.map { tensors in
            tensors.isEmpty ? [] : CheckpointWriter.shards(tensors, maxBytes: shardSize)
        }
        let total = shards.reduce(0) { $0 + $1.count }
        let ext = compress ? ".safetensors.zst" : ".safetensors"
        var k = 0
        return shards.map { partShards in
            partShards.map { tensors in
                k += 1
                let name =
                    total == 1
                    ? "model" + ext
                    : "model-\(CheckpointWriter.pad(k))-of-\(CheckpointWriter.pad(total))" + ext
                return File(name: name, tensors: tensors)
            }
        }
    }

    /// The `__metadata__` of a part file: `base`, the plan hash, and (as `CheckpointWriter`
    /// does) the list of unusual non-weight files OUT will hold, so a rerun may replace them.
    public static func metadata(
        _ base: [(key: String, value: String)], plan: String, auxiliaryFrom: String?,
        extraFiles: [String]
    ) throws -> [(key: String, value: String)] {
        let names = try CheckpointWriter.auxiliaryFiles(in: auxiliaryFrom ?? "") + extraFiles
        return base + [(planKey, plan)]
            + (OutputReplacement.filesPair(names).map { [$0] } ?? [])
    }

    /// Before a part writes: checks OUT may be replaced and is no input, creates `.OUT.parts`
    /// (and the front's sub-directories) and removes markers of other plans and this part's
    /// own old marker, so no stale marker vouches for the files about to be rewritten.
    /// - Returns: the parts directory.
    /// - Throws: the `OutputGuard`/`OutputReplacement` errors, `.partsInvalid` when
    ///   `.OUT.parts` is not a directory, `.io`.
    public static func prepareDirectory(
        out: String, marker: Marker, replacing: OutputReplacement
    ) throws -> String {
        try OutputGuard.check(output: out, inputs: marker.inputs)
        try replacing.check(out, directoryOutput: true)
        let parts = try partsDirectory(for: out)
        _ = try OutputPath.createDirectories(try OutputPath.split(out).dir)
        for dir in [parts]
            + marker.outputs.filter({ !$0.directory.isEmpty }).map({
                parts + "/" + $0.directory
            })
        {
            if mkdir(dir, 0o755) != 0 && errno != EEXIST {
                throw SafeTensorsError.io(
                    path: dir, operation: "create directory", errno: errno,
                    message: String(cString: strerror(errno)))
            }
            var st = stat()
            guard lstat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
                throw SafeTensorsError.partsInvalid(
                    path: dir, reason: "exists and is not a directory of merge parts")
            }
        }
        for (name, other) in try markers(in: parts)
        where other?.plan != marker.plan || name == marker.fileName {
            _ = unlink(parts + "/" + name)
        }
        return parts
    }

    /// Writes `marker` into the parts directory, atomically and durably.
    public static func writeMarker(_ marker: Marker, in parts: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(marker)
        let file = try AtomicFile(path: parts + "/" + marker.fileName)
        try Array(data).withUnsafeBytes { try file.write($0) }
        try file.commit()
    }

    /// The markers in `parts` by file name (`nil` for one that does not decode).
    static func markers(in parts: String) throws -> [(String, Marker?)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parts)) ?? []
        return names.filter { $0.hasPrefix("part-") && $0.hasSuffix(".json") }.sorted().map {
            name in
            let data = FileManager.default.contents(atPath: parts + "/" + name)
            return (name, data.flatMap { try? JSONDecoder().decode(Marker.self, from: $0) })
        }
    }

    /// Whether every part of `marker`'s plan has its marker in `parts` (the last part to
    /// finish assembles OUT).
    public static func isComplete(_ marker: Marker, in parts: String) -> Bool {
        let done = Set(
            ((try? markers(in: parts)) ?? []).compactMap { $0.1 }
                .filter { $0.plan == marker.plan && $0.count == marker.count }.map(\.part))
        return done.count == marker.count
    }

    /// Takes the right to assemble automatically (`mkdir` of `.assembling`, atomic on shared
    /// filesystems too); `false` when another part took it.
    public static func claimAssembly(in parts: String) -> Bool {
        mkdir(parts + "/.assembling", 0o755) == 0
    }

    /// Gives the claim back after a failed assembly.
    public static func releaseAssembly(in parts: String) { _ = rmdir(parts + "/.assembling") }
}
