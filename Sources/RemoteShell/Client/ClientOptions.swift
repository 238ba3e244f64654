import RSHSystem

/// What `rsh` was asked to do.
struct ClientOptions {
    /// The port of a HOST given without one.
    static let defaultPort: UInt16 = 8080

    var target = ""
    var address: SocketAddress = .ipv4(host: "127.0.0.1", port: defaultPort)
    /// The remote command's words; empty for the interactive and scripted modes.
    var command: [String] = []
    /// Send `command` as an exact argv instead of a shell command line.
    var argv = false
    /// Scripted mode: stop at the first command that fails.
    var stopOnError = false
    /// One-shot mode: do not forward our stdin.
    var noStdin = false
    var environment: [String: String] = [:]
    var workingDirectory: String?
    var timeout: Duration?
    /// Speak the classic format of the Python mini-SSH servers.
    var classic = false
    /// The pre-shared key file (`--key-file`, or `RSH_KEY_FILE`).
    var keyFile: String?
    /// The private key to offer (`-i`); `nil`: `~/.rsh/id_ed25519`, else `~/.ssh/id_ed25519`, if either exists.
    var identityPath: String?
    /// `--known-hosts`; `nil`: `~/.rsh/known_hosts`.
    var knownHostsPath: String?
    /// `--accept-new`: add an unknown server's key to known_hosts without asking.
    var acceptNewHostKeys = false
    /// `--plain` or `--tls`; `nil`: TLS, except on a Unix socket.
    var requestedMode: ClientSecurity.Mode?

    /// TLS, unless asked otherwise; a Unix socket defaults to plain (the
    /// kernel vouches for its peer), unless a pre-shared key is given.
    var transportMode: ClientSecurity.Mode {
        if let requestedMode { return requestedMode }
        if case .unix = address, keyFile == nil { return .plain }
        return .tls
    }
    /// `rsh keygen [--psk] [FILE]`: write a new key instead of connecting.
    var keygen: KeygenRequest?
    /// `rsh keyscan HOST[:PORT]`: print the server's known_hosts line instead of running anything.
    var keyscan = false

    static let usage = """
    usage: rsh [options] HOST[:PORT] [COMMAND...]
           rsh [options] unix:PATH [COMMAND...]
           rsh keygen [FILE]
           rsh keygen --psk FILE
           rsh keyscan HOST[:PORT]

    Runs commands on an rshd server (default port 8080).
      with COMMAND           runs it, like ssh HOST COMMAND: the words are joined by
                             spaces and run by the remote shell; stdin is forwarded
      no COMMAND, terminal   an interactive prompt; cd persists; Ctrl-C interrupts the
                             remote command; exit, quit or Ctrl-D leave
      no COMMAND, piped      each input line is a command, run in order

    options:
      -e                     scripted mode: stop at the first command that fails
      -n                     do not forward stdin (it is /dev/null for the command)
      --argv                 send COMMAND as an exact argument vector, no remote shell
      --env NAME=VALUE       set a variable for the remote command (repeatable)
      --cwd DIR              run in DIR on the server
      --timeout SECONDS      stop the remote command after this long (exit status 124);
                             with --classic, stop waiting for its reply
      -i FILE                the private key to log in with (default: ~/.rsh/id_ed25519,
                             else ~/.ssh/id_ed25519, if either exists)
      --known-hosts FILE     the servers' keys (default: ~/.rsh/known_hosts)
      --accept-new           add the key of a server not in known_hosts without asking
                             (a changed key is still refused)
      --key-file FILE        log in with this pre-shared key, over TLS (default: $RSH_KEY_FILE);
                             the server proves it holds the same key
      --plain                speak the protocol unencrypted (loopback and Unix sockets)
      --tls                  use TLS on a Unix socket too (TLS is the default over TCP)
      --classic              speak the classic mini-SSH format (a command, then one frame)
      --help                 show this help
      --version              show the version

    rsh keygen [FILE] makes a new Ed25519 key pair: FILE (default ~/.rsh/id_ed25519),
    readable by you only, and FILE.pub, the line to put in a server's authorized_keys.
    rsh keygen --psk FILE writes a new random pre-shared key, readable by you only,
    for rshd --key-file FILE and rsh --key-file FILE.
    rsh keyscan HOST[:PORT] prints the server's line for ~/.rsh/known_hosts, as
    ssh-keyscan does (check its fingerprint with ssh-keygen -l -f FILE).

    exit status: the remote command's; 128+N if signal N ended it; 124 on timeout;
    255 if the connection or the protocol failed.
    """

    /// The options the arguments describe; `nil` after `--help` or `--version`.
    static func parse(_ arguments: ArraySlice<String>) throws(UsageError) -> ClientOptions? {
        var scanner = ArgumentScanner(arguments)
        var options = ClientOptions()
        options.keyFile = ProcessIdentity.environmentValue("RSH_KEY_FILE").flatMap { $0.isEmpty ? nil : $0 }
        if scanner.peek == "keygen" {
            _ = scanner.next()
            options.keygen = try KeygenRequest.parse(&scanner)
            return options
        }
        if scanner.peek == "keyscan" {
            _ = scanner.next()
            guard let target = scanner.next(), scanner.isEmpty, !target.hasPrefix("-") else {
                throw UsageError("keyscan takes one HOST[:PORT]")
            }
            try options.setTarget(target)
            options.keyscan = true
            options.requestedMode = .tls
            return options
        }
        while let word = scanner.next() {
            switch word {
            case "--help", "-h":
                printOutput(usage)
                return nil
            case "--version":
                printOutput("rsh \(RemoteShellVersion.current)")
                return nil
            case "-e": options.stopOnError = true
            case "-n": options.noStdin = true
            case "--argv": options.argv = true
            case "--classic": options.classic = true
            case "--plain": options.requestedMode = .plain
            case "--tls": options.requestedMode = .tls
            case "--accept-new": options.acceptNewHostKeys = true
            case "-i": options.identityPath = try scanner.value(for: word)
            case "--known-hosts": options.knownHostsPath = try scanner.value(for: word)
            case "--env":
                let assignment = try scanner.value(for: word)
                guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                    throw UsageError("--env takes NAME=VALUE, not \"\(assignment)\"")
                }
                options.environment[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
            case "--cwd": options.workingDirectory = try scanner.value(for: word)
            case "--key-file": options.keyFile = try scanner.value(for: word)
            case "--timeout": options.timeout = try scanner.seconds(for: word)
            case "--":
                guard let target = scanner.next() else { throw UsageError("missing HOST") }
                try options.setTarget(target)
                options.command = scanner.rest()
                return options
            default:
                if word.hasPrefix("-"), word.count > 1 { throw UsageError("unknown option \(word)") }
                try options.setTarget(word)
                options.command = scanner.rest()
                return options
            }
        }
        throw UsageError("missing HOST")
    }

    private mutating func setTarget(_ text: String) throws(UsageError) {
        guard let address = SocketAddress.parse(text, defaultPort: Self.defaultPort) else {
            throw UsageError("cannot understand the address \"\(text)\"; expected HOST[:PORT] or unix:PATH")
        }
        target = text
        self.address = address
    }
}
