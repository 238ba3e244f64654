import Glibc

/// An OS thread (`pthread_create(3)`), for the threaded server and the event loops.
public final class SystemThread: Sendable {
    private let handle: pthread_t

    private init(handle: pthread_t) { self.handle = handle }

    /// Starts `body` on a new thread. A detached thread frees itself when it
    /// ends; an attached one must be `join`ed.
    @discardableResult
    public static func start(detached: Bool = false, _ body: @escaping @Sendable () -> Void) throws(Errno) -> SystemThread {
        let box = Unmanaged.passRetained(Box(body))
        var attributes = pthread_attr_t()
        try returnedError(pthread_attr_init(&attributes))
        defer { pthread_attr_destroy(&attributes) }
        if detached { try returnedError(pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))) }
        var handle = pthread_t()
        let result = pthread_create(&handle, &attributes, { context in
            let box = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
            box.body()
            return nil
        }, box.toOpaque())
        if result != 0 {
            box.release()
            throw Errno(rawValue: result)
        }
        return SystemThread(handle: handle)
    }

    /// Waits for the thread to end (`pthread_join(3)`).
    public func join() {
        _ = pthread_join(handle, nil)
    }

    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}

extension SystemThread {
    /// An identifier of the calling thread (`pthread_self(3)`), to check that
    /// loop-confined state is touched only on its loop's thread.
    public static var currentID: UInt { UInt(pthread_self()) }
}

extension SystemThread {
    /// Blocks the calling thread for `duration` (`nanosleep(2)`, resumed after signals).
    public static func pause(for duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1, Errno.current == .interrupted { request = remaining }
    }
}
