/// What a non-blocking read from a pipe or socket found.
public enum ReadOutcome: Hashable, Sendable {
    case bytes(Int)
    case wouldBlock
    case endOfFile
}
