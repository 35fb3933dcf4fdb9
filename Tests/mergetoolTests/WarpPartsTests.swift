import Foundation
import Reinforce
import Testing

@testable import mergetool

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// External WARP runs whose merges are split into parts (`--merge-parts N`), their angles
/// report and figures, and `mergetool eval` matching the in-process evaluation bit for bit.
@Suite("warp merge parts, external report and evaluation", .serialized)
struct WarpPartsTests {
    static func args(_ dir: String, parts: Int, evaluator: String = WarpBinary.evaluator)
        -> [String]
    {
        [
            "warp", "--run-dir", dir, "--trainer", WarpBinary.trainer, "--evaluator", evaluator,
            "--merge-parts", "\(parts)",
        ]
    }

    /// The weights of every θ_η and next init of a run directory, by relative path.
    static func weights(_ dir: String, iterations: Int = 2) throws -> [String: [String: [UInt8]]] {
        var all: [String: [String: [UInt8]]] = [:]
        for i in 1...iterations {
            var names = ["eta-0.00", "eta-0.30", "eta-0.50", "eta-1.00"]
            if i > 1 { names.append("init") }
            for name in names {
                let path = "iteration-\(i)/\(name)"
                all[path] = try WarpBinary.tensors(dir + "/" + path)
            }
        }
        return all
    }

    @Test(.enabled(if: WarpBinary.exists, "needs .build/debug/mergetool (swift build)"))
    func threeMergePartsGiveTheOnePartBytesAndSummary() throws {
        let dir = try WarpBinary.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let common = WarpBinary.common(sft: dir + "/sft/policy")
        let one = try WarpBinary.run(Self.args(dir + "/one", parts: 1) + common)
        try #require(one.status == 0, "\(one.output)")
        let three = try WarpBinary.run(Self.args(dir + "/three", parts: 3) + common)
        try #require(three.status == 0, "\(three.output)")
        let expected = try WarpBinary.front(dir + "/one/summary.json")
        #expect(expected.count == 6)
        #expect(try WarpBinary.front(dir + "/three/summary.json") == expected)
        let a = try Self.weights(dir + "/one")
        let b = try Self.weights(dir + "/three")
        #expect(a.count == 9 && a.values.allSatisfy { !$0.isEmpty })
        for (path, tensors) in a { #expect(b[path] == tensors, "\(path)") }
        let numbers = { (path: String) throws -> [Int] in
            let data = try #require(FileManager.default.contents(atPath: path))
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let its = try #require(json["iterations"] as? [[String: Any]])
            return its.compactMap { $0["mergedTensors"] as? Int }
        }
        #expect(try numbers(dir + "/one/summary.json") == numbers(dir + "/three/summary.json"))
        for i in 1...2 {  // nothing of the parts is left behind
            #expect(!FileManager.default.fileExists(atPath: dir + "/three/iteration-\(i)/merged"))
            #expect(
                !FileManager.default.fileExists(
                    atPath: dir + "/three/iteration-\(i)/.merged.parts"))
        }
        let status = try WarpBinary.run(["warp", "status", dir + "/three"])
        #expect(status.output.contains("merge:1:2/3   done"), "\(status.output)")
        #expect(status.output.contains("merge:2:3/3   done"))
        #expect(status.output.contains("14/14 tasks done"))
    }

