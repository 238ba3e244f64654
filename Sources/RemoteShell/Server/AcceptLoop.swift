import RSHProtocol
import RSHSystem

/// Accepts until shutdown, waiting in `poll` on the listener and the shutdown
/// descriptors; `serve` gets each connection.
func acceptLoop(listener: Listener, shutdown: ShutdownController, serve: (FileDescriptor, SocketAddress, PeerStanding) -> Void) {
    var requests: [PollRequest] = []
    while !shutdown.isShuttingDown {
        requests = [PollRequest(listener.descriptor, .readable)] + shutdown.descriptors.map { PollRequest($0, .readable) }
        _ = try? poll(&requests, timeoutMilliseconds: -1)
        if requests.dropFirst().contains(where: { !$0.returned.isEmpty }), shutdown.service() { break }
        guard !requests[0].returned.isEmpty else { continue }
        switch listener.accept() {
        case .connection(let fd, let peer, let standing): serve(fd, peer, standing)
        case .none: continue
        case .backoff: _ = try? shutdown.descriptors.first?.poll(for: .readable, timeoutMilliseconds: pollTimeout(until: .now + Listener.backoff))
        }
    }
}
