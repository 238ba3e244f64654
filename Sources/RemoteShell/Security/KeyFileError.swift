/// Why a key, known_hosts or authorized_keys file cannot be used: one line
/// for the user, naming the file and what to do about it.
public struct KeyFileError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