    @Test(.enabled(if: WarpBinary.exists, "needs .build/debug/mergetool (swift build)"))
    func failedPartAndAssemblyAreRedoneWithoutRedoingCommittedParts() throws {
        let dir = try WarpBinary.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var common = WarpBinary.common(sft: dir + "/sft/policy")
        common += ["--iterations", "1"]
        // 1. part 2 cannot commit its file (a directory stands at its name): it fails, part 1
        // is committed
        let blocker = dir + "/w/iteration-1/.merged.parts/eta-0.00/model-00002-of-00002.safetensors"
        try FileManager.default.createDirectory(atPath: blocker, withIntermediateDirectories: true)
        // the evaluator fails once: the merge task fails after its 2 parts were committed
        let flaky =
            "if [ ! -e \(dir)/failed-once ]; then touch \(dir)/failed-once; exit 4; fi; "
            + WarpBinary.evaluator
        let args = Self.args(dir + "/w", parts: 2, evaluator: flaky) + common + ["--parallel", "1"]
        let partFailed = try WarpBinary.run(args)
        #expect(partFailed.status != 0)
        var status = try WarpBinary.run(["warp", "status", dir + "/w"])
        #expect(status.output.contains("merge:1:1/2   done"), "\(status.output)")
        #expect(status.output.contains("merge:1:2/2   failed"))
        #expect(status.output.contains("merge:1       pending"))
        try FileManager.default.removeItem(atPath: blocker)
        // 2. part 2 is redone (part 1 is not); the merge task fails in the evaluator
        let first = try WarpBinary.run(args)
        #expect(first.status != 0)
        #expect(first.output.contains("evaluator exited with status 4"), "\(first.output)")
        status = try WarpBinary.run(["warp", "status", dir + "/w"])
        #expect(status.output.contains("merge:1:2/2   done"), "\(status.output)")
        #expect(status.output.contains("merge:1       failed"))
        // 3. only the merge task is redone
        let second = try WarpBinary.run(args)
        try #require(second.status == 0, "\(second.output)")
        for k in 1...2 {  // each part completed once
            let log = try String(
                contentsOfFile: dir + "/w/logs/merge-1-\(k)-of-2.log", encoding: .utf8)
            #expect(log.components(separatedBy: "merge:1:\(k)/2 done").count == 2)
        }
        let one = try WarpBinary.run(Self.args(dir + "/one", parts: 1) + common)
        try #require(one.status == 0, "\(one.output)")
        #expect(
            try WarpBinary.front(dir + "/w/summary.json")
                == WarpBinary.front(dir + "/one/summary.json"))
        #expect(
            try Self.weights(dir + "/w", iterations: 1)
                == Self.weights(dir + "/one", iterations: 1))
    }

    @Test(.enabled(if: WarpBinary.exists, "needs .build/debug/mergetool (swift build)"))
    func externalRunWritesAnglesReportAndFigures() throws {
        let dir = try WarpBinary.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // train rl with --eval-every writes eval.csv: the runs' trajectories are drawn too
        let trainer = WarpBinary.trainer + " --eval-every 2"
        let run = try WarpBinary.run(
            [
                "warp", "--run-dir", dir + "/w", "--trainer", trainer, "--evaluator",
                WarpBinary.evaluator,
            ] + WarpBinary.common(sft: dir + "/sft/policy"))
        try #require(run.status == 0, "\(run.output)")
        for i in 1...2 {
            let text = try String(
                contentsOfFile: dir + "/w/iteration-\(i)/angles.txt", encoding: .utf8)
            #expect(!text.isEmpty)
            let data = try #require(
                FileManager.default.contents(atPath: dir + "/w/iteration-\(i)/angles.json"))
            #expect(try JSONSerialization.jsonObject(with: data) is [String: Any])
        }
        for figure in WarpRunDirectory.Figure.allCases {
            let path = dir + "/w/figures/" + figure.rawValue
            let data = try #require(FileManager.default.contents(atPath: path), "\(path)")
            let svg = String(decoding: data, as: UTF8.self)
            #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"), "\(path)")
            #expect(svg.contains("</svg>"))
            // an SVG is XML: it parses
            #expect(XMLParser(data: data).parse(), "\(path)")
        }
        let summary = try #require(FileManager.default.contents(atPath: dir + "/w/summary.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: summary) as? [String: Any])
        let first = try #require((json["iterations"] as? [[String: Any]])?.first)
        #expect(first["taskVectorCosine"] is Double)
        #expect((first["initial"] as? [String: Any])?["kl"] is Double)
        let runs = try #require(first["runs"] as? [[String: Any]])
        #expect((runs.first?["trajectory"] as? [Any])?.count == 3)  // steps 0, 2, 4
    }

    @Test(.enabled(if: WarpBinary.exists, "needs .build/debug/mergetool (swift build)"))
    func evalGivesTheInProcessNumbersWithAnyBLASThreadCount() throws {
        let dir = try WarpBinary.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rl = try WarpBinary.run([
            "train", "rl", "--init", dir + "/sft/policy", "-o", dir + "/rl", "--steps", "3",
            "--batch", "4", "--new-tokens", "6", "--quiet",
        ])
        try #require(rl.status == 0, "\(rl.output)")
        // two threads split OpenBLAS's sums differently: eval must pin its one thread
        let external = try WarpBinary.run(
            [
                "eval", dir + "/rl/policy", "--sft", dir + "/sft/policy", "--json", "--prompts",
                "8", "--new-tokens", "6", "--seed", "5",
            ], env: ["OPENBLAS_NUM_THREADS": "2"])
        try #require(external.status == 0, "\(external.output)")
        // JSONDecoder reads the shortest round-trip digits back to the same Double
        let printed = try JSONDecoder().decode(
            [EvaluationResult].self, from: Data(external.output.utf8))
        BLASThreads.set(BLASThreads.reproducible)  // what the in-process loop runs with
        var settings = EvaluationSettings()
        settings.promptCount = 8
        settings.newTokens = 6
        settings.seed = 5
        let (sft, vocabulary) = try PolicyCheckpoint.load(dir + "/sft/policy")
        let (policy, _) = try PolicyCheckpoint.load(dir + "/rl/policy")
        let evaluator = try PolicyEvaluator(
            sft: sft, reward: SentimentLexiconReward(), vocabulary: vocabulary,
            settings: settings)
        let inProcess = try evaluator.evaluate(policy, label: "rl")
        #expect(inProcess.kl > 0)
        #expect(printed.count == 1)
        #expect(printed.first?.kl == inProcess.kl)
        #expect(printed.first?.reward == inProcess.reward)
        #expect(printed.first?.klLogRatio == inProcess.klLogRatio)
        #expect(printed.first?.entropy == inProcess.entropy)
    }

    @Test(.enabled(if: WarpBinary.exists, "needs .build/debug/mergetool (swift build)"))
    func builtinTrainerOutOfProcessKeepsBaselinesAndFixedLength() throws {
        let dir = try WarpBinary.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let common =
            WarpBinary.common(sft: dir + "/sft/policy") + [
                "--iterations", "1", "--baseline", "0.05", "--baseline-steps", "3",
                "--fixed-length",
            ]
        let inProcess = try WarpBinary.run(["warp", "--run-dir", dir + "/in"] + common)
        try #require(inProcess.status == 0, "\(inProcess.output)")
        // --merge-parts 2 runs the built-in trainer as `mergetool train rl` tasks
        let external = try WarpBinary.run(
            ["warp", "--run-dir", dir + "/ext", "--merge-parts", "2"] + common)
        try #require(external.status == 0, "\(external.output)")
        #expect(
            try WarpBinary.front(dir + "/in/summary.json")
                == WarpBinary.front(dir + "/ext/summary.json"))
        let baseline = { (path: String, key: String) throws -> [String: Any] in
            let data = try #require(FileManager.default.contents(atPath: path))
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let b = try #require((json["baselines"] as? [[String: Any]])?.first)
            return try #require(b[key] as? [String: Any])
        }
        let a = try baseline(dir + "/in/summary.json", "final")
        let b = try baseline(dir + "/ext/summary.json", "scores")
        #expect(a["reward"] as? Double == b["reward"] as? Double)
        #expect(a["kl"] as? Double == b["kl"] as? Double)
        #expect((a["length"] as? Double) == 6)  // fixed length: every completion has 6 tokens
        #expect(
            try WarpBinary.tensors(dir + "/in/baseline-beta-0.05/policy")
                == WarpBinary.tensors(dir + "/ext/baseline-beta-0.05/policy"))
    }

    @Test func knobsACommandTrainerCannotTakeAreRefused() throws {
        func message(_ args: [String]) -> String? {
            do {
                let command = try MergeTool.parseAsRoot(["warp", "--run-dir", "d"] + args)
                if let warp = command as? WarpCommand { _ = try warp.externalConfig() }
                return nil
            } catch {
                return MergeTool.message(for: error)
            }
        }
        let trainer = ["--trainer", "t {init} {out}"]
        #expect(
            message(trainer + ["--fixed-length"])?.contains(
                "a --trainer COMMAND does that itself") == true)
        #expect(message(trainer + ["--length-penalty", "0.1"]) != nil)
        #expect(message(trainer + ["--baseline", "0.1"])?.contains("{anchor}") == true)
        #expect(message(trainer) == nil)  // the default baseline: none for this trainer
        #expect(message(trainer + ["--baseline", "none"]) == nil)
        #expect(
            message(["--trainer", "t {init} {out} {anchor} {beta}", "--baseline", "0.1"]) == nil)
        #expect(message(["--merge-parts", "0"])?.contains("--merge-parts") == true)
        #expect(message(["--fixed-length", "--executor", "slurm", "--emit", "x"]) == nil)
    }
}
