import Foundation
import RSHSystem

/// A TCP relay between one client and a server, in the middle as an attacker
/// on the path would be: it records what each side sends, and can flip one
/// bit of the client's second TLS record of content type 23 (application
/// data). In TLS 1.3 the first is the client's encrypted Finished (with a
/// pre-shared key, nothing else of its handshake is encrypted); the second
/// carries its first plaintext: the preface, hello and first command.
final class TLSRelay: @unchecked Sendable {
    let port: UInt16
    private let listener: FileDescriptor
    private let recorded = Recorded()

    final class Recorded: @unchecked Sendable {
        private let lock = NSLock()
        private var clientBytes: [UInt8] = []
        private var serverBytes: [UInt8] = []
        func add(_ bytes: [UInt8], fromClient: Bool) {
            lock.withLock { if fromClient { clientBytes += bytes } else { serverBytes += bytes } }
        }
        var client: [UInt8] { lock.withLock { clientBytes } }
        var server: [UInt8] { lock.withLock { serverBytes } }
    }

    /// What the client sent, and what the server sent, as the relay saw them.
    var clientBytes: [UInt8] { recorded.client }
    var serverBytes: [UInt8] { recorded.server }

    init(to serverPort: UInt16, flipping: Bool = false) throws {
        listener = try FileDescriptor.listeningSocket(at: .ipv4(host: "127.0.0.1", port: 0))
        try listener.setNonBlocking(false)
        port = try listener.localAddress().port!
        let recorded = recorded
        Thread.detachNewThread { [listener] in
            guard let (client, _) = try? listener.acceptConnection(),
                  let server = try? FileDescriptor.connectedSocket(to: .ipv4(host: "127.0.0.1", port: serverPort)) else { return }
            try? client.setNonBlocking(false)
            let back = Thread { Self.copy(from: server, to: client, recorded, fromClient: false, flipping: false) }
            back.start()
            Self.copy(from: client, to: server, recorded, fromClient: true, flipping: flipping)
            while !back.isFinished { Thread.sleep(forTimeInterval: 0.01) }
            client.closeAfterUse()
            server.closeAfterUse()
        }
    }

    deinit { listener.closeAfterUse() }

    private static func copy(from source: FileDescriptor, to destination: FileDescriptor, _ recorded: Recorded,
                             fromClient: Bool, flipping: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var records = TLSRecordCursor()
        var flipped = !flipping
        while let count = try? buffer.withUnsafeMutableBytes({ try source.read(into: $0) }), count > 0 {
            var chunk = Array(buffer[..<count])
            recorded.add(chunk, fromClient: fromClient)
            if !flipped, let index = records.payloadByte(ofApplicationDataRecord: 2, in: chunk) {
                chunk[index] ^= 0x04
                flipped = true
            }
            guard (try? destination.sendAll(chunk)) != nil else { break }
        }
        try? destination.shutdownWriting()
    }
}

/// Follows TLS record boundaries across the chunks of a stream.
struct TLSRecordCursor {
    /// Payload bytes of the current record not yet seen.
    private var remaining = 0
    private var header: [UInt8] = []
    private var applicationDataRecords = 0
    /// The record wanted has begun; its payload starts in a later chunk.
    private var wantedPayloadPending = false

    /// The index in `chunk` of a payload byte of the `number`th record of
    /// content type 23, if that byte is in this chunk.
    mutating func payloadByte(ofApplicationDataRecord number: Int, in chunk: [UInt8]) -> Int? {
        var found: Int?
        var index = 0
        while index < chunk.count {
            if remaining > 0 {
                if wantedPayloadPending, found == nil {
                    found = index
                    wantedPayloadPending = false
                }
                let taken = min(remaining, chunk.count - index)
                remaining -= taken
                index += taken
                continue
            }
            header.append(chunk[index])
            index += 1
            if header.count == 5 {
                if header[0] == 23 {
                    applicationDataRecords += 1
                    if applicationDataRecords == number { wantedPayloadPending = true }
                }
                remaining = Int(header[3]) << 8 | Int(header[4])
                header = []
            }
        }
        return found
    }
}
