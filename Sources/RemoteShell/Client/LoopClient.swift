import RSHProtocol
import RSHSystem

/// A v1 connection driven from a coroutine on an `EventLoop`: the byte
/// stream (plain, or TLS), the client's session, and the waits. The fan-out runs one per host, and
/// `rsh cp` its copies over one. Whatever the work, a turn is the same:
/// write what the session has to send, read what has arrived, and wait
/// only when neither moved, so the caller decides between turns what to
/// send next (more stdin, more of a file) from what the server said.
final class LoopClient {
    let loop: EventLoop
    let stream: any ByteStream
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

    /// `stream` is connected (its TLS handshake done), non-blocking; the
    /// preface and hello are queued at once.
    init(loop: EventLoop, stream: any ByteStream, handle: EventLoop.WaitHandle) {
        self.loop = loop
        self.stream = stream
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
            // Read until it would block: the loop is edge-triggered. (A read
            // that does not fill the buffer has taken all there was, as the
            // stream promises.) The bytes are handed to the session before the
            // next await: the scratch buffer is the loop's.
            reading: while true {
                let outcome: ReadOutcome
                do {
                    outcome = try stream.read(into: loop.scratch)
                } catch {
                    throw Lost(reason: error.description)
                }
                switch outcome {
                case .wouldBlock:
                    break reading
                case .endOfFile:
                    throw Lost(reason: "the server closed the connection")
                case .bytes(let count):
                    received = true
                    events += session.receive(UnsafeRawBufferPointer(rebasing: loop.scratch[..<count]))
                    if count < loop.scratch.count { break reading }
                }
            }
            if received { return .events(events) }
            var interests: [EventLoop.Interest] = [.readable(stream.descriptor)]
            if session.hasBytesToSend || stream.hasPendingWrites { interests.append(.writable(stream.descriptor)) }
            switch await loop.wait(interests, until: deadline, handle: handle, isolation: isolation) {
            case .ready: continue
            case .timedOut: return .timedOut
            case .interrupted: return .interrupted
            }
        }
    }

    /// Writes what the stream has of its own (TLS records), then what the
    /// session has to send, until the socket is full.
    private func send() throws(Lost) {
        do throws(TransportError) {
            if stream.hasPendingWrites { try stream.flushPending() }
            while session.hasBytesToSend, !stream.hasPendingWrites {
                let bytes = session.bytesToSend()
                let written = try bytes.withUnsafeBytes { raw in
                    Result { () throws(TransportError) in try stream.write(raw) }
                }.get()
                guard let written else { return }
                session.sent(written)
                if written < bytes.count { return }
            }
        } catch {
            throw Lost(reason: error.description)
        }
    }

    /// "connection refused", as a summary says it.
    static func describe(_ error: Errno) -> String {
        let text = error.description
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}
