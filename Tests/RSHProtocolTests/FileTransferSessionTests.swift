import RSHProtocol
import Testing

// File requests through the server's session and connection machine and the
// client's session, with no file and no socket: the driver's reports are
// events like any other.

private let windowedHello = Limits.preface + ClientMessage.hello(version: 1, client: "test", stdinWindow: true).encoded
private let t0 = ContinuousClock.now

private func server(window: Int? = 8, maxExecs: Int = 16) -> ServerSession {
    var configuration = configuration(maxExecs: maxExecs)
    configuration.stdinWindow = window
    configuration.uploadWindow = window
    var session = ServerSession(configuration)
    _ = session.receive(windowedHello)
    return session
}

private func sentFrames(in actions: [ServerSession.Action]) -> [Frame] {
    var bytes: [UInt8] = []
    for case .send(let sent) in actions { bytes += sent }
    return decodedFrames(bytes)
}

private func decodedFrames(_ bytes: [UInt8]) -> [Frame] {
    var decoder = FrameDecoder()
    decoder.feed(bytes)
    var result: [Frame] = []
    while let frame = try? decoder.next() { result.append(frame) }
    return result
}

private func records(in actions: [ServerSession.Action]) -> [TransferRecord] {
    actions.compactMap { if case .transfer(.finished(let record)) = $0 { return record } else { return nil } }
}

private func upload(_ id: Int64, size: Int64, path: String = "a.txt") -> [UInt8] {
    ClientMessage.file(id: id, .upload(path: path, size: size, permissions: 0o644, modified: nil)).encoded
}

private func data(_ id: Int64, _ count: Int, byte: UInt8 = 0x61) -> [UInt8] {
    ClientMessage.fileData(id: id, data: [UInt8](repeating: byte, count: count)).encoded
}

private let digest = [UInt8](repeating: 0xAB, count: 32)
private let someFile = FileInfo(kind: .regular, size: 10, permissions: 0o640, modified: FileTime(seconds: 1_700_000_000))

@Suite("File requests: server session")
struct FileTransferSessionTests {
    @Test("a client that keeps windows gets an upload window of its own; without one, uploads get the stdin window")
    func uploadWindowInHello() throws {
        var configuration = configuration()
        var offering = ServerSession(configuration)
        let hello = try #require(sentFrames(in: offering.receive(windowedHello)).first)
        #expect(hello["upload_window"] == .integer(Int64(Limits.defaultUploadWindow)))
        #expect(offering.uploadWindow == Limits.defaultUploadWindow)
        configuration.uploadWindow = nil
        var declining = ServerSession(configuration)
        #expect(try #require(sentFrames(in: declining.receive(windowedHello)).first)["upload_window"] == nil)
        #expect(declining.uploadWindow == Limits.defaultStdinWindow)

        var client = ClientSession(clientName: "test")
        _ = client.receive(ServerMessage.hello(ServerHello(server: "s", mode: "m", stdinWindow: 8)).encoded)
        client.queue(.file(id: 1, .upload(path: "a", size: 100, permissions: 0o644, modified: nil)))
        #expect(client.stdinRoom(for: 1) == 8, "no upload window: the stdin window")
        var withUploadWindow = ClientSession(clientName: "test")
        var serverHello = ServerHello(server: "s", mode: "m", stdinWindow: 8)
        serverHello.uploadWindow = 64
        _ = withUploadWindow.receive(ServerMessage.hello(serverHello).encoded)
        withUploadWindow.queue(.file(id: 1, .upload(path: "a", size: 100, permissions: 0o644, modified: nil)))
        #expect(withUploadWindow.stdinRoom(for: 1) == 64)
        #expect(withUploadWindow.stdinRoom(for: 2) == 8, "a command's stdin keeps the stdin window")
    }

