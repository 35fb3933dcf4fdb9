import Testing

@testable import Merging

/// The radix select against a full sort, with many ties of magnitude at the threshold.
@Suite struct MagnitudeSelectTests {
    static func keptByRadix(_ x: [Double], k: Int) -> [Bool] {
        x.withUnsafeBufferPointer { MagnitudeThreshold(topK: k, of: $0).mask(of: $0) }
    }

    static func keptBySort(_ x: [Double], k: Int) -> [Bool] {
        var m = [Bool](repeating: false, count: x.count)
        for i in MethodReference.rankOrder(x).prefix(k) { m[i] = true }
        return m
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func everyKMatchesFullSortWithTies(seed: UInt64) {
        var rng = TestRandom(state: seed)
        let x = rng.vector(37, coarse: true)
        for k in 0...x.count {
            #expect(Self.keptByRadix(x, k: k) == Self.keptBySort(x, k: k), "k = \(k)")
        }
    }

    @Test func wideMagnitudesAndSignedZeros() {
        let x: [Double] = [
            0, -0.0, 1e-310, -1e-310, 5e300, -5e300, 1, -1, 1, 0.5, -0.5, 3, 2.5e-8, -0.0,
        ]
        for k in 0...x.count {
            #expect(Self.keptByRadix(x, k: k) == Self.keptBySort(x, k: k), "k = \(k)")
        }
    }

    @Test func tieAtThresholdKeepsLowerIndices() {
        // magnitudes 2, 1, 1, 1, 1: k = 3 keeps the 2 and the first two 1s (indices 1 and 2)
        let x: [Double] = [2, -1, 1, -1, 1]
        #expect(Self.keptByRadix(x, k: 3) == [true, true, true, false, false])
        let t = x.withUnsafeBufferPointer { MagnitudeThreshold(topK: 3, of: $0) }
        #expect(t == MagnitudeThreshold(bits: Double(1).bitPattern, keptAtThreshold: 2))
    }

    @Test func allZeroKeepsTheFirstK() {
        let x = [Double](repeating: 0, count: 6)
        #expect(Self.keptByRadix(x, k: 2) == [true, true, false, false, false, false])
    }
}

/// The streaming form: chunks fed per pass give the same threshold and mask.
@Suite struct MagnitudeStreamTests {
    @Test(arguments: [0, 1, 17, 50, 99, 100])
    func chunkedPassesMatchOneBuffer(k: Int) {
        var rng = TestRandom(state: 31)
        let x = rng.vector(100, coarse: true)
        let whole = x.withUnsafeBufferPointer { MagnitudeThreshold(topK: k, of: $0) }
        var builder = MagnitudeThreshold.Builder(topK: k)
        var passes = 0
        x.withUnsafeBufferPointer { all in
            while builder.threshold == nil {
                for start in stride(from: 0, to: 100, by: 33) {
                    builder.add(UnsafeBufferPointer(rebasing: all[start..<min(100, start + 33)]))
                }
                builder.endPass()
                passes += 1
            }
        }
        #expect(builder.threshold == whole)
        #expect(passes <= 8)
        var cursor = MagnitudeThreshold.Cursor(builder.threshold!)
        let streamed = x.map { cursor.keeps($0) }
        #expect(streamed == MagnitudeSelectTests.keptBySort(x, k: k))
    }
}
