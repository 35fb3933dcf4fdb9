import Foundation
import SafeTensors

/// Per-step metrics written twice: `NAME.csv` (header + one row per step) and `NAME.jsonl`
/// (one JSON object per step, same keys), appended and flushed after every row so an
/// interrupted run keeps what it logged.
///
/// Numbers are written in Swift's shortest round-trip form, so a resumed run that recomputes
/// the same values writes the same bytes. On resume, `open(…, keepingThrough: k)` drops the
/// rows after step k (logged after the last checkpoint, and about to be recomputed).
public final class MetricsLog {
    public let columns: [String]
    public let csvPath: String
    public let jsonlPath: String
    private let csv: FileHandle
    private let jsonl: FileHandle

    /// Opens (creating or truncating) the two files in `dir`.
    /// - Parameters:
    ///   - columns: column names; the first must be `step` (an integer).
    ///   - keepingThrough: keep existing rows whose step ≤ this (nil: start empty).
    /// - Throws: `ReinforceError.cannotWrite`.
    public init(
        directory dir: String, name: String, columns: [String],
        keepingThrough kept: Int? = nil
    ) throws {
        precondition(columns.first == "step", "the first column is the step")
        self.columns = columns
        csvPath = (dir as NSString).appendingPathComponent(name + ".csv")
        jsonlPath = (dir as NSString).appendingPathComponent(name + ".jsonl")
        var csvText = columns.joined(separator: ",") + "\n"
        var jsonText = ""
        if let kept {
            csvText += Self.rows(ofFile: csvPath, dropFirst: true, through: kept) {
                Int($0.split(separator: ",", maxSplits: 1).first ?? "")
            }
            jsonText += Self.rows(ofFile: jsonlPath, dropFirst: false, through: kept) {
                Self.jsonStep($0)
            }
        }
        try RunFiles.write(csvText.utf8, to: csvPath)
        try RunFiles.write(jsonText.utf8, to: jsonlPath)
        do {
            csv = try FileHandle(forWritingTo: URL(fileURLWithPath: csvPath))
            jsonl = try FileHandle(forWritingTo: URL(fileURLWithPath: jsonlPath))
            try csv.seekToEnd()
            try jsonl.seekToEnd()
        } catch {
            throw ReinforceError.cannotWrite(path: csvPath, reason: RunFiles.reason(error))
        }
    }

    deinit {
        try? csv.close()
        try? jsonl.close()
    }

    /// Appends one row; `values` follow `columns` (nil is an empty CSV field / JSON null).
    /// - Throws: `ReinforceError.cannotWrite`.
    public func append(_ values: [Double?]) throws {
        precondition(values.count == columns.count, "one value per column")
        let fields = values.enumerated().map { i, v in Self.format(v, integer: i == 0) }
        let line = fields.joined(separator: ",") + "\n"
        let object = zip(columns, fields).map { "\"\($0)\":\($1.isEmpty ? "null" : $1)" }
        let json = "{" + object.joined(separator: ",") + "}\n"
        do {
            try csv.write(contentsOf: Data(line.utf8))
            try jsonl.write(contentsOf: Data(json.utf8))
        } catch {
            throw ReinforceError.cannotWrite(path: csvPath, reason: RunFiles.reason(error))
        }
    }

    /// Shortest round-trip text; integers (the step) without a fraction; non-finite as
    /// empty (JSON has no NaN).
    static func format(_ v: Double?, integer: Bool) -> String {
        guard let v, v.isFinite else { return "" }
        if integer { return String(Int(v)) }
        return "\(v)"
    }

    /// The `"step":N` value at the start of a JSONL row written by `append`.
    static func jsonStep(_ line: Substring) -> Int? {
        guard line.hasPrefix("{\"step\":") else { return nil }
        let rest = line.dropFirst("{\"step\":".count)
        return Int(rest.prefix { $0.isNumber })
    }

    /// Rows of an existing file whose step (parsed by `step`) is at most `kept`, each with
    /// its newline; missing or unreadable files give nothing.
    static func rows(
        ofFile path: String, dropFirst: Bool, through kept: Int,
        step: (Substring) -> Int?
    ) -> String {
        guard let data = try? readFile(path),
            let text = String(data: data, encoding: .utf8)
        else { return "" }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        if dropFirst, !lines.isEmpty { lines.removeFirst() }
        return lines.filter { (step($0) ?? Int.max) <= kept }.map { $0 + "\n" }.joined()
    }

    /// Reads a CSV written by `append` back as rows of optional numbers (for reports/tests).
    /// - Throws: `ReinforceError.fileNotFound` / `.unreadableFile`.
    public static func read(csv path: String) throws -> (columns: [String], rows: [[Double?]]) {
        let data = try readFile(path)
        guard let text = String(data: data, encoding: .utf8) else {
            throw ReinforceError.unreadableFile(path: path, reason: "not valid utf-8")
        }
        let lines = text.split(separator: "\n")
        guard let head = lines.first else { return ([], []) }
        let columns = head.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let rows = lines.dropFirst().map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) }
        }
        return (columns, rows)
    }
}
