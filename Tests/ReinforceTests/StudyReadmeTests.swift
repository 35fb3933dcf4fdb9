import Foundation
import TestSupport
import Testing

@testable import Reinforce

/// `scripts/readme_study.py`: the README quotes study tables exactly as `warp study` prints
/// them. Checked on synthetic studies written by the real `StudyReport.markdown()`.
@Suite(
    "README study blocks equal the binary's study.md",
    .enabled(if: Tools.find("python3") != nil, "python3 not installed"))
struct StudyReadmeTests {
    static let script = Binary.packageRoot + "/scripts/readme_study.py"

    /// A study of `n` seeds with values drawn from `seed` (every field filled).
    static func report(seeds n: Int, seed: UInt64) -> StudyReport {
        var rng = SplitMix64(seed: seed)
        func u() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        func policy() -> StudySeed.Policy {
            .init(reward: 0.2 + 0.2 * u(), kl: 10 + 5 * u(), length: 12)
        }
        func gap() -> MatchedKL.Gap { .init(mean: u() - 0.3, comparable: 3, total: 5) }
        let seeds = (0..<n).map { s in
            StudySeed(
                seed: UInt64(s), runs: [policy(), policy()], emas: [], slerp: policy(),
                lerp: policy(), slerpOther: policy(), otherGranularity: "tensor",
                slerpByM: [:],
                cosines: [.init(group: "model", taskVector: u(), weight: u())],
                frontMinusTrajectories: gap(), frontMinusBaselines: gap(),
                emaMinusBaselines: gap(), finalMinusFirst: nil, lastMinusFirst: nil, front: [],
                finalFront: [], seconds: 1)
        }
        var settings = WarpSettings()
        settings.runs = 2
        return StudyReport(settings: settings, seeds: seeds)
    }

    /// An independent reading of study.md: the lines from the observation table up to the
    /// per-seed section, without trailing blank lines.
    static func tables(_ markdown: String) -> [String] {
        let lines = markdown.components(separatedBy: "\n")
        let start = lines.firstIndex { $0.hasPrefix("| observation |") }!
        var block = Array(lines[start...].prefix { !$0.hasPrefix("Per seed") })
        while block.last?.isEmpty == true { block.removeLast() }
        return block
    }

    static func short(_ v: SeedAggregate.Verdict) -> String {
        switch v {
        case .reproduced: "yes"
        case .notReproduced: "no"
        case .mixed: "mixed"
        case .notMeasured: "—"
        }
    }

    /// OUT/defaults and OUT/lr (3 and 4 seeds) and a README with one block of each kind.
    func fixture() -> (dir: String, readme: String, out: String, reports: [StudyReport]) {
        let dir = Fixture.tempDir("readme-study")
        let reports = [Self.report(seeds: 3, seed: 1), Self.report(seeds: 4, seed: 2)]
        for (name, (flags, r)) in zip(["defaults", "lr"], zip(["", "--lr 1e-3"], reports)) {
            let study = dir + "/out/" + name
            try! FileManager.default.createDirectory(
                atPath: study, withIntermediateDirectories: true)
            Fixture.write(Array(r.markdown().utf8), to: study + "/study.md")
            Fixture.write(Array((flags + "\n").utf8), to: study + "/command.txt")
        }
        let readme = """
            # Title

            <!-- study-tables defaults -->
            <!-- /study-tables -->
            <!-- study-observations lr -->
            <!-- /study-observations -->

            Text between.
            <!-- study-summary defaults lr -->
            old row
            <!-- /study-summary -->
            End.

            """
        Fixture.write(Array(readme.utf8), to: dir + "/README.md")
        return (dir, dir + "/README.md", dir + "/out", reports)
    }

    func script(_ args: [String], in dir: String) throws -> Binary.Result {
        try Binary.execute(Tools.find("python3")!, [Self.script] + args, in: dir)
    }

    func text(_ path: String) -> String { String(decoding: Fixture.read(path), as: UTF8.self) }

