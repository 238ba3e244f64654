/// File requests (PROTOCOL.md, section 11). The driver does the file work
/// (`TransferAction`) and reports back (`transferReplied`, `downloadData`,
/// `uploadWritten`, `transferFailed`); the session keeps each request's
/// stage, so that every reply goes out in its place, a download sends
/// exactly the size it announced, and an upload's bytes add up to its size
/// before its hash is checked.
///
/// An upload's data counts against a window, per id, as stdin does (section
/// 9), the upload window the hello gave: it is acknowledged with `file_ack`
/// once written, so a client never has more than a window of it unwritten,
/// and the server, which writes each frame as it arrives, reads the
/// connection at all times.
extension ServerSession {
    struct Transfer {
        enum Stage {
            /// One answer comes: `file_info` for `stat`, `done` for the others.
            case answering
            /// `entry` frames as the directory is read, then `done`.
            case listing
            /// A download's file is being opened: its `file_info` comes first.
            case opening
            /// A download's data goes out until `sent` is `size`; then `file_end`.
            case sending(size: Int64, sent: Int64)
            /// An upload's data comes in until `file_end`.
            case receiving(size: Int64, received: Int64)
            /// Every byte of the upload is in; the driver checks its hash and puts it in place.
            case committing
        }

        var request: FileRequest
        var stage: Stage
        /// An upload's data against the window (with a window).
        var window = WindowAccount()
        /// File content moved so far, for the log.
        var bytes: Int64 = 0
    }

    /// Whether any file request is in flight.
    public var hasTransfers: Bool { !transfers.isEmpty }

    // MARK: Frames from the client

    mutating func beginTransfer(id: Int64, _ request: FileRequest, _ actions: inout [Action]) {
        if let refusal = refusal(id: id) {
            reject(refusal, &actions)
            return
        }
        let stage: Transfer.Stage
        switch request {
        case .stat, .makeDirectory, .makeSymbolicLink, .setAttributes: stage = .answering
        case .list: stage = .listing
        case .download: stage = .opening
        case .upload(_, let size, _, _): stage = .receiving(size: size, received: 0)
        }
        transfers[id] = Transfer(request: request, stage: stage)
        actions.append(.transfer(.perform(id: id, request)))
    }

    /// Data for an upload. Data for an id that is not an upload still
    /// receiving (refused, failed, ended, or never begun) is dropped, as stdin
    /// for a command that has ended: the client may have sent it before it
    /// learned.
    mutating func receiveFileData(id: Int64, _ data: [UInt8], _ actions: inout [Action]) {
        guard var transfer = transfers[id], case .receiving(let size, let received) = transfer.stage, !data.isEmpty else { return }
        if let window = uploadWindow, !transfer.window.receive(data.count, window: window) {
            actions += fail(.stdinWindowExceeded, "upload \(id) has \(transfer.window.unacknowledged + data.count)"
                            + " bytes unacknowledged; its window is \(window)")
            return
        }
        let total = received + Int64(data.count)
        guard total <= size else {
            actions += endTransfer(id, ProtocolError(.sizeMismatch, "upload \(id) sent more than the \(size) bytes it announced", id: id),
                                   abort: true)
            return
        }
        transfer.stage = .receiving(size: size, received: total)
        transfer.bytes = total
        transfers[id] = transfer
        actions.append(.transfer(.write(id: id, data)))
    }

    mutating func receiveFileEnd(id: Int64, sha256: [UInt8], _ actions: inout [Action]) {
        guard var transfer = transfers[id], case .receiving(let size, let received) = transfer.stage else { return }
        guard received == size else {
            actions += endTransfer(id, ProtocolError(.sizeMismatch, "upload \(id) ended after \(received) of the \(size) bytes it announced",
                                                     id: id), abort: true)
            return
        }
        transfer.stage = .committing
        transfers[id] = transfer
        actions.append(.transfer(.commit(id: id, sha256: sha256)))
    }

    // MARK: Events from the driver

