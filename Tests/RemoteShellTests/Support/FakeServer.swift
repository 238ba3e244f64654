import Foundation
import RSHProtocol
import RSHSystem
import Synchronization

/// A stand-in server on a free loopback port, for what the real `rsh` does
/// with answers rshd never gives. Each connection it accepts is served by
/// `serve` on a thread of its own, with a blocking socket; its frames are
/// written by hand (`FakeConnection.frame`), not by the codec under test.
final class FakeServer: @unchecked Sendable {
    let port: UInt16
    var address: String { "127.0.0.1:\(port)" }
    private let stopped = StopFlag()

    private final class StopFlag: Sendable {
        let value = Atomic<Bool>(false)
    }

    init(_ serve: @escaping @Sendable (FakeConnection) throws -> Void) throws {
        let listener = try FileDescriptor.listeningSocket(at: .ipv4(host: "127.0.0.1", port: 0))
        guard let port = try listener.localAddress().port else { throw TestFailure("the listener has no port") }
        self.port = port
        // The accepting thread owns the listener and is the only one to close it.
        Thread.detachNewThread { [stopped] in
            while !stopped.value.load(ordering: .relaxed) {
                guard let events = try? listener.poll(for: .readable, timeoutMilliseconds: 50), !events.isEmpty,
                      let accepted = try? listener.acceptConnection() else { continue }
                let connection = FakeConnection(accepted.0)
                Thread.detachNewThread {
                    try? connection.socket.setNonBlocking(false)
                    try? serve(connection)
                    connection.socket.closeAfterUse()
                }
            }
            listener.closeAfterUse()
        }
    }

    deinit { stopped.value.store(true, ordering: .relaxed) }
}

/// One connection of a `FakeServer`.
final class FakeConnection: @unchecked Sendable {
    let socket: FileDescriptor
    private var decoder = FrameDecoder()
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    init(_ socket: FileDescriptor) { self.socket = socket }

    /// A frame: the 4-byte little-endian length of `header`, `header`, `body`.
    static func frame(_ header: String, body: [UInt8] = []) -> [UInt8] {
        let text = Array(header.utf8)
        let length = UInt32(text.count)
        return [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24)] + text + body
    }

    func send(_ bytes: [UInt8]) throws { try socket.sendAll(bytes) }

    /// What one read returns (a classic command); empty at end of file.
    func readChunk() throws -> [UInt8] {
        let count = try buffer.withUnsafeMutableBytes { try socket.read(into: $0) }
        return Array(buffer[..<count])
    }

    /// The next v1 frame from the client.
    func readFrame() throws -> Frame {
        while true {
            if let frame = try decoder.next() { return frame }
            let chunk = try readChunk()
            guard !chunk.isEmpty else { throw TestFailure("the client closed the connection") }
            decoder.feed(chunk)
        }
    }

    /// A v1 client's preface and hello, answered by a hello without
    /// authentication; returns the client's first `exec`.
    func acceptV1Client(hello: String = #"{"type":"hello","version":1,"server":"fake","mode":"fake","auth":"none","total_size":0}"#) throws -> Frame {
        var preface = [UInt8]()
        while preface.count < 4 {
            let chunk = try readChunk()
            guard !chunk.isEmpty else { throw TestFailure("the client closed the connection") }
            preface += chunk
        }
        guard Array(preface.prefix(4)) == Limits.preface else { throw TestFailure("no v1 preface") }
        decoder.feed(preface.dropFirst(4))
        guard try readFrame().type == "hello" else { throw TestFailure("the client's first frame is not hello") }
        try send(Self.frame(hello))
        while true {
            let frame = try readFrame()
            if frame.type == "exec" { return frame }
        }
    }

    /// Reads and drops what the client sends until it closes, so that the
    /// client never meets a reset.
    func drainUntilClosed() {
        while let chunk = try? readChunk(), !chunk.isEmpty {}
    }
}
