/// HMAC-SHA256 under one key, as the protocol's authentication needs it.
/// The protocol core computes nothing itself: RSHCrypto supplies this from
/// the system's libcrypto, and the drivers pass it in.
public protocol MessageAuthenticator: AnyObject {
    /// The 32-byte HMAC of the concatenation of `parts`.
    func authenticate(_ parts: [UnsafeRawBufferPointer]) -> [UInt8]
    /// Whether `tag` is the HMAC of the concatenation of `parts`, compared in constant time.
    func verify(_ tag: UnsafeRawBufferPointer, _ parts: [UnsafeRawBufferPointer]) -> Bool
}

extension MessageAuthenticator {
    /// The HMAC of byte strings given as arrays.
    public func authenticate(_ parts: [[UInt8]]) -> [UInt8] {
        withBuffers(parts) { authenticate($0) }
    }

    public func verify(_ tag: [UInt8], _ parts: [[UInt8]]) -> Bool {
        tag.withUnsafeBytes { tagBuffer in withBuffers(parts) { verify(tagBuffer, $0) } }
    }
}

/// Calls `body` with raw buffers over every array, all valid at once.
func withBuffers<Result>(_ arrays: [[UInt8]], _ body: ([UnsafeRawBufferPointer]) -> Result) -> Result {
    func nest(_ index: Int, _ collected: [UnsafeRawBufferPointer]) -> Result {
        guard index < arrays.count else { return body(collected) }
        return arrays[index].withUnsafeBytes { nest(index + 1, collected + [$0]) }
    }
    return nest(0, [])
}

/// Makes authenticators for a key: HMAC-SHA256 from libcrypto in rshd and rsh.
public typealias AuthenticatorFactory = @Sendable (_ key: [UInt8]) -> any MessageAuthenticator
