/// Live output of many hosts, pdsh style: every line a host prints comes out
/// whole, prefixed `host: `, as soon as it is complete. A host's partial last
/// line waits for the rest of it, or for the host's end (then it gets a
/// newline), so lines of different hosts never mix and a host's bytes are
/// never reordered.
public struct LinePrefixer {
    public let prefix: [UInt8]
    private var partial: [UInt8] = []

    public init(host: String) {
        prefix = Array("\(host): ".utf8)
    }

    /// The complete lines in `bytes` (with what was held before), prefixed;
    /// the rest is held.
    public mutating func lines(_ bytes: some Collection<UInt8>) -> [UInt8] {
        partial += bytes
        guard let lastNewline = partial.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
        var output: [UInt8] = []
        var start = partial.startIndex
        while start <= lastNewline {
            let end = partial[start...lastNewline].firstIndex(of: UInt8(ascii: "\n"))!
            output += prefix
            output += partial[start...end]
            start = end + 1
        }
        partial.removeSubrange(..<start)
        return output
    }

    /// What is held, as a last line of its own; nothing if nothing is held.
    public mutating func finish() -> [UInt8] {
        guard !partial.isEmpty else { return [] }
        defer { partial = [] }
        return prefix + partial + [UInt8(ascii: "\n")]
    }
}
