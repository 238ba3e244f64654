import RSHSystem
import RSHTLS

/// What rsh does with the server's key before it sends anything, as ssh
/// does with StrictHostKeyChecking=ask (or accept-new): a key known_hosts
/// lists for the server passes; a different one is refused loudly (an
/// attacker may be in the middle); an unknown one is shown with its
/// fingerprint and asked about on the terminal, refused with a one-line
/// explanation where there is no terminal, or added with `--accept-new`.
enum HostKeyCheck {
    enum Trust: Sendable {
        /// Ask on the terminal; refuse without one.
        case ask
        /// Add an unknown key to known_hosts (a changed one is still refused).
        case acceptNew
        /// Never ask (`-o BatchMode=yes`, and every host of a fan-out): an
        /// unknown key is refused as it is without a terminal.
        case neverAsk
    }

    /// How a key passed.
    enum Passed: Sendable {
        /// known_hosts lists it for the server.
        case known
        /// It was added to known_hosts (`--accept-new`).
        case added
        /// It was added once the user said yes on the terminal.
        case addedWhenAsked
    }

    /// `brief`: for one host among many (a fan-out): the refusal names no
    /// host (the summary folds the hosts refused for the same reason) and
    /// nothing else is printed.
    @discardableResult
    static func verify(_ key: Ed25519PublicKey, name: String, knownHosts: KnownHosts, trust: Trust,
                       brief: Bool = false) throws(ClientError) -> Passed {
        let knownHostsPath = knownHosts.path
        switch knownHosts.verdict(for: key, name: name) {
        case .known:
            return .known
        case .changed(let lines):
            if brief {
                throw .hostKeyRejected("REMOTE HOST KEY CHANGED: its key \(key.fingerprint) is not the one in "
                                       + "\(knownHostsPath) (line \(lines.map(String.init).joined(separator: ", ")))")
            }
            printError(changedKeyWarning(key, name: name, path: knownHostsPath, lines: lines))
            throw .hostKeyRejected("host key verification failed for \(name)")
        case .unknown(let otherNames):
            switch trust {
            case .acceptNew:
                break
            case .ask, .neverAsk:
                guard trust == .ask, let terminal = try? FileDescriptor.open("/dev/tty", .readWrite) else {
                    if brief {
                        throw .hostKeyRejected("unknown host key \(key.fingerprint): not in \(knownHostsPath) (--accept-new adds it)")
                    }
                    throw .hostKeyRejected("the authenticity of host '\(name)' can't be established (its ED25519 key fingerprint is "
                                           + "\(key.fingerprint)) and rsh will not ask (no terminal, or BatchMode); if that is its key, connect "
                                           + "once with --accept-new, or add the line 'rsh keyscan \(name)' prints to \(knownHostsPath)")
                }
                defer { terminal.closeAfterUse() }
                guard ask(terminal, key, name: name, otherNames: otherNames) else {
                    throw .hostKeyRejected("host key verification failed for \(name)")
                }
            }
            do {
                try knownHosts.append(name: name, key: key)
            } catch {
                throw .unusable(error.description)
            }
            if !brief { printError("Warning: Permanently added '\(name)' (ED25519) to the list of known hosts.") }
            return trust == .ask ? .addedWhenAsked : .added
        }
    }

    /// ssh's question, on the terminal: yes, no, or the fingerprint itself.
    private static func ask(_ terminal: FileDescriptor, _ key: Ed25519PublicKey, name: String, otherNames: [String]) -> Bool {
        var question = "The authenticity of host '\(name)' can't be established.\n"
        question += "ED25519 key fingerprint is \(key.fingerprint).\n"
        if otherNames.isEmpty {
            question += "This key is not known by any other names.\n"
        } else {
            question += "This host key is known by the following other names/addresses:\n"
            for other in otherNames { question += "    \(other)\n" }
        }
        question += "Are you sure you want to continue connecting (yes/no/[fingerprint])? "
        try? terminal.writeAll(question.utf8)
        while true {
            guard let answer = readLine(terminal) else { return false }
            switch answer.lowercased() {
            case "yes": return true
            case "no": return false
            default:
                if answer == key.fingerprint { return true }
                try? terminal.writeAll("Please type 'yes', 'no' or the fingerprint: ".utf8)
            }
        }
    }

    /// One line typed at the terminal, without its end; `nil` at end of file.
    private static func readLine(_ terminal: FileDescriptor) -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = (try? withUnsafeMutableBytes(of: &byte) { try terminal.read(into: $0) }) ?? 0
            guard count == 1 else { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { break }
            if byte != UInt8(ascii: "\r") { line.append(byte) }
        }
        var text = Substring(String(decoding: line, as: UTF8.self))
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }

    /// ssh's warning for a key that is not the one on record.
    private static func changedKeyWarning(_ key: Ed25519PublicKey, name: String, path: String, lines: [Int]) -> String {
        """
        @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
        @    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
        @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
        IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
        Someone could be eavesdropping on you right now (man-in-the-middle attack)!
        It is also possible that a host key has just been changed.
        The fingerprint for the ED25519 key sent by the remote host is
        \(key.fingerprint).
        Please contact your system administrator.
        Add correct host key in \(path) to get rid of this message.
        \(lines.map { "Offending ED25519 key in \(path):\($0)" }.joined(separator: "\n"))
          remove with:
          ssh-keygen -f "\(path)" -R "\(name)"
        Host key for \(name) has changed; rsh has sent nothing to it.
        """
    }
}
