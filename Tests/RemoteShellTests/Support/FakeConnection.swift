import Foundation
import RSHProtocol
import RSHSystem

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