    /// The driver's answer to a request, or the next part of it: `info` for
    /// a `stat` or a download's start, an `entry` of a listing, `end` after a
    /// download's last byte, `done` for the rest. A reply out of its place is
    /// the driver's mistake.
    public mutating func transferReplied(id: Int64, _ reply: FileReply) -> [Action] {
        guard phase != .closed, var transfer = transfers[id] else { return [] }
        switch (transfer.stage, reply) {
        case (.answering, .info):
            guard case .stat = transfer.request else { break }
            return finishTransfer(id, reply)
        case (.opening, .info(let info)):
            precondition(info.kind == .regular, "a download of something other than a regular file")
            transfer.stage = .sending(size: info.size, sent: 0)
            transfers[id] = transfer
            return [send(.file(id: id, reply))]
        case (.listing, .entry):
            return [send(.file(id: id, reply))]
        case (.sending(let size, let sent), .end):
            precondition(sent == size, "a download ended after \(sent) of the \(size) bytes it announced")
            return finishTransfer(id, reply)
        case (.answering, .done), (.listing, .done), (.committing, .done):
            if case .stat = transfer.request { break }
            return finishTransfer(id, reply)
        default:
            break
        }
        preconditionFailure("\(reply) does not answer \(transfer.request.type) \(id) at \(transfer.stage)")
    }

    /// The next bytes of a download, appended to `output` as one `file_data` frame.
    public mutating func downloadData(id: Int64, _ data: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        guard phase != .closed, var transfer = transfers[id], case .sending(let size, let sent) = transfer.stage, !data.isEmpty else {
            return
        }
        let total = sent + Int64(data.count)
        precondition(total <= size, "a download sent more than the \(size) bytes it announced")
        transfer.stage = .sending(size: size, sent: total)
        transfer.bytes = total
        transfers[id] = transfer
        FileReply.appendData(id: id, data, to: &output)
    }

    /// The driver wrote `count` bytes of an upload: with a window they are
    /// acknowledged, in batches of at least half the window, as stdin is.
    public mutating func uploadWritten(id: Int64, count: Int) -> [Action] {
        guard let window = uploadWindow, var transfer = transfers[id], case .receiving = transfer.stage, count > 0 else { return [] }
        defer { transfers[id] = transfer }
        guard let bytes = transfer.window.take(count, window: window) else { return [] }
        return [send(.fileAck(id: id, bytes: Int64(bytes)))]
    }

    /// The driver could not carry the request out (it has dropped what it held for it).
    public mutating func transferFailed(_ error: ProtocolError) -> [Action] {
        guard let id = error.id, transfers[id] != nil else { return [] }
        return endTransfer(id, error, abort: false)
    }

    // MARK: Helpers

    private mutating func finishTransfer(_ id: Int64, _ reply: FileReply) -> [Action] {
        guard let transfer = transfers.removeValue(forKey: id) else { return [] }
        let record = TransferRecord(id: id, request: transfer.request, bytes: transfer.bytes)
        return [send(.file(id: id, reply)), .transfer(.finished(record))] + closeIfDrained()
    }

    /// Ends a request with an error for it; `abort` when the driver still holds something for it.
    private mutating func endTransfer(_ id: Int64, _ error: ProtocolError, abort: Bool) -> [Action] {
        guard let transfer = transfers.removeValue(forKey: id) else { return [] }
        let record = TransferRecord(id: id, request: transfer.request, bytes: transfer.bytes, failure: error.description)
        return (abort ? [.transfer(.abort(id: id))] : []) + [send(.error(error)), .transfer(.finished(record))] + closeIfDrained()
    }

    /// Drops every request in flight, saying nothing to the client: the
    /// connection is over, or the shutdown's grace period is.
    mutating func abortTransfers(_ reason: String) -> [Action] {
        var actions: [Action] = []
        for id in transfers.keys.sorted() {
            let transfer = transfers.removeValue(forKey: id)!
            actions.append(.transfer(.abort(id: id)))
            actions.append(.transfer(.finished(TransferRecord(id: id, request: transfer.request, bytes: transfer.bytes,
                                                              failure: reason))))
        }
        return actions
    }
}
