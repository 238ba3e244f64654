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
