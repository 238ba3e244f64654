import RSHProtocol
import RSHSystem
import Synchronization

/// Turns SIGTERM and SIGINT into an orderly stop. The signals are blocked in
/// every thread (rshd blocks them before it starts any) and read from a
/// signalfd; whichever loop reads one flips the flag and makes `notice`
/// readable for good, which every other loop watches.
public final class ShutdownController: Sendable {
    public static let signals: [Signal] = [.terminate, .interrupt]

    private let reader: SignalReader?
    private let notice: EventCounter
    private let triggered = Atomic<Bool>(false)
    private let logger: Logger

    /// `watchSignals: false` for a server embedded in another program, stopped with `trigger`.
    init(logger: Logger, watchSignals: Bool) throws(Errno) {
        self.logger = logger
        reader = watchSignals ? try SignalReader(Self.signals) : nil
        notice = try EventCounter()
    }

    deinit {
        reader?.close()
        notice.close()
    }

    public var isShuttingDown: Bool { triggered.load(ordering: .acquiring) }

    /// The descriptors whose readability means "stop": the signalfd and the notice.
    var descriptors: [FileDescriptor] { [reader?.descriptor, notice.descriptor].compactMap { $0 } }

    /// Reads pending signals; returns whether the server is shutting down.
    @discardableResult
    func service() -> Bool {
        while let signal = reader?.next() { trigger("received \(signal)") }
        return isShuttingDown
    }

    /// Begins the shutdown once; later calls do nothing.
    public func trigger(_ reason: String) {
        guard triggered.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        logger.notice("shutdown: \(reason); no new connections, running commands get the grace period")
        notice.signal()
    }
}
