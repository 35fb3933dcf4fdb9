import Foundation
import Merging
import SafeTensors
import Testing

@testable import Diagnostics

func sampleReport(_ g: Granularity = .layer, init hasInit: Bool = true) throws -> AngleReport {
    let family = KnownFamily(angles: [0, 85, 100], scales: [1, 1.2, 0.9], seed: 21)
    return try smallAnalysis(g).run(models: family.models, initial: hasInit ? family.base : nil)
}

/// The JSON schema as Codable types (JSONDecoder reads numbers exactly; JSONSerialization on
/// Linux may not).
struct JSONReport: Decodable {
    struct Stats: Decodable { var cos: [[Double?]]; var norms: [Double] }
    struct Group: Decodable {
        var name: String
        var tensors: [String]
        var task_vectors: Stats?
        var weights: Stats
        var warnings: [String]
    }
    var `init`: String?
    var models: [String]
    var groups: [Group]
}

@Test(arguments: Granularity.allCases, [true, false])
func jsonRoundTripsEveryNumber(_ g: Granularity, _ hasInit: Bool) throws {
    let report = try sampleReport(g, init: hasInit)
    let object = try JSONSerialization.jsonObject(with: Data(report.json().utf8))
    let root = try #require(object as? [String: Any])
    #expect(Set(root.keys) == ["init", "models", "groups"])
    #expect((root["init"] as? String) == report.initLabel)
    #expect(hasInit || root["init"] is NSNull)
    #expect((root["models"] as? [String]) == report.models)
    let groups = try #require(root["groups"] as? [[String: Any]])
    #expect(groups.count == report.groups.count)
    for json in groups {
        #expect(Set(json.keys) == ["name", "tensors", "task_vectors", "weights", "warnings"])
        #expect(hasInit || json["task_vectors"] is NSNull)
    }
    let decoded = try JSONDecoder().decode(JSONReport.self, from: Data(report.json().utf8))
    #expect(decoded.`init` == report.initLabel && decoded.models == report.models)
    for (g, json) in zip(report.groups, decoded.groups) {
        #expect(json.name == g.name && json.tensors == g.tensors && json.warnings == g.warnings)
        #expect((json.task_vectors == nil) == (g.taskVectors == nil))
        for (decodedStats, stats) in [
            (json.task_vectors, g.taskVectors), (json.weights, g.weights),
        ] {
            guard let s = decodedStats, let stats else { continue }
            #expect(s.norms == stats.norms)
            #expect(s.cos == stats.cosMatrix)
        }
    }
}

@Test func jsonStringsAreEscaped() {
    #expect(JSONText.quoted("a\"b\\c\n\u{1}") == "\"a\\\"b\\\\c\\n\\u0001\"")
}

/// A minimal RFC 4180 reader for the round trip.
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
    var chars = Array(text)[...]
    while let c = chars.popFirst() {
        if quoted {
            if c == "\"" {
                if chars.first == "\"" {
                    field.append("\""); chars.removeFirst()
                } else {
                    quoted = false
                }
            } else {
                field.append(c)
            }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            row.append(field); field = ""
        } else if c == "\n" {
            row.append(field); rows.append(row); row = []; field = ""
        } else {
            field.append(c)
        }
    }
    return rows
}

@Test(arguments: Granularity.allCases)
func csvRoundTripsEveryNumber(_ g: Granularity) throws {
    let report = try sampleReport(g)
    let rows = parseCSV(report.csv())
    #expect(rows.first == AngleReport.csvColumns)
    let body = rows.dropFirst()
    #expect(body.count == report.groups.count * report.pairs.count)
    var k = body.startIndex
    for group in report.groups {
        for (i, j) in report.pairs {
            let r = body[k]
            k += 1
            func value(_ column: String) -> Double? {
                Double(r[AngleReport.csvColumns.firstIndex(of: column)!])
            }
            #expect(r[0] == group.name)
            #expect(Int(r[4]) == i + 1 && Int(r[5]) == j + 1)
            #expect(value("task_cos") == group.taskVectors?.cos(i, j))
            #expect(value("task_angle_deg") == group.taskVectors?.degrees(i, j))
            #expect(value("task_norm_i") == group.taskVectors?.norm(i))
            #expect(value("task_norm_ratio") == group.taskVectors?.normRatio(i, j))
            #expect(value("weight_cos") == group.weights.cos(i, j))
            #expect(value("weight_angle_deg") == group.weights.degrees(i, j))
            #expect(value("weight_norm_j") == group.weights.norm(j))
            #expect(value("weight_norm_ratio") == group.weights.normRatio(i, j))
        }
    }
}

@Test func csvQuotesFieldsWithCommas() {
    #expect(AngleReport.csvField("a,b") == "\"a,b\"")
    #expect(AngleReport.csvField("say \"x\"") == "\"say \"\"x\"\"\"")
    #expect(AngleReport.csvField("plain") == "plain")
}

@Test func tableShowsGroupsPairsAndHistograms() throws {
    let report = try sampleReport(.layer)
    let text = report.table()
    for g in report.groups { #expect(text.contains(g.name + "  (")) }
    #expect(text.contains("m1-m2") && text.contains("m2-m3"))
    for q in AngleReport.Quantity.allCases { #expect(text.contains(q.rawValue + " over")) }
    #expect(text.contains("median"))
}
