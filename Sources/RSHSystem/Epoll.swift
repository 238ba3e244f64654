import CRSHSystem
import Glibc

/// The events of `epoll(7)`.
public struct EpollEvents: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let readable = EpollEvents(rawValue: EPOLLIN.rawValue)
    public static let writable = EpollEvents(rawValue: EPOLLOUT.rawValue)
    /// The peer shut down its writing side.
    public static let readHangup = EpollEvents(rawValue: EPOLLRDHUP.rawValue)
    /// Reported only: hang-up or error (`EPOLLHUP`, `EPOLLERR`).
    public static let hangup = EpollEvents(rawValue: EPOLLHUP.rawValue)
    public static let error = EpollEvents(rawValue: EPOLLERR.rawValue)
    /// Edge-triggered: report a change of readiness once, not the state on every wait.
    public static let edgeTriggered = EpollEvents(rawValue: EPOLLET.rawValue)
    /// Wake one of the epoll sets that share this descriptor, not all of them.
    public static let exclusive = EpollEvents(rawValue: EPOLLEXCLUSIVE.rawValue)
}

/// An `epoll(7)` instance: a kernel-side interest set and the wait on it.
public final class Epoll {
    public let descriptor: FileDescriptor
    private var events: [epoll_event]

    /// `epoll_create1(EPOLL_CLOEXEC)`, returning at most `capacity` events per wait.
    public init(capacity: Int = 256) throws(Errno) {
        descriptor = FileDescriptor(rawValue: try retryingInterrupts { epoll_create1(Int32(EPOLL_CLOEXEC)) })
        events = Array(repeating: epoll_event(), count: capacity)
    }

    deinit { descriptor.closeAfterUse() }

    /// `EPOLL_CTL_ADD`, with `token` handed back with every event for `fd`.
    public func add(_ fd: FileDescriptor, _ interest: EpollEvents, token: UInt64) throws(Errno) {
        try control(EPOLL_CTL_ADD, fd, interest, token)
    }

    /// `EPOLL_CTL_MOD`.
    public func modify(_ fd: FileDescriptor, _ interest: EpollEvents, token: UInt64) throws(Errno) {
        try control(EPOLL_CTL_MOD, fd, interest, token)
    }

    /// `EPOLL_CTL_DEL`. Closing a descriptor also removes it, unless a duplicate of it is still open.
    public func remove(_ fd: FileDescriptor) throws(Errno) {
        var unused = epoll_event()
        _ = try retryingInterrupts { epoll_ctl(descriptor.rawValue, EPOLL_CTL_DEL, fd.rawValue, &unused) }
    }

    /// `epoll_wait(2)`; calls `handle(token, events)` for every ready descriptor.
    /// A wait interrupted by a signal returns 0 without events.
    @discardableResult
    public func wait(timeoutMilliseconds: Int32, _ handle: (UInt64, EpollEvents) -> Void) throws(Errno) -> Int {
        let count = events.withUnsafeMutableBufferPointer { buffer in
            epoll_wait(descriptor.rawValue, buffer.baseAddress, Int32(buffer.count), timeoutMilliseconds)
        }
        if count == -1 {
            let error = Errno.current
            if error == .interrupted { return 0 }
            throw error
        }
        for index in 0..<Int(count) {
            handle(events[index].data.u64, EpollEvents(rawValue: events[index].events))
        }
        return Int(count)
    }

    private func control(_ operation: Int32, _ fd: FileDescriptor, _ interest: EpollEvents, _ token: UInt64) throws(Errno) {
        var event = epoll_event()
        event.events = interest.rawValue
        event.data.u64 = token
        _ = try retryingInterrupts { epoll_ctl(descriptor.rawValue, operation, fd.rawValue, &event) }
    }
}

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
