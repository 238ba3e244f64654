import RSHSystem
import RSHTLS

/// The servers a user trusts, and their keys: an OpenSSH known_hosts file
/// (`~/.rsh/known_hosts`). Each line is `NAMES ssh-ed25519 BASE64 [COMMENT]`,
/// NAMES a comma-separated list of host names or patterns (`*`, `?`, and
/// `!` to exclude), written `host` for rsh's default port and `[host]:port`
/// for any other, as ssh writes them. Lines with markers (`@revoked`,
/// `@cert-authority`), hashed names and other key types are skipped.
struct KnownHosts {
    struct Entry {
        /// 1-based, as an editor counts.
        let line: Int
        let names: [Substring]
        let key: Ed25519PublicKey

        func matches(_ name: String) -> Bool {
            var matched = false
            for pattern in names {
                if pattern.hasPrefix("!") {
                    if Glob.matches(pattern.dropFirst(), name) { return false }
                } else if Glob.matches(pattern, name) {
                    matched = true
                }
            }
            return matched
        }
    }

    /// What the file says about a server that presented `key`.
    enum Verdict: Equatable {
        /// A line for this name has this key.
        case known
        /// Lines for this name have another Ed25519 key: these ones.
        case changed(lines: [Int])
        /// No line for this name; the key is known under these other names (line, name).
        case unknown(otherNames: [String])
    }

    let path: String
    private(set) var entries: [Entry] = []
    /// Where each literal name of the file (no `*` or `?`) stands, by entry
    /// index, and the entries with a wildcard in a name: a host is matched
    /// only against these. `rsh -w` checks each of its hosts against the
    /// file, and with a line per host (what `--accept-new` leaves) matching
    /// every line would cost ~0.3 s of CPU in a 1,000-host run.
    private var byLiteralName: [String: [Int]] = [:]
    private var withWildcards: [Int] = []
    /// The number of the file's last line.
    private var lastLine: Int
    /// Whether the file's last line lacks its newline (an editor may leave
    /// it so): a line added must then start on a new line of its own.
    private var lastLineIsOpen: Bool

    init(path: String, entries: [Entry], lastLine: Int, lastLineIsOpen: Bool = false) {
        self.path = path
        self.lastLine = lastLine
        self.lastLineIsOpen = lastLineIsOpen
        for entry in entries { index(entry) }
    }

    private mutating func index(_ entry: Entry) {
        let index = entries.count
        entries.append(entry)
        let positive = entry.names.filter { !$0.hasPrefix("!") }
        if positive.contains(where: { $0.contains("*") || $0.contains("?") }) {
            withWildcards.append(index)
        }
        for name in Set(positive.filter { !$0.contains("*") && !$0.contains("?") }.map { $0.lowercased() }) {
            byLiteralName[name, default: []].append(index)
        }
    }

    /// Takes in the line `append` added for `name`, as reading the file
    /// again would: `--accept-new` over 1,000 new hosts adds 1,000 lines,
    /// and reading the file after each would be quadratic.
    mutating func appended(name: String, key: Ed25519PublicKey) {
        lastLine += 1
        lastLineIsOpen = false
        index(Entry(line: lastLine, names: [Substring(name)], key: key))
    }

    /// The file's entries; a file that does not exist has none.
    static func load(_ path: String) throws(KeyFileError) -> KnownHosts {
        let bytes: [UInt8]
        do {
            bytes = try readFile(path)
        } catch .noSuchFile {
            return KnownHosts(path: path, entries: [], lastLine: 0)
        } catch {
            throw KeyFileError("cannot read \(path): \(error)")
        }
        var entries: [Entry] = []
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for (index, rawLine) in lines.enumerated() {
            let line = rawLine.trimmingSpaces
            guard !line.isEmpty, !line.hasPrefix("#"), !line.hasPrefix("@"), !line.hasPrefix("|") else { continue }
            let fields = line.split(maxSplits: 1) { $0 == " " || $0 == "\t" }
            guard fields.count == 2, let parsed = try? OpenSSHPublicKeyLine(parsing: fields[1]) else { continue }
            entries.append(Entry(line: index + 1, names: fields[0].split(separator: ","), key: parsed.key))
        }
        // A last newline ends the last line, it does not start another; an
        // empty file splits into one empty "line", which is none.
        let open = !bytes.isEmpty && bytes.last != UInt8(ascii: "\n")
        return KnownHosts(path: path, entries: entries, lastLine: open ? lines.count : lines.count - 1, lastLineIsOpen: open)
    }

    func verdict(for key: Ed25519PublicKey, name: String) -> Verdict {
        // The candidates, in the file's order, each still matched whole (a
        // `!pattern` on its line may exclude the name).
        let candidates = Set(byLiteralName[name.lowercased(), default: []] + withWildcards).sorted()
        let matching = candidates.map { entries[$0] }.filter { $0.matches(name) }
        if matching.contains(where: { $0.key == key }) { return .known }
        if !matching.isEmpty { return .changed(lines: matching.map(\.line)) }
        return .unknown(otherNames: entries.filter { $0.key == key }.map { "\(path):\($0.line): \($0.names.joined(separator: ","))" })
    }

    /// Adds a line for `name` to the file (made, mode 0600, if it does not
    /// exist); `appended` then takes it in.
    func append(name: String, key: Ed25519PublicKey) throws(KeyFileError) {
        try RSHPaths.createDirectory(for: path)
        let line = (lastLineIsOpen ? "\n" : "") + Self.line(name: name, key: key) + "\n"
        do {
            try appendToFile(path, mode: 0o600, Array(line.utf8))
        } catch {
            throw KeyFileError("cannot add the host key to \(path): \(error)")
        }
    }

    /// The line for a server: what `rsh keyscan` prints and `append` writes.
    static func line(name: String, key: Ed25519PublicKey) -> String {
        name + " " + key.openSSHLine()
    }

    /// The name a server is known by: its host as typed (lower-case), and
    /// `[host]:port` unless the port is rsh's default; `unix:PATH` for a Unix
    /// socket. `port`: the port of a target that names none (`-p`).
    static func name(forTarget target: String, port implicitPort: UInt16 = ClientOptions.defaultPort,
                     defaultPort: UInt16 = ClientOptions.defaultPort) -> String {
        if target.hasPrefix("unix:") { return target }
        var host = Substring(target)
        var port = implicitPort
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if rest.hasPrefix(":"), let number = UInt16(rest.dropFirst()) { port = number }
        } else if let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon, let number = UInt16(host[host.index(after: colon)...]) {
            host = host[..<colon]
            port = number
        }
        let lowered = host.lowercased()
        return port == defaultPort ? lowered : "[\(lowered)]:\(port)"
    }
}

/// OpenSSH's host patterns: `*` is any run of characters, `?` any one.
enum Glob {
    static func matches(_ pattern: Substring, _ text: String) -> Bool {
        matches(Array(pattern.lowercased().utf8)[...], Array(text.utf8)[...])
    }

    private static func matches(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        switch first {
        case UInt8(ascii: "*"):
            let rest = pattern.dropFirst()
            var candidate = text
            while true {
                if matches(rest, candidate) { return true }
                guard !candidate.isEmpty else { return false }
                candidate = candidate.dropFirst()
            }
        case UInt8(ascii: "?"):
            return !text.isEmpty && matches(pattern.dropFirst(), text.dropFirst())
        default:
            return text.first == first && matches(pattern.dropFirst(), text.dropFirst())
        }
    }
}
