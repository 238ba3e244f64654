/// A command's stdin: bytes from `stdin` frames go to its pipe. With a stdin
/// window (PROTOCOL.md, "Stdin flow control") the client may have at most
/// the window's worth of bytes unacknowledged per command, and the server
/// acknowledges them as the command takes them; so the server can read the
/// socket at all times (signals and pings are never stuck behind input)
/// and still holds at most one window per command.
extension ServerSession {
    mutating func receiveStdin(id: Int64, _ data: [UInt8], _ actions: inout [Action]) {
        // Input for a command that has ended (a race the client cannot
        // avoid) or that never asked for stdin is dropped, as SSH drops
        // data for a closed channel.
        guard var command = commands[id], command.stdinOpen, !data.isEmpty else { return }
        if let window = stdinWindow {
            guard command.stdinWindow.receive(data.count, window: window) else {
                actions += fail(.stdinWindowExceeded, "command \(id) has \(command.stdinWindow.unacknowledged + data.count)"
                                + " bytes of stdin unacknowledged; its window is \(window)")
                return
            }
            commands[id] = command
        }
        actions.append(.writeStdin(id: id, data))
    }

    /// The command has taken `count` bytes of its stdin, or they were dropped
    /// because it closed its stdin: with a stdin window, they are
    /// acknowledged, in batches of at least half the window (WindowAccount).
    public mutating func stdinTaken(id: Int64, count: Int) -> [Action] {
        guard let window = stdinWindow, var command = commands[id], command.stdinOpen, count > 0 else { return [] }
        defer { commands[id] = command }
        guard let bytes = command.stdinWindow.take(count, window: window) else { return [] }
        return [send(.stdinAck(id: id, bytes: Int64(bytes)))]
    }
}
