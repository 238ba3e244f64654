/// The signals a client may send to a command's process group.
public enum SignalName: String, CaseIterable, Hashable, Sendable {
    case INT, TERM, KILL, HUP, QUIT, USR1, USR2
}
