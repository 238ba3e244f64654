/// The header of a classic server's reply: one frame whose header has
/// `total_size` (and, from rshd, `exit_code`), and whose body is the
/// command's output.
public struct ClassicReply: Hashable, Sendable {
    /// The signal numbers a classic `exit_code` -N may name (Linux has 64).
    public static let signalNumbers: ClosedRange<Int64> = 1...64

    /// The code as the server sent it, when it sent one.
    public var exitCode: Int64?
    /// The status as a shell reports it: the exit code, or 128+N for signal
    /// N; 0 when the server sends no code (the Python servers of the courses do not).
    public var status: Int32
    public var truncated: Bool

    /// The classic format has no protocol version or type: only the length
    /// prefix and `total_size`. Bodies up to `maxBodySize` are accepted
    /// (with `nextPart`, a body of any size is passed on as it arrives).
    public static func decoder(maxBodySize: Int = 1 << 30) -> FrameDecoder {
        FrameDecoder(.init(maxBodySize: maxBodySize, requiresType: false))
    }

    /// Reads the header. An `exit_code` that is neither an exit status
    /// (0...255) nor a signal (-1...-64, Python's convention) is a
    /// protocol error: passed on, it would be cut to another status, 256 to a success.
    public init(_ header: Frame) throws(ProtocolError) {
        switch header["exit_code"] {
        case nil:
            exitCode = nil
            status = 0
        case .integer(let code)?:
            exitCode = code
            if ExitReport.codes.contains(code) {
                status = Int32(code)
            } else if code < 0, code >= -Self.signalNumbers.upperBound {
                status = ExitStatus.signaled(Signal(rawValue: Int32(-code))).shellStatus
            } else {
                throw ProtocolError(.badRequest, "exit_code \(code) is neither an exit status (\(ExitReport.codes))"
                                    + " nor a signal (-\(Self.signalNumbers.lowerBound)...-\(Self.signalNumbers.upperBound))")
            }
        default:
            throw ProtocolError(.badRequest, "exit_code is not an integer")
        }
        truncated = header["truncated"]?.boolValue ?? false
    }
}
