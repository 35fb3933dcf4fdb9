import ArgumentParser
import Foundation
import SafeTensors

/// `mergetool inspect CKPT [--json] [--hash]`: the tensors of a checkpoint and a summary.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a checkpoint's tensors: name, dtype, shape, bytes, file.",
        discussion: """
            CKPT is a .safetensors file, a .safetensors.zst file, or a directory holding \
            model.safetensors[.zst] or shards with model.safetensors.index.json. The header \
            (and index) is validated strictly; any malformed file is an error naming the file \
            and tensor. Prints a table and a summary (tensors, parameters, bytes per dtype), \
            or with --json:
              {"tensors": {"NAME": {"dtype": "BF16", "shape": [4096, 4096], "file": "…", \
            "offsets": [begin, end]}}, "metadata": {…}}
            (tensors in storage order, offsets = the header's data_offsets).

            Examples:
              mergetool inspect model.safetensors
              mergetool inspect checkpoints/sft --json --hash > sft.json
            """)

    @Argument(help: "The checkpoint: a file or a directory.")
    var checkpoint: String

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "Add the SHA-256 of each tensor's raw bytes (reads all data).")
    var hash = false

    func run() throws {
        let store = try Checkpoint.open(checkpoint)
        let hashes =
            try hash ? store.tensors.map { try Checkpoint.sha256(of: $0.name, in: store) } : nil
        print(
            json
                ? InspectReport.json(store, hashes: hashes)
                : InspectReport.table(store, hashes: hashes), terminator: "")
    }
}

/// The text and JSON renderings of `inspect`.
enum InspectReport {
    static func table(_ store: any TensorStore, hashes: [String]?) -> String {
        let locations = Checkpoint.locations(store)
        let base = store.label
        var rows: [[String]] = [
            ["name", "dtype", "shape", "bytes", "file"] + (hashes == nil ? [] : ["sha256"])
        ]
        for (i, t) in store.tensors.enumerated() {
            let file = locations?[ExactName(t.name)]?.file ?? base
            var row = [
                DisplayText.escaped(t.name), t.dtype.rawValue, shape(t.shape), String(t.byteCount),
                (file as NSString).lastPathComponent,
            ]
            if let h = hashes { row.append(h[i]) }
            rows.append(row)
        }
        var widths = [Int](repeating: 0, count: rows[0].count)
        for r in rows { for (k, c) in r.enumerated() { widths[k] = max(widths[k], c.count) } }
        var out = ""
        for r in rows {
            let cells = r.enumerated().map { k, c in
                k == 3
                    ? String(repeating: " ", count: widths[k] - c.count) + c  // right-align bytes
                    : c + String(repeating: " ", count: widths[k] - c.count)
            }
            out += cells.joined(separator: "  ").replacingTrailingSpaces() + "\n"
        }
        out += summary(store)
        return out
    }

    static func summary(_ store: any TensorStore) -> String {
        var byType: [DType: (count: Int, params: Int, bytes: Int)] = [:]
        for t in store.tensors {
            let old = byType[t.dtype] ?? (0, 0, 0)
            byType[t.dtype] = (old.count + 1, old.params + t.elementCount, old.bytes + t.byteCount)
        }
        let tensors = store.tensors.count
        let params = store.tensors.reduce(0) { $0 + $1.elementCount }
        let bytes = store.tensors.reduce(0) { $0 + $1.byteCount }
        var out =
            "\n\(store.label): \(tensors) tensor\(tensors == 1 ? "" : "s"), "
            + "\(count(params, "parameter")), \(grouped(bytes)) bytes (\(human(bytes)))\n"
        for d in DType.allCases {
            guard let s = byType[d] else { continue }
            out +=
                "  \(d.rawValue): \(s.count) tensor\(s.count == 1 ? "" : "s"), "
                + "\(count(s.params, "parameter")), \(grouped(s.bytes)) bytes\n"
        }
        let meta = Checkpoint.metadataPairs(store)
        if !meta.isEmpty {
            out +=
                "metadata: " + meta.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + "\n"
        }
        return out
    }

    static func json(_ store: any TensorStore, hashes: [String]?) -> String {
        let locations = Checkpoint.locations(store)
        var out = "{\n  \"tensors\": {"
        for (i, t) in store.tensors.enumerated() {
            out += i == 0 ? "\n" : ",\n"
            out +=
                "    \(JSONText.quoted(t.name)): {\"dtype\": \(JSONText.quoted(t.dtype.rawValue)), "
                + "\"shape\": [\(t.shape.map(String.init).joined(separator: ", "))]"
            if let loc = locations?[ExactName(t.name)] {
                out +=
                    ", \"file\": \(JSONText.quoted(loc.file)), \"offsets\": [\(loc.begin), \(loc.end)]"
            }
            if let h = hashes { out += ", \"sha256\": \(JSONText.quoted(h[i]))" }
            out += "}"
        }
        out += store.tensors.isEmpty ? "},\n" : "\n  },\n"
        let meta = Checkpoint.metadataPairs(store)
        out += "  \"metadata\": {"
        out += meta.map { "\(JSONText.quoted($0.key)): \(JSONText.quoted($0.value))" }.joined(
            separator: ", ")
        out += "}\n}\n"
        return out
    }

    /// "1 parameter", "1,024 parameters".
    static func count(_ n: Int, _ noun: String) -> String {
        "\(grouped(n)) \(noun)\(n == 1 ? "" : "s")"
    }

    static func shape(_ s: [Int]) -> String {
        "[" + s.map(String.init).joined(separator: ", ") + "]"
    }

    /// 1234567 → "1,234,567".
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    static func human(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(bytes)
        var k = 0
        while v >= 1024 && k < units.count - 1 { v /= 1024; k += 1 }
        return k == 0 ? "\(bytes) B" : String(format: "%.2f %@", v, units[k])
    }

}

extension String {
    fileprivate func replacingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
