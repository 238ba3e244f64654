import Foundation
import RSHSystem

/// A TCP proxy in front of a server that flips one bit on the way: the low
/// bit of the `occurrence`-th byte equal to `marker` going `direction`. A
/// marker no frame header holds (a header is ASCII JSON) makes sure it is a
/// file's content that changes, not the framing: what a bad link or a bad
/// disk cache does, and what only the SHA-256 can catch.
final class BitFlippingProxy: @unchecked Sendable {
    enum Direction: Sendable { case toServer, toClient }

    let port: UInt16
    private let listener: FileDescriptor

    init(serverPort: UInt16, direction: Direction, marker: UInt8, occurrence: Int) throws {
        listener = try FileDescriptor.listeningSocket(at: .ipv4(host: "127.0.0.1", port: 0))
        guard case .ipv4(_, let port) = try listener.localAddress() else { throw TestFailure("no port") }
        self.port = port
        let listener = self.listener
        // One connection: the copy's.
        Thread.detachNewThread {
            guard (try? listener.poll(for: .readable, timeoutMilliseconds: 60_000))?.isEmpty == false,
                  let (client, _) = (try? listener.acceptConnection()) ?? nil,
                  let server = try? FileDescriptor.connectedSocket(to: .ipv4(host: "127.0.0.1", port: serverPort)) else { return }
            try? client.setNonBlocking(false)
            let done = DispatchGroup()
            for (from, to, flips) in [(client, server, direction == .toServer), (server, client, direction == .toClient)] {
                done.enter()
                Thread.detachNewThread {
                    Self.relay(from: from, to: to, flipping: flips ? (marker, occurrence) : nil)
                    done.leave()
                }
            }
            done.wait()
            client.closeAfterUse()
            server.closeAfterUse()
        }
    }

    deinit { listener.closeAfterUse() }

    /// Copies until end of file, then passes the end on (a half-close).
    private static func relay(from source: FileDescriptor, to destination: FileDescriptor, flipping: (UInt8, Int)?) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var seen = 0
        while true {
            guard let count = try? buffer.withUnsafeMutableBytes({ try source.read(into: $0) }), count > 0 else { break }
            if let (marker, occurrence) = flipping {
                for index in 0..<count where buffer[index] == marker {
                    seen += 1
                    if seen == occurrence { buffer[index] ^= 1 }
                }
            }
            guard (try? destination.sendAll(Array(buffer[..<count]))) != nil else { break }
        }
        try? destination.shutdownWriting()
    }
}
