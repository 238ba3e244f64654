import RSHSystem

/// Reads lines from a descriptor (the terminal, or a piped script), while
/// also watching for SIGINT, so that Ctrl-C at the prompt can discard the
/// line being typed instead of ending the program.
struct LineReader {
    enum Line: Equatable {
        case text(String)
        /// A line that is not valid UTF-8 (commands travel as JSON strings).
        case undecodable
        case interrupted
        case endOfFile
    }

    let descriptor: FileDescriptor
    let interrupts: SignalReader?
    private var pending: [UInt8] = []
    private var reachedEnd = false

    init(descriptor: FileDescriptor, interrupts: SignalReader?) {
        self.descriptor = descriptor
        self.interrupts = interrupts
    }

    mutating func next() -> Line {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<newline])
                pending.removeFirst(newline + 1)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return decode(line)
            }
            if reachedEnd {
                guard !pending.isEmpty else { return .endOfFile }
                defer { pending = [] }
                return decode(pending)
            }
            var requests = [PollRequest(descriptor, .readable)]
            if let interrupts { requests.append(PollRequest(interrupts.descriptor, .readable)) }
            _ = try? poll(&requests, timeoutMilliseconds: -1)
            if let interrupts, !requests[1].returned.isEmpty, interrupts.next() != nil {
                // The terminal discarded what was typed (ISIG flushes the line).
                pending = []
                return .interrupted
            }
            guard !requests[0].returned.isEmpty else { continue }
            let count: Int
            do {
                guard let read = try chunk.withUnsafeMutableBytes({ raw in
                    Result { () throws(Errno) in try descriptor.tryRead(into: raw) }
                }).get() else { continue }
                count = read
            } catch {
                count = 0  // an unreadable input ends like an empty one
            }
            if count == 0 { reachedEnd = true } else { pending += chunk[..<count] }
        }
    }

    private func decode(_ bytes: [UInt8]) -> Line {
        guard let text = String(validating: bytes, as: UTF8.self) else { return .undecodable }
        return .text(text)
    }
}