    @Test("an upload's written bytes are acknowledged in batches of half the window; its commit's done ends it")
    func uploadAcknowledgedThenDone() throws {
        var session = server(window: 8)
        #expect(session.receive(upload(1, size: 10)) == [.transfer(.perform(id: 1, .upload(path: "a.txt", size: 10, permissions: 0o644,
                                                                                                 modified: nil)))])
        #expect(session.receive(data(1, 8)) == [.transfer(.write(id: 1, [UInt8](repeating: 0x61, count: 8)))])
        #expect(session.uploadWritten(id: 1, count: 3).isEmpty)
        let ack = try #require(sentFrames(in: session.uploadWritten(id: 1, count: 5)).first)
        #expect(ack.type == "file_ack")
        #expect(ack["id"] == 1)
        #expect(ack["bytes"] == 8)
        #expect(session.receive(data(1, 2)).count == 1)
        #expect(session.receive(ClientMessage.fileEnd(id: 1, sha256: digest).encoded) == [.transfer(.commit(id: 1, sha256: digest))])
        #expect(session.uploadWritten(id: 1, count: 2).isEmpty, "no acknowledgement once the upload has ended")
        let done = session.transferReplied(id: 1, .done(skipped: 0))
        #expect(sentFrames(in: done).map(\.type) == ["done"])
        #expect(records(in: done) == [TransferRecord(id: 1, request: .upload(path: "a.txt", size: 10, permissions: 0o644, modified: nil),
                                                     bytes: 10)])
        #expect(!session.hasTransfers)
        #expect(session.receive(data(1, 1)).isEmpty, "a late frame for an ended upload is dropped")
    }

    @Test("an upload's 1 MiB frames read in place reach the driver whole, byte for byte, and each read fills the frame's own body")
    func uploadReadInPlace() throws {
        var session = server(window: 4 << 20)
        let chunks = (0..<3).map { index in (0..<Limits.maxBodySize).map { UInt8(truncatingIfNeeded: $0 ^ (index &* 77)) } }
        let bytes = upload(1, size: Int64(3 * Limits.maxBodySize))
            + chunks.flatMap { ClientMessage.fileData(id: 1, data: $0).encoded }
            + ClientMessage.fileEnd(id: 1, sha256: digest).encoded
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Limits.readChunkSize, alignment: 16)
        defer { scratch.deallocate() }
        var reads = ScriptedReads(bytes, seed: 3, largestRead: 300_000)
        var actions: [ServerSession.Action] = []
        while !reads.isDrained {
            actions += session.receive(scratch: scratch) { reads.read(into: $0) }.actions
        }
        let written = actions.compactMap { action -> [UInt8]? in
            if case .transfer(.write(id: 1, let data)) = action { return data } else { return nil }
        }
        #expect(written == chunks)
        #expect(actions.last == .transfer(.commit(id: 1, sha256: digest)))
        #expect(!reads.roomsOutside(scratch).isEmpty, "no read went into a body in place")
    }

    @Test("a download announces its file, sends exactly its size in file_data frames, then file_end")
    func download() throws {
        var session = server()
        let request = FileRequest.download(path: "/etc/motd")
        #expect(session.receive(ClientMessage.file(id: 4, request).encoded) == [.transfer(.perform(id: 4, request))])
        let info = try #require(sentFrames(in: session.transferReplied(id: 4, .info(someFile))).first)
        #expect(info.type == "file_info")
        #expect(info["size"] == 10)
        #expect(info["mode"] == .integer(0o640))
        #expect(info["kind"] == "file")
        var queue: [UInt8] = []
        [UInt8](repeating: 7, count: 6).withUnsafeBytes { session.downloadData(id: 4, $0, into: &queue) }
        [UInt8](repeating: 8, count: 4).withUnsafeBytes { session.downloadData(id: 4, $0, into: &queue) }
        #expect(decodedFrames(queue).map(\.body) == [[UInt8](repeating: 7, count: 6), [UInt8](repeating: 8, count: 4)])
        let end = session.transferReplied(id: 4, .end(sha256: digest))
        #expect(sentFrames(in: end).first?["sha256"]?.stringValue == Hex.encode(digest))
        #expect(records(in: end).first?.bytes == 10)
        #expect(!session.hasTransfers)
    }

    @Test("a listing sends an entry per name, then done with the names it skipped; a stat is one file_info")
    func listingAndStat() throws {
        var session = server()
        _ = session.receive(ClientMessage.file(id: 2, .list(path: "d")).encoded + ClientMessage.file(id: 3, .stat(path: "d")).encoded)
        let link = FileInfo(kind: .symbolicLink, size: 3, permissions: 0o777, modified: FileTime(seconds: 5), linkTarget: "a b")
        let entry = try #require(sentFrames(in: session.transferReplied(id: 2, .entry(name: "l\nk", link))).first)
        #expect(entry["name"] == "l\nk")
        #expect(entry["target"] == "a b")
        #expect(sentFrames(in: session.transferReplied(id: 2, .done(skipped: 2))).first?["skipped"] == 2)
        let stat = session.transferReplied(id: 3, .info(someFile))
        #expect(sentFrames(in: stat).map(\.type) == ["file_info"])
        #expect(records(in: stat).count == 1, "a stat ends with its answer")
        #expect(!session.hasTransfers)
    }

    @Test("a failure the driver reports is an error for its id; the id may then be used again")
    func driverFailure() throws {
        var session = server()
        _ = session.receive(upload(1, size: 5))
        let failed = session.transferFailed(ProtocolError(.permissionDenied, "/ro/a.txt: Permission denied", id: 1))
        let error = try #require(sentFrames(in: failed).first)
        #expect(error["code"] == "permission_denied")
        #expect(error["id"] == 1)
        #expect(records(in: failed).first?.failure == "permission_denied: /ro/a.txt: Permission denied")
        #expect(!failed.contains(.transfer(.abort(id: 1))), "the driver dropped its file before it reported")
        #expect(session.receive(upload(1, size: 5)).count == 1, "id 1 is free again")
    }

    @Test("a lost connection drops every request in flight and logs each as failed; nothing is sent")
    func connectionLost() {
        var session = server()
        _ = session.receive(upload(2, size: 100) + data(2, 5) + ClientMessage.file(id: 1, .list(path: ".")).encoded)
        let actions = session.connectionLost()
        #expect(actions.filter { if case .transfer(.abort) = $0 { return true } else { return false } }
                == [.transfer(.abort(id: 1)), .transfer(.abort(id: 2))])
        #expect(records(in: actions).map(\.failure) == ["the connection was lost", "the connection was lost"])
        #expect(records(in: actions).last?.bytes == 5)
        #expect(sentFrames(in: actions).isEmpty)
    }

    @Test("a shutdown lets the requests in flight finish, refuses new ones, and closes after the last")
    func shutdown() throws {
        var session = server()
        _ = session.receive(upload(1, size: 1))
        #expect(session.beginShutdown().isEmpty, "the upload goes on")
        let refused = try #require(sentFrames(in: session.receive(ClientMessage.file(id: 2, .stat(path: "a")).encoded)).first)
        #expect(refused["code"] == "shutting_down")
        #expect(refused["id"] == 2)
        _ = session.receive(data(1, 1) + ClientMessage.fileEnd(id: 1, sha256: digest).encoded)
        let done = session.transferReplied(id: 1, .done(skipped: 0))
        #expect(sentFrames(in: done).map(\.type) == ["done", "error"])
        #expect(done.last == .close)

        var slow = server()
        _ = slow.receive(upload(1, size: 100))
        _ = slow.beginShutdown()
        let ended = slow.terminateAll()
        #expect(ended.first == .transfer(.abort(id: 1)))
        #expect(records(in: ended).first?.failure == "the server shut down")
        #expect(ended.last == .close, "nothing left: the connection closes")
    }
}

