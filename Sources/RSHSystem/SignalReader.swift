import CRSHSystem
import Glibc
import RSHProtocol

/// A `signalfd(2)`: blocked signals, delivered as readable data.
public struct SignalReader: Sendable {
    public let descriptor: FileDescriptor

    /// The signals must already be blocked in every thread (`SignalDisposition.block`).
    public init(_ signals: [Signal]) throws(Errno) {
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in signals { sigaddset(&mask, signal.rawValue) }
        descriptor = FileDescriptor(rawValue: try retryingInterrupts {
            signalfd(-1, &mask, Int32(SFD_CLOEXEC | SFD_NONBLOCK))
        })
    }

    /// The next pending signal, or `nil` when none is pending.
    public func next() -> Signal? {
        var info = signalfd_siginfo()
        let count = withUnsafeMutableBytes(of: &info) { try? descriptor.tryRead(into: $0) }
        guard count == MemoryLayout<signalfd_siginfo>.size else { return nil }
        return Signal(rawValue: Int32(info.ssi_signo))
    }

    public func close() { descriptor.closeAfterUse() }
}
