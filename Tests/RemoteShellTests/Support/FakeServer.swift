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
