/// One operand of `rsh cp`, in scp's syntax: `HOST:PATH`, `HOST:PORT:PATH`
/// (an IPv6 address in brackets: `[::1]:PATH`, `[::1]:PORT:PATH`) names a
/// path on a server; anything else is a local path. As with scp, a colon
/// after a slash does not count (`./a:b` and `/x/a:b` are local), and an
/// empty remote path is the home directory (`HOST:`).
public enum CopyOperand: Hashable, Sendable {
    case local(String)
    /// `host` as the fan-out and the summary name it: `HOST`, `HOST:PORT`, `[V6]:PORT`.
    case remote(host: String, path: String)

    public init(_ text: String) {
        // [v6]:PATH or [v6]:PORT:PATH; any other text that starts with a bracket is a local name.
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                self = .local(text)
                return
            }
            self = Self.remote(String(text[...close]), rest: text[text.index(close, offsetBy: 2)...]) ?? .local(text)
            return
        }
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex,
              !text[..<colon].contains("/") else {
            self = .local(text)
            return
        }
        self = Self.remote(String(text[..<colon]), rest: text[text.index(after: colon)...]) ?? .local(text)
    }

    /// `rest` is `PATH` or `PORT:PATH` (a port is all digits, 1 to 65535).
    private static func remote(_ address: String, rest: Substring) -> CopyOperand? {
        if let colon = rest.firstIndex(of: ":"), rest[..<colon].allSatisfy({ ("0"..."9").contains($0) }),
           let port = UInt16(rest[..<colon]), port > 0 {
            return .remote(host: "\(address):\(port)", path: String(rest[rest.index(after: colon)...]))
        }
        return .remote(host: address, path: String(rest))
    }

    public var isRemote: Bool {
        if case .remote = self { return true }
        return false
    }

    public var path: String {
        switch self {
        case .local(let path), .remote(_, let path): return path
        }
    }

    /// The operand as the user wrote it (in messages).
    public var description: String {
        switch self {
        case .local(let path): return path
        case .remote(let host, let path): return host + ":" + path
        }
    }
}