    @Test func updateWritesTheBinarysTablesAndCheckAgrees() throws {
        let f = fixture()
        defer { Fixture.cleanup(f.dir) }
        let update = try script(["update", f.readme, f.out], in: f.dir)
        #expect(update.status == 0, "\(update.stderr)")
        let readme = text(f.readme).components(separatedBy: "\n")
        let open = try #require(readme.firstIndex(of: "<!-- study-tables defaults -->"))
        let close = try #require(readme.firstIndex(of: "<!-- /study-tables -->"))
        // A blank line on each side (Markdown needs it around a table), then study.md's tables.
        #expect(
            Array(readme[(open + 2)..<(close - 1)]) == Self.tables(f.reports[0].markdown()))
        let observations = try #require(readme.firstIndex(of: "<!-- study-observations lr -->"))
        #expect(
            Array(readme[(observations + 2)..<(observations + 2 + 8)])
                == Array(Self.tables(f.reports[1].markdown()).prefix(8)))
        #expect(readme[observations + 10] == "" && readme[observations + 11].hasPrefix("<!-- /"))
        let rows = readme.filter { $0.hasPrefix("| `") }
        let verdicts = f.reports.map { $0.observations.map { Self.short($0.verdict) } }
        #expect(
            rows == [
                "| `(defaults)` | 3 | " + verdicts[0].joined(separator: " | ") + " |",
                "| `--lr 1e-3` | 4 | " + verdicts[1].joined(separator: " | ") + " |",
            ])
        #expect(!readme.contains("old row") && readme.contains("Text between."))
        let check = try script(["check", f.readme, f.out], in: f.dir)
        #expect(check.status == 0, "\(check.stdout)")
        #expect(
            check.stdout
                == "ok   study-tables defaults\nok   study-observations lr\n"
                + "ok   study-summary defaults lr\n")
    }

    @Test func checkFailsOnOneChangedDigitAndNamesTheBlock() throws {
        let f = fixture()
        defer { Fixture.cleanup(f.dir) }
        #expect(try script(["update", f.readme, f.out], in: f.dir).status == 0)
        let original = text(f.readme)
        // Change the first digit after the first "±" in the README.
        let pm = try #require(original.range(of: "± 0."))
        var edited = original
        let digit = edited.index(pm.upperBound, offsetBy: 0)
        let changed: Character = edited[digit] == "9" ? "8" : "9"
        edited.replaceSubrange(digit...digit, with: String(changed))
        Fixture.write(Array(edited.utf8), to: f.readme)
        let check = try script(["check", f.readme, f.out], in: f.dir)
        #expect(check.status == 1)
        #expect(check.stdout.contains("DIFF study-tables defaults"), "\(check.stdout)")
        #expect(check.stdout.contains("ok   study-summary defaults lr"))
    }

    @Test func badInputIsOneErrorLineAndTheReadmeIsUntouched() throws {
        let f = fixture()
        defer { Fixture.cleanup(f.dir) }
        let before = text(f.readme)
        try FileManager.default.removeItem(atPath: f.out + "/lr/study.md")
        let update = try script(["update", f.readme, f.out], in: f.dir)
        #expect(update.status == 2)
        #expect(update.errorLines.count == 1)
        #expect(update.stderr.hasPrefix("error: cannot read \(f.out)/lr/study.md"))
        #expect(text(f.readme) == before)
        Fixture.write(Array("<!-- study-tables defaults -->\nno end\n".utf8), to: f.readme)
        let check = try script(["check", f.readme, f.out], in: f.dir)
        #expect(check.status == 2)
        #expect(
            check.stderr
                == "error: \(f.readme):1: '<!-- study-tables defaults -->' has no '<!-- /study-tables -->'\n"
        )
    }

    /// The repository's README: every block names a study of Benchmarks/studies.sh, and each
    /// quoted table has the header and the observations `StudyReport.markdown()` prints.
    @Test func repositoryReadmeBlocksAreStudiesOfTheScript() throws {
        let root = Binary.packageRoot
        let listed = Set(
            text(root + "/Benchmarks/studies.sh").components(separatedBy: "\n")
                .drop { $0 != "    cat <<'LIST'" }.dropFirst().prefix { $0 != "LIST" }
                .compactMap { $0.split(separator: " ").first.map(String.init) })
        #expect(listed.contains("defaults"))
        let readme = text(root + "/README.md").components(separatedBy: "\n")
        var names: [String] = []
        for (k, line) in readme.enumerated() where line.hasPrefix("<!-- study-") {
            guard !line.hasPrefix("<!-- /") else { continue }
            let words = line.dropFirst(5).dropLast(4).split(separator: " ").map(String.init)
            if words.first != "warp-front" { names += words.dropFirst() }
            guard let kind = words.first, kind == "study-tables" || kind == "study-observations"
            else { continue }
            let block = readme[(k + 1)...].prefix { $0 != "<!-- /\(kind) -->" }
                .filter { !$0.isEmpty }
            let claims = StudyReport.claims.keys.sorted().map {
                "(\($0)) \(StudyReport.claims[$0]!)"
            }
            #expect(block.first == "| observation | verdict | rows |")
            #expect(
                block.filter { $0.hasPrefix("| (") }.map {
                    String($0.dropFirst(2).prefix { $0 != "|" }.dropLast())
                } == claims, "line \(k + 1)")
            #expect(
                kind == "study-observations"
                    || block.contains(
                        "| effect | obs. | claimed sign | mean ± s.e. | k/N | verdict | comparable |"
                    ))
        }
        #expect(!names.isEmpty, "the README quotes no study block")
        for name in names { #expect(listed.contains(name), "README block \(name)") }
    }
}
