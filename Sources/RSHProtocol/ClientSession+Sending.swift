/// What the client sends, in the order it goes out. Control messages (exec,
/// signal, ping, ...) overtake stdin and eof still queued, so that Ctrl-C
/// never waits behind megabytes of input. Messages are reordered only at
/// frame boundaries: a frame partly written finishes first.
///
/// With a stdin window (PROTOCOL.md, "Stdin flow control") no command ever
/// has more than the window of stdin queued, in flight or unacknowledged, nor
/// any upload more than the window of its data; `stdinRoom(for:)` says how
/// much more the client may read for it.
extension ClientSession {
    /// Queues bytes that are already in wire order: the opening.
    public mutating func queue(wireBytes bytes: [UInt8]) {
        precondition(queuedControl.isEmpty && queuedInputStart == queuedInput.count,
                     "handshake bytes come before any message")
        wire += bytes
    }

    /// Queues a message. `stdin`, `eof`, `file_data` and `file_end` keep
    /// their order; other messages go before them.
    public mutating func queue(_ message: ClientMessage) {
        switch message {
        case .stdin(let id, let data), .fileData(let id, let data):
            if let room = stdinRoom(for: id) {
                precondition(data.count <= room, "stdin beyond the window the server gave")
                stdinUnacknowledged[id, default: 0] += data.count
            }
            queuedInputByteCount += data.count
            queuedInput.append(message)
        case .eof, .fileEnd:
            queuedInput.append(message)
        case .file(let id, .upload):
            uploads.insert(id)
            queuedControl.append(message)
        default:
            queuedControl.append(message)
        }
    }

    /// How many more stdin bytes command `id` may be sent now; `nil` when the
    /// server gave no window. None before the server's hello: whether there
    /// is a window, and how large, is not known until then.
    public func stdinRoom(for id: Int64) -> Int? {
        guard phase == .ready else { return 0 }
        return (uploads.contains(id) ? uploadWindow : stdinWindow).map { $0 - stdinUnacknowledged[id, default: 0] }
    }

    /// Whether anything is left to write.
    public var hasBytesToSend: Bool {
        wireStart < wire.count || !queuedControl.isEmpty || queuedInputStart < queuedInput.count
    }

    /// The bytes to write next: the rest of what was handed out before, with
    /// every queued control message behind it (unless it holds stdin or eof,
    /// which control messages never follow); once all of that is written,
    /// the control messages and then at most one stdin or eof frame.
    /// Report what was written with `sent`.
    public mutating func bytesToSend() -> ArraySlice<UInt8> {
        let allSent = wireStart == wire.count
        if allSent {
            wire.removeAll(keepingCapacity: wire.capacity <= 4 * Limits.readChunkSize)
            wireStart = 0
            wireHoldsInput = false
        }
        // Control messages join the wire behind what it holds (the opening,
        // other control frames), so they go out in the same write; never
        // behind input, which they overtake.
        if !wireHoldsInput {
            for message in queuedControl { appendToWire(message) }
            queuedControl.removeAll(keepingCapacity: true)
        }
        if allSent {
            if queuedInputStart < queuedInput.count {
                let message = queuedInput[queuedInputStart]
                queuedInputStart += 1
                switch message {
                case .stdin(_, let data), .fileData(_, let data): queuedInputByteCount -= data.count
                default: break
                }
                appendToWire(message)
                wireHoldsInput = true
                // Drop the messages taken once they are half the array: amortized O(1) per message.
                if queuedInputStart * 2 >= queuedInput.count {
                    queuedInput.removeFirst(queuedInputStart)
                    queuedInputStart = 0
                }
            }
        }
        return wire[wireStart...]
    }

    /// Encodes a message at the end of the wire.
    private mutating func appendToWire(_ message: ClientMessage) {
        message.append(to: &wire)
    }

    /// `count` bytes of `bytesToSend()` were written.
    public mutating func sent(_ count: Int) {
        precondition(count <= wire.count - wireStart, "sent more than was to send")
        wireStart += count
    }

    /// A `stdin_ack` or `file_ack`: the server's command took `bytes` more of
    /// its stdin, or the server wrote `bytes` more of an upload.
    mutating func acknowledge(id: Int64, bytes: Int64) throws(ProtocolError) {
        guard stdinWindow != nil else {
            throw ProtocolError(.badRequest, "the server acknowledged data without giving a window")
        }
        let unacknowledged = stdinUnacknowledged[id, default: 0]
        guard bytes <= Int64(unacknowledged) else {
            throw ProtocolError(.badRequest, "the server acknowledged \(bytes) bytes for request \(id); \(unacknowledged) were unacknowledged")
        }
        stdinUnacknowledged[id] = unacknowledged == Int(bytes) ? nil : unacknowledged - Int(bytes)
    }
}
