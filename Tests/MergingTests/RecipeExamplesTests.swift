import Foundation
import Testing

@testable import Merging

/// The example recipes in examples/recipes/ (mergekit's format, one per method) parse unchanged,
/// and every recipe survives the writer: parse → write → parse gives the resolved recipe.
@Suite struct RecipeExamplesTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/recipes")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted()
    }

    static func load(_ file: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
    }

    @Test func thereIsAnExamplePerMethod() throws {
        let methods = try Set(Self.files.map { try Recipe(yaml: Self.load($0)).method })
        #expect(methods == Set(RecipeMethod.allCases))
        #expect(Self.files == RecipeMethod.allCases.map { $0.rawValue + ".yaml" }.sorted())
    }

    @Test(arguments: files)
    func parsesAndRoundTrips(file: String) throws {
        let recipe = try Recipe(yaml: Self.load(file))
        #expect(recipe.method.rawValue + ".yaml" == file)
        let written = recipe.yaml()
        let again = try Recipe(yaml: written)
        #expect(again == recipe.resolved())
        #expect(again.yaml() == written)
    }

    @Test func writerQuotesStringsAndKeepsFilters() throws {
        let r = try Recipe(yaml: RecipeParsingTests.full)
        let text = r.yaml()
        #expect(text.contains("  - model: \"runs/a\"\n"))
        #expect(text.contains("      density: [0.2, 0.8]\n"))
        #expect(text.contains("        - filter: \"self_attn\"\n          value: 0.1\n"))
        #expect(text.contains("seed: 99\n"))
        #expect(try Recipe(yaml: text) == r.resolved())
        let odd = Recipe(
            method: .linear,
            models: [.init(model: "a \"b\"\\c: d", parameters: ["weight": .number(1)])])
        #expect(try Recipe(yaml: odd.yaml()).models[0].model == "a \"b\"\\c: d")
    }
}

@Test func writerNumbersReadAsFloatsInYAML11() {
    #expect(Recipe.number(1e-8) == "1.0e-08")
    #expect(Recipe.number(2.5e-7) == "2.5e-07")
    #expect(Recipe.number(10) == "10")
    #expect(Recipe.number(0.25) == "0.25")
    #expect(Recipe.number(-3) == "-3")
}
