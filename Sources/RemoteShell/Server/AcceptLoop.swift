import RSHProtocol
import RSHSystem

/// Accepts until shutdown, waiting in `poll` on the listening sockets and the
/// shutdown descriptors; `serve` gets each connection.
func acceptLoop(listener: Listener, shutdown: ShutdownController, serve: (FileDescriptor, SocketAddress, PeerStanding) -> Void) {
    let waits = shutdown.descriptors.map { PollRequest($0, .readable) } + listener.descriptors.map { PollRequest($0, .readable) }
    let shutdownCount = shutdown.descriptors.count
    var requests: [PollRequest] = []
    while !shutdown.isShuttingDown {
        requests = waits
        _ = try? poll(&requests, timeoutMilliseconds: -1)
        if requests.prefix(shutdownCount).contains(where: { !$0.returned.isEmpty }), shutdown.service() { break }
        let ready = requests.dropFirst(shutdownCount).filter { !$0.returned.isEmpty }.map(\.descriptor)
        guard !ready.isEmpty else { continue }
        switch listener.accept(among: ready) {
        case .connection(let fd, let peer, let standing): serve(fd, peer, standing)
        case .none: continue
        case .backoff: _ = try? shutdown.descriptors.first?.poll(for: .readable, timeoutMilliseconds: pollTimeout(until: .now + Listener.backoff))
        }
    }
}
