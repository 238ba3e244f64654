/// ssh's escapes in what is typed during a terminal session (ssh(1),
/// "ESCAPE CHARACTERS"): at the start of a line, `~.` disconnects and `~~`
/// sends one `~`. A `~` there followed by anything else is sent with it. A
/// line starts after Enter (`\r` or `\n`) and at the start of the session.
struct EscapeScanner {
    static let escape = UInt8(ascii: "~")

    enum Outcome: Equatable {
        /// Send these bytes (maybe none: a `~` at the start of a line is
        /// held until the next byte says what it means).
        case send([UInt8])
        /// Disconnect now. (Whatever came before the `~.` in the same read
        /// ended a line, and is dropped: ssh leaves at once too.)
        case disconnect
    }

    private var atLineStart = true
    private var holdingEscape = false

    /// At most one more byte than it was given: a `~` held from before.
    mutating func scan(_ bytes: some Sequence<UInt8>) -> Outcome {
        var output: [UInt8] = []
        for byte in bytes {
            if holdingEscape {
                holdingEscape = false
                switch byte {
                case UInt8(ascii: "."): return .disconnect
                case Self.escape:
                    output.append(byte)
                    atLineStart = false
                    continue
                default:
                    output.append(Self.escape)
                }
            } else if atLineStart, byte == Self.escape {
                holdingEscape = true
                continue
            }
            output.append(byte)
            atLineStart = byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
        }
        return .send(output)
    }
}
