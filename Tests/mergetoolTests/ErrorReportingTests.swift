import ArgumentParser
import Foundation
import Merging
import Testing

@testable import mergetool

/// The one wrapper every command runs in: library errors get advice, Foundation errors become
/// one readable line, everything else passes through unchanged.
@Suite struct ErrorReportingTests {
    @Test func foundationReadErrorIsOneLineNamingThePath() throws {
        let path = NSTemporaryDirectory() + "missing-\(UUID().uuidString)/config.json"
        #expect {
            try ErrorAdvice.reporting { _ = try Data(contentsOf: URL(fileURLWithPath: path)) }
        } throws: { error in
            (error as? ReadableError)?.description == "'\(path)': no such file or directory"
        }
        // ArgumentParser prints the description itself after `error: `
        let message = MergeTool.message(
            for: ErrorAdvice.mapped(
                CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "x"])))
        #expect(message == "'x': no such file or directory", "\(message)")
    }

    @Test func posixErrorIsTheSystemsReason() {
        let error = ErrorAdvice.mapped(
            NSError(
                domain: NSPOSIXErrorDomain, code: Int(ENOSPC),
                userInfo: [NSFilePathErrorKey: "out/metrics.csv"]))
        #expect(
            error as? ReadableError
                == ReadableError(
                    domain: NSPOSIXErrorDomain, code: Int(ENOSPC),
                    description: "'out/metrics.csv': no space left on device"))
    }

    @Test func mergeErrorsGetAdviceAndOthersPassThrough() {
        let advised = ErrorAdvice.mapped(MergeError.lambdaNeedsTwoModels(models: 3))
        #expect(
            advised as? AdvisedError
                == AdvisedError(
                    error: .lambdaNeedsTwoModels(models: 3),
                    description: "--lambda is for two models; use --weights for 3"))
        let plain = MergeError.nonFinite(tensor: "w", file: "a.safetensors")
        #expect(ErrorAdvice.mapped(plain) as? MergeError == plain)
        #expect(ErrorAdvice.mapped(ExitCode(3)) as? ExitCode == ExitCode(3))
    }
}
