import Glibc

// The one place where system calls are made: every wrapper in this module
// goes through these helpers, so `EINTR` is retried and `-1` becomes a typed
// `Errno` in exactly one spot (the swift-system pattern).

/// Calls `body` until it does not fail with `EINTR`; `-1` becomes `Errno`.
@inline(__always)
func retryingInterrupts<Result: FixedWidthInteger>(_ body: () -> Result) throws(Errno) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let error = Errno.current
        if error != .interrupted { throw error }
    }
}

/// For calls that must not be retried: `close(2)` on Linux releases the
/// descriptor even when it reports `EINTR`, so a retry could close a
/// descriptor another thread has just been given.
@inline(__always)
func once<Result: FixedWidthInteger>(_ body: () -> Result) throws(Errno) -> Result {
    let result = body()
    if result == -1 { throw Errno.current }
    return result
}

/// For `pthread_*` and `posix_spawn*`, which return the error number instead
/// of setting `errno`.
@inline(__always)
func returnedError(_ code: Int32) throws(Errno) {
    if code != 0 { throw Errno(rawValue: code) }
}
