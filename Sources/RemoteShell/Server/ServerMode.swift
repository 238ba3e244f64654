/// How `rshd` serves many clients.
public enum ServerMode: String, CaseIterable, Sendable {
    /// One thread, one connection at a time; later clients wait in the listen backlog.
    case blocking
    /// One OS thread per connection.
    case threaded
    /// Event loops (one per core by default); each connection is a coroutine on one of them.
    case coroutine
}
