import Foundation
import SafeTensors
import Testing

@testable import Merging

/// The degenerate geometries of SLERP, at the documented tolerances: `sin Ω < 1e-6` (parallel)
/// and `sin Ω < 0.1` with `cos Ω < 0` (near-antiparallel).
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

    /// Near-antiparallel: `cos Ω < 0` and `sin Ω < Slerp.antiparallelSine` (0.1, i.e.
    /// Ω > 180° − 5.74°) fall back to LERP with a warning naming the group and the angle; just
    /// outside that cone SLERP is used and its coefficients stay below 1/sin Ω ≤ 10.
    @Test func antiparallelFallsBackWithWarning() throws {
        let below = try Self.run(omega: Double.pi - asin(0.9e-6))
        #expect(below.groups[0].steps[0].fallback == .antiparallel)
        #expect(below.warnings.count == 1)
        #expect(below.warnings[0].contains("'w'"))
        // the issue's case: 179.3° was merged with coefficients of 80.8 and no warning
        let issue = try Self.run(omega: 179.3 * Double.pi / 180)
        #expect(issue.groups[0].steps[0].fallback == .antiparallel)
        #expect(issue.groups[0].coefficients == [0.5, 0.5])
        #expect(issue.warnings.count == 1 && issue.warnings[0].contains("179.3"))
        let s = Slerp.antiparallelSine
        let inside = try Self.run(omega: Double.pi - asin(s * 0.999))
        #expect(inside.groups[0].steps[0].fallback == .antiparallel)
        #expect(inside.groups[0].coefficients == [0.5, 0.5])
        #expect(inside.warnings.count == 1)
        #expect(inside.warnings[0].contains("group 'w'") && inside.warnings[0].contains("Ω = 174."))
        let outside = try Self.run(omega: Double.pi - asin(s * 1.001))
        #expect(outside.groups[0].steps[0].fallback == nil)
        #expect(outside.warnings.isEmpty)
        #expect(outside.groups[0].coefficients.allSatisfy { abs($0) > 1 && abs($0) <= 1 / s })
    }

    /// The same cone seen from the parallel side: sin Ω = 0.0999 with cos Ω > 0 is an ordinary
    /// small angle (SLERP), and at the threshold on the far side the pair helper switches.
    @Test func antiparallelThresholdIsOnlyOnTheFarSide() {
        let s = Slerp.antiparallelSine
        let t = MergePlan.defaultParallelTolerance
        for sine in [s * 0.999, s * 1.001] {
            let near = Slerp.pair(
                n1: 1, n2: 1, dot: (1 - sine * sine).squareRoot(), lambda: 0.3, tolerance: t)
            #expect(near.fallback == nil)
            let far = Slerp.pair(
                n1: 1, n2: 1, dot: -(1 - sine * sine).squareRoot(), lambda: 0.3, tolerance: t)
            #expect(far.fallback == (sine < s ? .antiparallel : nil))
            if far.fallback == nil {
                #expect(abs(far.alpha) <= 1 / sine && abs(far.beta) <= 1 / sine)
            } else {
                #expect(far.alpha == 0.7 && far.beta == 0.3)
            }
        }
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
        let at = Slerp.pair(
            n1: 1, n2: 1, dot: (1 - t * t).squareRoot(), lambda: 0.3,
            tolerance: t * 1.001)
        #expect(at.fallback == .parallel)
        let out = Slerp.pair(
            n1: 1, n2: 1, dot: (1 - t * t).squareRoot(), lambda: 0.3,
            tolerance: t * 0.999)
        #expect(out.fallback == nil)
    }
}
