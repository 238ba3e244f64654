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
            let unacknowledged = command.stdinUnacknowledged + data.count
            guard unacknowledged <= window else {
                actions += fail(.stdinWindowExceeded,
                                "command \(id) has \(unacknowledged) bytes of stdin unacknowledged; its window is \(window)")
                return
            }
            command.stdinUnacknowledged = unacknowledged
            commands[id] = command
        }
        actions.append(.writeStdin(id: id, data))
    }

    /// The command has taken `count` bytes of its stdin, or they were dropped
    /// because it closed its stdin: with a stdin window, they are
    /// acknowledged, in batches of at least half the window. Half: few
    /// acknowledgements, and a client whose window is full always gets one
    /// once the command has taken its input.
    public mutating func stdinTaken(id: Int64, count: Int) -> [Action] {
        guard let window = stdinWindow, var command = commands[id], command.stdinOpen, count > 0 else { return [] }
        command.stdinTaken += count
        defer { commands[id] = command }
        guard command.stdinTaken >= max(1, window / 2) else { return [] }
        let bytes = command.stdinTaken
        command.stdinUnacknowledged -= bytes
        command.stdinTaken = 0
        return [send(.stdinAck(id: id, bytes: Int64(bytes)))]
    }
}
