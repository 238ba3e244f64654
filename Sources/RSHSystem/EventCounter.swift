import CRSHSystem
import Glibc

/// An `eventfd(2)` counter: the way another thread wakes a thread that sleeps in `epoll_wait` or `poll`.
public struct EventCounter: Sendable {
    public let descriptor: FileDescriptor

    public init() throws(Errno) {
        descriptor = FileDescriptor(rawValue: try retryingInterrupts { eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK)) })
    }

    /// Adds one; the descriptor becomes readable.
    public func signal() {
        var one: UInt64 = 1
        // EAGAIN means the counter is at its maximum: it is readable already.
        _ = withUnsafeBytes(of: &one) { try? descriptor.write($0) }
    }

    /// Resets the counter to zero, so the descriptor is no longer readable.
    public func reset() {
        var value: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &value) { try? descriptor.tryRead(into: $0) }
    }

    public func close() { descriptor.closeAfterUse() }
}
