import RSHProtocol

/// The frames of one run of a transcript, grouped per command.
struct RunResult: Equatable {
    var stdout: [Int64: [UInt8]] = [:]
    var stderr: [Int64: [UInt8]] = [:]
    var exits: [Int64: [String: JSONValue]] = [:]
    var errors: [String] = []

    mutating func add(_ frame: Frame) {
        let id = frame["id"]?.integerValue ?? -1
        switch frame.type {
        case "stdout": stdout[id, default: []] += frame.body
        case "stderr": stderr[id, default: []] += frame.body
        case "exit":
            var header = frame.header
            header["duration_ms"] = nil
            exits[id] = header
        case "error": errors.append(frame["code"]?.stringValue ?? "?")
        default: break
        }
    }

    /// Whether this (partial) run shows nothing the full run did not: every
    /// command's output is a prefix of the full run's, every exit the same.
    func isConsistent(with full: RunResult) -> Bool {
        stdout.allSatisfy { full.stdout[$0.key, default: []].starts(with: $0.value) }
            && stderr.allSatisfy { full.stderr[$0.key, default: []].starts(with: $0.value) }
            && exits.allSatisfy { full.exits[$0.key] == $0.value }
    }
}
