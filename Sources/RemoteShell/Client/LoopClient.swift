import RSHProtocol
import RSHSystem

/// A v1 connection driven from a coroutine on an `EventLoop`: the socket,
/// the client's session, and the waits. The fan-out runs one per host, and
/// `rsh cp` its copies over one. Whatever the work, a turn is the same:
/// write what the session has to send, read what has arrived, and wait
/// only when neither moved, so the caller decides between turns what to
/// send next (more stdin, more of a file) from what the server said.
final class LoopClient {
    let loop: EventLoop
    let socket: FileDescriptor
    /// Interrupting it ends a wait of `next` early (Ctrl-C, a host abandoned).
    let handle: EventLoop.WaitHandle
    var session = ClientSession(clientName: RemoteShellVersion.clientName)
    private var nextID: Int64 = 1

    /// The connection is over: the server closed it, or a read or write failed.
    struct Lost: Error {
        let reason: String
    }

    enum Turn {
        /// Bytes arrived: these are the events they made (perhaps none: a
        /// window's acknowledgement is the session's own business, and may
        /// let the caller send more).
        case events([ClientSession.Event])
        case timedOut
        case interrupted
    }

    /// `socket` is connected and non-blocking; the preface and hello are queued at once.
    init(loop: EventLoop, socket: FileDescriptor, handle: EventLoop.WaitHandle) {
        self.loop = loop
        self.socket = socket
        self.handle = handle
        session.queue(wireBytes: session.openingBytes)
    }

    /// An id for a new command or file request: never one used before on
    /// this connection, so no late frame of an old request can be taken for a new one's.
    func newID() -> Int64 {
        defer { nextID += 1 }
        return nextID
    }

    /// One turn: sends what it can, then returns what the server sent, or
    /// waits for the socket (to read, and to write while bytes are left)
    /// until `deadline` or an interrupt of `handle`.
    func next(until deadline: ContinuousClock.Instant? = nil,
              isolation: isolated (any Actor)? = #isolation) async throws(Lost) -> Turn {
        while true {
            try send()
            var events: [ClientSession.Event] = []
            var received = false
            // Read until EAGAIN: the loop is edge-triggered. The bytes are
            // handed to the session before the next await (the scratch
            // buffer is the loop's).
            while true {
                let count: Int?
                do {
                    count = try socket.tryRead(into: loop.scratch)
                } catch {
                    throw Lost(reason: Self.describe(error))
                }
                guard let count else { break }
                guard count > 0 else { throw Lost(reason: "the server closed the connection") }
                received = true
                events += session.receive(UnsafeRawBufferPointer(rebasing: loop.scratch[..<count]))
            }
            if received { return .events(events) }
            var interests: [EventLoop.Interest] = [.readable(socket)]
            if session.hasBytesToSend { interests.append(.writable(socket)) }
            switch await loop.wait(interests, until: deadline, handle: handle, isolation: isolation) {
            case .ready: continue
            case .timedOut: return .timedOut
            case .interrupted: return .interrupted
            }
        }
    }

    /// Writes what the session has to send until the socket is full.
    private func send() throws(Lost) {
        do {
            while session.hasBytesToSend {
                let bytes = session.bytesToSend()
                let written = try bytes.withUnsafeBytes { raw in
                    Result { () throws(Errno) in try socket.trySend(raw) }
                }.get()
                guard let written else { return }
                session.sent(written)
                if written < bytes.count { return }
            }
        } catch {
            throw Lost(reason: Self.describe(error))
        }
    }

    /// "connection refused", as a summary says it.
    static func describe(_ error: Errno) -> String {
        let text = error.description
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}
