/// The integrity trailer of one direction of an authenticated connection:
/// every frame after the handshake is followed by
///
///     HMAC-SHA256(Ks, direction || sequence || frame)
///
/// where `direction` is one byte (0x01 client to server, 0x02 server to
/// client), `sequence` the frame's 64-bit big-endian number in that direction
/// (from 0), and `frame` its bytes on the wire: length prefix, header, body.
/// A frame cannot be altered, injected, dropped, replayed, reordered or moved
/// to the other direction without the next trailer check failing.
public final class FrameIntegrity {
    public enum Direction: UInt8, Sendable {
        case clientToServer = 0x01
        case serverToClient = 0x02
    }

    let authenticator: any MessageAuthenticator
    public let direction: Direction
    /// The sequence number of the next frame.
    public private(set) var sequence: UInt64 = 0

    public init(_ authenticator: any MessageAuthenticator, _ direction: Direction) {
        self.authenticator = authenticator
        self.direction = direction
    }

    /// The trailer for the next frame, whose wire bytes are `frame`.
    public func seal(_ frame: UnsafeRawBufferPointer) -> [UInt8] {
        defer { sequence += 1 }
        return withPrefix { authenticator.authenticate([$0, frame]) }
    }

    /// Appends the trailer for the frame that starts at `start` in `output`.
    public func sealFrame(in output: inout [UInt8], from start: Int) {
        let trailer = output.withUnsafeBytes { seal(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        output += trailer
    }

    /// Whether `trailer` is right for the next frame; only a right one advances the sequence.
    public func verify(_ frame: UnsafeRawBufferPointer, trailer: UnsafeRawBufferPointer) -> Bool {
        let valid = withPrefix { authenticator.verify(trailer, [$0, frame]) }
        if valid { sequence += 1 }
        return valid
    }

    /// The 9 bytes before the frame: the direction, then the sequence number, big-endian.
    private func withPrefix<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        var prefix = [UInt8](repeating: 0, count: 9)
        prefix[0] = direction.rawValue
        withUnsafeBytes(of: sequence.bigEndian) { for index in 0..<8 { prefix[1 + index] = $0[index] } }
        return prefix.withUnsafeBytes(body)
    }
}