@Suite("File requests: connection machine")
struct FileTransferMachineTests {
    @Test("download data fills the send queue to the high-water mark, where the driver stops reading the file")
    func downloadBackpressure() {
        var machine = ConnectionMachine(session: ServerSession(configuration()),
                                        timeouts: .init(handshake: .seconds(10), frame: .seconds(5), writeStall: .seconds(30),
                                                        grace: .seconds(2)), now: t0)
        _ = machine.received(windowedHello + ClientMessage.file(id: 1, .download(path: "big")).encoded, now: t0)
        let size = Int64(Limits.sendQueueHighWater) * 4
        _ = machine.transferReplied(1, .info(FileInfo(kind: .regular, size: size, permissions: 0o644, modified: FileTime(seconds: 0))),
                                    now: t0)
        let chunk = [UInt8](repeating: 1, count: Limits.outputChunkSize)
        var chunks = 0
        while machine.acceptsChildOutput {
            chunk.withUnsafeBytes { machine.downloadData(1, $0, now: t0) }
            chunks += 1
        }
        // The mark is passed by less than one chunk: a file of any size costs the server one mark of memory.
        #expect(chunks == Limits.sendQueueHighWater / Limits.outputChunkSize)
        #expect(machine.queuedByteCount >= Limits.sendQueueHighWater)
        #expect(machine.queuedByteCount < Limits.sendQueueHighWater + Limits.outputChunkSize)
        #expect(!machine.isFinished, "a download in flight keeps the connection")
        _ = machine.wrote(machine.queuedByteCount, now: t0)
        #expect(machine.acceptsChildOutput, "room again once the client took it")
    }
}

