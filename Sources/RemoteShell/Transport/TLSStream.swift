import RSHSystem
import RSHTLS

/// A socket carrying TLS: it moves ciphertext between the socket and a
/// `TLSSession` (a pure transform over memory BIOs), so the connection above
/// reads and writes plaintext frames, and its driver waits on the same
/// descriptor as for a plain socket. The socket I/O is here; the TLS is not.
final class TLSStream: ByteStream {
    /// The most plaintext encrypted before a send: records are encrypted
    /// until this much waits, then sent in one call (a send per 16 KiB record
    /// would be a system call per record, 65,536 for a GiB). The ciphertext a
    /// connection holds when the socket is full stays under this plus the
    /// records' overhead; once it is all sent, its storage is given back.
    static let maxPlaintextPerWrite = 128 * 1024

    let descriptor: FileDescriptor
    let session: TLSSession
    /// close_notify is queued; the socket's sending side is shut once it is out.
    private var closing = false
    private var socketShut = false

    /// `session` may already hold ciphertext received on `socket`.
    init(_ socket: FileDescriptor, session: TLSSession) {
        descriptor = socket
        self.session = session
    }

    /// Decrypts what has been received into `buffer`; when nothing is left
    /// to decrypt, reads the socket (while no plaintext is in `buffer` yet;
    /// at most as many bytes as it holds) into the session, and decrypts
    /// that. A read that returns less than `buffer.count` has taken all
    /// there was, unless `hasBufferedInput`.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> ReadOutcome {
        var filled = 0
        var socketDrained = false
        while filled < buffer.count {
            let result: TLSSession.PlaintextRead
            do {
                result = try session.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            } catch {
                // The session has put an alert in its outbound bytes: the peer learns why, if it still listens.
                try? flushPending()
                throw .tls(error)
            }
            switch result {
            case .bytes(let count):
                filled += count
                continue
            case .closed:
                return filled > 0 ? .bytes(filled) : .endOfFile
            case .needsInput:
                // A handshake step, a key update: what the session says goes out now.
                if session.outboundByteCount > 0 { try? flushPending() }
            }
            // Plaintext goes up as soon as there is some; the socket is read next time.
            if filled > 0 { return .bytes(filled) }
            if socketDrained { return .wouldBlock }
            // The socket's bytes go straight into the session's queue, as many as `buffer` holds.
            let count: Int?
            do {
                count = try session.receive(upTo: buffer.count) { (room) throws(Errno) in try descriptor.tryRead(into: room) }
            } catch {
                throw .system(error)
            }
            guard let count else {
                lastReadFilledBuffer = false
                return .wouldBlock
            }
            guard count > 0 else { return .endOfFile }
            // A read that did not fill the buffer took all the socket had (nginx's rule).
            lastReadFilledBuffer = count == buffer.count
            socketDrained = !lastReadFilledBuffer
        }
        if session.outboundByteCount > 0 { try? flushPending() }
        return .bytes(filled)
    }

    /// The last socket read filled its buffer: the socket may hold more.
    private var lastReadFilledBuffer = false

    /// Decrypted bytes not yet read, received ones not yet decrypted, or a
    /// socket that the last read did not empty.
    var hasBufferedInput: Bool { session.hasBufferedInput || lastReadFilledBuffer }

    /// Encrypts and sends until everything is taken or the socket is full,
    /// as a socket's own write does: a caller waiting for writability after
    /// a short write must find the socket full, or no new readiness would come.
    /// A little ciphertext already waiting (a client's last handshake flight)
    /// goes out in the same send as the first of these bytes.
    func write(_ bytes: UnsafeRawBufferPointer) throws(TransportError) -> Int? {
        guard session.isEstablished else { throw .notEstablished }
        if session.outboundByteCount >= Self.maxPlaintextPerWrite {
            try flushPending()
            if hasPendingWrites { return nil }
        }
        var taken = 0
        while taken < bytes.count {
            // SSL_write returns after each record (partial-write mode): records
            // are encrypted until a send's worth waits.
            var encrypted = 0
            session.reserveOutbound(forPlaintext: min(bytes.count - taken, Self.maxPlaintextPerWrite - session.outboundByteCount))
            while taken < bytes.count, session.outboundByteCount < Self.maxPlaintextPerWrite {
                let room = Self.maxPlaintextPerWrite - session.outboundByteCount
                let chunk = UnsafeRawBufferPointer(rebasing: bytes[taken..<min(bytes.count, taken + room)])
                let count: Int
                do {
                    count = try session.write(chunk)
                } catch {
                    throw .tls(error)
                }
                guard count > 0 else { break }
                taken += count
                encrypted += count
            }
            // An established TLS 1.3 session over memory takes every byte;
            // one that took none and has nothing to send would have the
            // caller wait for a writable socket forever.
            guard encrypted > 0 || hasPendingWrites else {
                throw .tls(TLSError(.protocolViolation, "the TLS session took no bytes to send"))
            }
            try flushPending()
            if hasPendingWrites { break }
        }
        return taken
    }

    var hasPendingWrites: Bool { session.outboundByteCount > 0 }

    /// Sends the session's outbound bytes until they are all out or the socket is full.
    func flushPending() throws(TransportError) {
        while session.outboundByteCount > 0 {
            let sent: Int?
            do {
                sent = try session.withOutbound { (ciphertext) throws(Errno) in try descriptor.trySend(ciphertext) }
            } catch {
                throw .system(error)
            }
            guard let sent, sent > 0 else { return }
            session.consumeOutbound(sent)
        }
        // All sent: an idle connection holds no ciphertext storage.
        session.releaseOutboundStorage()
        if closing, !socketShut {
            socketShut = true
            try? descriptor.shutdownWriting()
        }
    }

    /// Sends close_notify, then shuts the socket's sending side once all before it is out.
    func shutdownWriting() {
        guard !closing else { return }
        closing = true
        session.close()
        try? flushPending()
    }

    func close() {
        descriptor.closeAfterUse()
    }
}
