import CRSHSystem
import Glibc

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
