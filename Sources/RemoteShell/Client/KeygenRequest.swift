/// What `rsh keygen` was asked to make.
enum KeygenRequest: Equatable {
    /// An Ed25519 key pair at this path (`nil`: `~/.rsh/id_ed25519`).
    case identity(String?)
    /// A pre-shared key at this path.
    case preSharedKey(String)

    static func parse(_ scanner: inout ArgumentScanner) throws(UsageError) -> KeygenRequest {
        var preSharedKey = false
        var path: String?
        while let word = scanner.next() {
            if word == "--psk" {
                preSharedKey = true
            } else if word.hasPrefix("-"), word.count > 1 {
                throw UsageError("keygen: unknown option \(word)")
            } else if path == nil {
                path = word
            } else {
                throw UsageError("keygen takes one FILE")
            }
        }
        if preSharedKey {
            guard let path else { throw UsageError("keygen --psk needs a FILE") }
            return .preSharedKey(path)
        }
        return .identity(path)
    }
}
