import Foundation
import SafeTensors
import Testing

@testable import Merging

/// The degenerate geometries of SLERP, at the documented tolerance `sin Ω < 1e-6`.
@Suite struct FallbackTests {
    /// Two-element task vectors δ₁ = (1, 0), δ₂ = r·(cos Ω, sin Ω) on init 0, in F64.
    static func stores(omega: Double, r: Double = 1) -> (InMemoryStore, [InMemoryStore]) {
        let info = TensorInfo(name: "w", dtype: .f64, shape: [2])
        let initial = InMemoryStore(label: "init"), a = InMemoryStore(label: "a"),
            b = InMemoryStore(label: "b")
        initial.set(info, bytes: Family.encode([0, 0], .f64))
        a.set(info, bytes: Family.encode([1, 0], .f64))
        b.set(info, bytes: Family.encode([r * cos(omega), r * sin(omega)], .f64))
        return (initial, [a, b])
    }

    static func run(omega: Double, r: Double = 1) throws -> MergeReport {
        let (i, m) = stores(omega: omega, r: r)
        return try MergeEngine.runInMemory(
            MergePlan(method: .slerp, lambda: 0.5), init: i, models: m
        ).report
    }

    @Test func parallelBelowToleranceFallsBackToLerp() throws {
        // sin Ω = 0.9e-6 < 1e-6 → parallel; 1.1e-6 → spherical
        let below = try Self.run(omega: asin(0.9e-6))
        #expect(below.groups[0].steps[0].fallback == .parallel)
        #expect(below.groups[0].coefficients == [0.5, 0.5])
        #expect(below.warnings.isEmpty)
        let above = try Self.run(omega: asin(1.1e-6))
        #expect(above.groups[0].steps[0].fallback == nil)
        // and both sides agree with each other to far below output resolution
        let diff = zip(below.groups[0].coefficients, above.groups[0].coefficients).map {
            abs($0 - $1)
        }
        #expect(diff.allSatisfy { $0 < 1e-12 })
    }

    @Test func antiparallelFallsBackWithWarning() throws {
        let below = try Self.run(omega: Double.pi - asin(0.9e-6))
        #expect(below.groups[0].steps[0].fallback == .antiparallel)
        #expect(below.warnings.count == 1)
        #expect(below.warnings[0].contains("'w'"))
        let above = try Self.run(omega: Double.pi - asin(1.1e-6))
        #expect(above.groups[0].steps[0].fallback == nil)
        #expect(above.warnings.isEmpty)
    }

    @Test func zeroTaskVectorFallsBackToLerp() throws {
        let report = try Self.run(omega: 1, r: 0)
        #expect(report.groups[0].steps[0].fallback == .zeroTaskVector)
        #expect(report.groups[0].coefficients == [0.5, 0.5])
        #expect(report.groups[0].cosine12 == nil)
    }

    @Test func orthogonalIsSpherical() throws {
        let report = try Self.run(omega: Double.pi / 2)
        let c = report.groups[0].coefficients
        #expect(abs(c[0] - sin(Double.pi / 4)) < 1e-15 && abs(c[1] - sin(Double.pi / 4)) < 1e-15)
        #expect(abs(report.groups[0].mergedNorm - 1) < 1e-15)
    }

    /// Ω from acos near cos = 1 is good to ~1e-4 relative at sin Ω = 1e-6: test at ±0.1 %.
    @Test func slerpPairBoundary() {
        let t = MergePlan.defaultParallelTolerance
        let at = MergeCoefficients.slerpPair(
            n1: 1, n2: 1, dot: (1 - t * t).squareRoot(), lambda: 0.3,
            tolerance: t * 1.001)
        #expect(at.fallback == .parallel)
        let out = MergeCoefficients.slerpPair(
            n1: 1, n2: 1, dot: (1 - t * t).squareRoot(), lambda: 0.3,
            tolerance: t * 0.999)
        #expect(out.fallback == nil)
    }
}
