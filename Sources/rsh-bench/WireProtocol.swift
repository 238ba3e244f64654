/// What the load generator speaks to a server: rshd's own protocol, or the
/// classic format of the courses' Python servers (which rshd speaks too).
enum WireProtocol: String, CaseIterable, Sendable {
    case v1
    case classic
}
