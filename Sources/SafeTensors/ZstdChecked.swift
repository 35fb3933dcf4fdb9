import CZstd

/// A failed zstd call: the library's error code, turned into its message.
struct ZstdError: Error, CustomStringConvertible {
    let code: Int
    var description: String { String(cString: ZSTD_getErrorName(code)) }
}

/// The one checking helper for libzstd: throws when `result` is an error code.
@discardableResult
func zstdChecked(_ result: Int) throws(ZstdError) -> Int {
    if ZSTD_isError(result) != 0 { throw ZstdError(code: result) }
    return result
}

/// Runs `body`, turning a `ZstdError` into `SafeTensorsError.zstd` for `file`.
func withZstdErrors<R>(file: String, _ body: () throws -> R) throws -> R {
    do {
        return try body()
    } catch let e as ZstdError {
        throw SafeTensorsError.zstd(file: file, message: e.description)
    }
}
