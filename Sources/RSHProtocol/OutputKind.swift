/// Which of a command's two output streams a chunk came from: the pipe it
/// was read from on the server, and the frame type it travels in.
public enum OutputKind: String, Hashable, Sendable, CaseIterable {
    case stdout, stderr
}
