/// The classic-protocol Python servers of the network-programming courses,
/// in `scripts/peers/`: what a user of rshd would otherwise run.
enum PythonPeer: String, CaseIterable, Sendable {
    /// One accept loop, one client at a time.
    case blocking
    /// A thread per client.
    case threaded
    /// `monkey.patch_all()` and a greenlet per client.
    case gevent

    var script: String { "classic_\(rawValue).py" }
    var name: String { "python \(rawValue)" }
}