@Suite("File requests: client session")
struct FileTransferClientTests {
    private func readyClient(window: Int64 = 8) -> ClientSession {
        var client = ClientSession(clientName: "test")
        _ = client.receive(ServerMessage.hello(ServerHello(server: "s", mode: "m", stdinWindow: window)).encoded)
        return client
    }

    @Test("upload data counts against the window; file_ack makes room; done forgets the id")
    func uploadWindow() throws {
        var client = readyClient(window: 8)
        client.queue(.file(id: 3, .upload(path: "a", size: 20, permissions: 0o600, modified: nil)))
        #expect(client.stdinRoom(for: 3) == 8)
        client.queue(.fileData(id: 3, data: [UInt8](repeating: 1, count: 8)))
        #expect(client.stdinRoom(for: 3) == 0)
        #expect(client.receive(ServerMessage.fileAck(id: 3, bytes: 4).encoded).isEmpty)
        #expect(client.stdinRoom(for: 3) == 4)
        let done = client.receive(ServerMessage.file(id: 3, .done(skipped: 0)).encoded)
        #expect(done == [.file(id: 3, .done(skipped: 0))])
        #expect(client.stdinRoom(for: 3) == 8)
    }

    @Test("a file_ack for more than was sent is the server breaking the protocol")
    func overAcknowledged() {
        var client = readyClient()
        client.queue(.fileData(id: 3, data: [1, 2]))
        let events = client.receive(ServerMessage.fileAck(id: 3, bytes: 3).encoded)
        guard case .failed(let error)? = events.first else {
            Issue.record("expected a failure, got \(events)")
            return
        }
        #expect(error.code == .badRequest)
    }

    @Test("a download's parts come through as they arrive")
    func downloadParts() {
        var client = readyClient()
        var wire: [UInt8] = []
        ServerMessage.file(id: 5, .info(someFile)).append(to: &wire)
        ServerMessage.file(id: 5, .data([1, 2, 3])).append(to: &wire)
        ServerMessage.file(id: 5, .end(sha256: digest)).append(to: &wire)
        #expect(client.receive(wire) == [.file(id: 5, .info(someFile)), .file(id: 5, .data([1, 2, 3])),
                                         .file(id: 5, .end(sha256: digest))])
    }

    @Test("an entry that is not one name in its directory is refused", arguments: ["", ".", "..", "a/b"])
    func entryNames(_ name: String) {
        var client = readyClient()
        var wire: [UInt8] = []
        FrameEncoder.append(type: "entry", [("id", 1), ("name", .string(name)), ("kind", "file"), ("size", 0), ("mode", 0),
                                            ("mtime", 0)], to: &wire)
        guard case .failed? = client.receive(wire).first else {
            Issue.record("the entry \"\(name)\" was taken")
            return
        }
    }
}
