import RSHSystem

/// What `rsh` was asked to do.
struct ClientOptions {
    /// The port of a HOST given without one.
    static let defaultPort: UInt16 = 8080

    var target = ""
    var address: SocketAddress = .ipv4(host: "127.0.0.1", port: defaultPort)
    /// The target's host name and why it did not resolve: a connection
    /// error, which `rsh` reports when it would connect (exit 255, as ssh),
    /// not a usage error.
    var unresolvedTarget: (host: String, reason: String)?
    /// The port of a HOST given without one (`-p`, `-o Port=`).
    var port: UInt16 = defaultPort
    /// How long connecting may take (`--connect-timeout`, or ssh's `-o ConnectTimeout=`).
    var connectTimeout: Duration?
    /// Never ask about an unknown server key (ssh's `-o BatchMode=yes`, or
    /// `StrictHostKeyChecking=yes`): refuse it, as without a terminal.
    var batchMode = false
    /// The remote command's words; empty for the interactive and scripted modes.
    var command: [String] = []
    /// Send `command` as an exact argv instead of a shell command line.
    var argv = false
    /// Scripted mode: stop at the first command that fails.
    var stopOnError = false
    /// One-shot mode: do not forward our stdin.
    var noStdin = false
    /// `-t`, `-tt`, `-T`.
    var terminal = TerminalAllocation.none
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
    /// `rsh cp ...`: copy files instead of running a command.
    var copy: CopyOptions?
    /// `rsh -w HOSTS`: one command on many hosts.
    var fanOut: FanOutOptions?
    /// Hosts to leave out of the fan-out (`-x`), expanded once every `-w` is read.
    private var excludedHosts: [String] = []
    /// Fan-out options as given, wherever they stand among the `-w`s.
    private var fanOutSettings: FanOutOptions?

    static let usage = """
    usage: rsh [options] HOST[:PORT] [COMMAND...]
           rsh [options] unix:PATH [COMMAND...]
           rsh -w HOSTS [options] COMMAND...
           rsh cp [-r] [-p] [-q] SOURCE... DEST      (rsh cp --help)
           rsh keygen [FILE]
           rsh keygen --psk FILE
           rsh keyscan HOST[:PORT]

    Runs commands on an rshd server (default port 8080).
      with COMMAND           runs it, like ssh HOST COMMAND: the words are joined by
                             spaces and run by the remote shell; stdin is forwarded
      no COMMAND, terminal   an interactive prompt with line editing and history
                             (~/.rsh/history); cd persists; Ctrl-C interrupts the
                             remote command; exit, quit or Ctrl-D leave
      no COMMAND, piped      each input line is a command, run in order
      -t, no COMMAND         your login shell on the server, on a terminal

    options:
      -p PORT                the port of a HOST given without one (default: 8080)
      -o OPTION=VALUE        ssh's options that apply to rsh, so that tools that run ssh can
                             run rsh: Port, ConnectTimeout (seconds), BatchMode (yes: never
                             ask about an unknown server key), StrictHostKeyChecking (yes,
                             ask, accept-new); ForwardAgent and ForwardX11 are accepted and
                             change nothing (rsh forwards nothing)
      -e                     scripted mode: stop at the first command that fails
      -n                     do not forward stdin (it is /dev/null for the command)
      -t                     run on a remote terminal (vim, top, python3, a shell): the
                             local terminal goes raw, every key goes to the remote
                             side; ~. at the start of a line disconnects, ~~ sends ~.
                             -tt even when stdin is not a terminal
      -T                     no remote terminal
      --argv                 send COMMAND as an exact argument vector, no remote shell
      --env NAME=VALUE       set a variable for the remote command (repeatable)
      --cwd DIR              run in DIR on the server (default: the home directory
                             there; a relative DIR is relative to it)
      --connect-timeout SECONDS  give up connecting after this long (with -w: per host,
                             default 10)
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

    fan-out (one command on many hosts, as pdsh and clush):
      -w HOSTS               the hosts: HOST[:PORT] separated by commas, with ranges such as
                             node[01-40] or 10.0.0.[1-20]:9000; ^FILE reads one per line
                             (# starts a comment); repeatable
      -x HOSTS               leave these hosts out
      -f N                   at most N connections at once, a new host as soon as one ends
                             (default: 64)
      -b                     gather: each distinct output once, under its hosts (-B: stderr too)
      --json                 one JSON object per host as it finishes, on stdout
      -S                     exit with the worst remote status (255 if a host was unreachable);
                             without it, 1 if any host failed
      -q                     no summary of failed and unreachable hosts at the end
      --stdin                send the same stdin to every host (default: /dev/null)
      Ctrl-C once says which hosts are still running and interrupts their commands;
      twice stops everything (status 130).
      --help                 show this help
      --version              show the version

    \(keygenUsage)
    \(keyscanUsage)

    exit status: the remote command's; 128+N if signal N ended it; 124 on timeout;
    255 if the connection or the protocol failed.
    """

    static let keygenUsage = """
        rsh keygen [FILE] makes a new Ed25519 key pair: FILE (default ~/.rsh/id_ed25519),
        readable by you only, and FILE.pub, the line to put in a server's authorized_keys.
        rsh keygen --psk FILE writes a new random pre-shared key, readable by you only,
        for rshd --key-file FILE and rsh --key-file FILE.
        """

    static let keyscanUsage = """
        rsh keyscan HOST[:PORT] prints the server's line for ~/.rsh/known_hosts, as
        ssh-keyscan does (check its fingerprint with ssh-keygen -l -f FILE).
        """

    /// The options the arguments describe; `nil` after `--help` or `--version`.
    static func parse(_ arguments: ArraySlice<String>) throws(UsageError) -> ClientOptions? {
        var scanner = ArgumentScanner(arguments)
        var options = ClientOptions()
        options.keyFile = ProcessIdentity.environmentValue("RSH_KEY_FILE").flatMap { $0.isEmpty ? nil : $0 }
        if scanner.peek == "keygen" {
            _ = scanner.next()
            if scanner.asksForHelp {
                printOutput(keygenUsage)
                return nil
            }
            options.keygen = try KeygenRequest.parse(&scanner)
            return options
        }
        if scanner.peek == "keyscan" {
            _ = scanner.next()
            if scanner.asksForHelp {
                printOutput(keyscanUsage)
                return nil
            }
            guard let target = scanner.next(), scanner.isEmpty, !target.hasPrefix("-") else {
                throw UsageError("keyscan takes one HOST[:PORT]")
            }
            try options.setTarget(target)
            options.keyscan = true
            options.requestedMode = .tls
            return options
        }
        if scanner.peek == "cp" {
            _ = scanner.next()
            guard let copy = try CopyOptions.parse(scanner.rest()[...], connection: &options) else { return nil }
            options.copy = copy
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
            case "-p":
                options.port = UInt16(try scanner.integer(for: word, in: 1...65_535))
            case "-o":
                try options.sshOption(try scanner.value(for: word))
            case let attached where attached.hasPrefix("-o") && attached.count > 2:
                try options.sshOption(String(attached.dropFirst(2)))
            case "-e": options.stopOnError = true
            case "-n": options.noStdin = true
            case "-t": options.terminal = [.requested, .forced].contains(options.terminal) ? .forced : .requested
            case "-tt": options.terminal = .forced
            case "-T": options.terminal = .never
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
            case "-w":
                let hosts = try Self.hostList(try scanner.value(for: word))
                var fanOut = options.fanOut ?? FanOutOptions()
                fanOut.hosts += hosts.filter { !fanOut.hosts.contains($0) }
                options.fanOut = fanOut
            case "-x": options.excludedHosts += try Self.hostList(try scanner.value(for: word))
            case "-f":
                let window = try scanner.integer(for: word, in: 1...100_000)
                options.fanOutSetting { $0.window = window }
            case "-b": options.fanOutSetting { $0.output = .gathered(includingStderr: false) }
            case "-B": options.fanOutSetting { $0.output = .gathered(includingStderr: true) }
            case "--json": options.fanOutSetting { $0.output = .json }
            case "-S": options.fanOutSetting { $0.worstStatus = true }
            case "-q": options.fanOutSetting { $0.quiet = true }
            case "--connect-timeout": options.connectTimeout = try scanner.seconds(for: word)
            case "--stdin": options.fanOutSetting { $0.stdin = [] }
            case "--":
                if options.fanOut != nil { return try options.finishFanOut(scanner.rest()) }
                guard let target = scanner.next() else { throw UsageError("missing HOST") }
                try options.setTarget(target)
                options.command = scanner.rest()
                return options
            default:
                if word.hasPrefix("-"), word.count > 1 { throw UsageError("unknown option \(word)") }
                if options.fanOut != nil { return try options.finishFanOut([word] + scanner.rest()) }
                try options.setTarget(word)
                options.command = scanner.rest()
                return options
            }
        }
        if options.fanOut != nil { return try options.finishFanOut([]) }
        throw UsageError("missing HOST")
    }

    /// A fan-out option given before `-w` still applies to the fan-out; the
    /// check that there is one comes at the end (`finishFanOut`).
    private mutating func fanOutSetting(_ set: (inout FanOutOptions) -> Void) {
        var fanOut = fanOutSettings ?? FanOutOptions()
        set(&fanOut)
        fanOutSettings = fanOut
    }

    /// The hosts of `-w` or `-x`: a list, or `^FILE` with one list per line.
    static func hostList(_ text: String) throws(UsageError) -> [String] {
        guard text.hasPrefix("^") else { return try HostList.expand(text) }
        let path = String(text.dropFirst())
        let bytes: [UInt8]
        do {
            bytes = try readFile(path)
        } catch {
            throw UsageError("cannot read the host file \(path): \(error)")
        }
        var hosts: [String] = []
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let text = line.prefix { $0 != "#" }.trimmingBlanks
            if !text.isEmpty { hosts += try HostList.expand(text) }
        }
        return hosts
    }

    /// An option in ssh's `-o Name=Value` form, for tools that run ssh
    /// (ClusterShell passes `-oForwardAgent=no -oForwardX11=no
    /// -oConnectTimeout=N -oBatchMode=yes`). Names are case-insensitive, as ssh's.
    mutating func sshOption(_ text: String) throws(UsageError) {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else { throw UsageError("-o takes NAME=VALUE, not \"\(text)\"") }
        switch parts[0].lowercased() {
        case "port":
            guard let number = UInt16(parts[1]), number > 0 else { throw UsageError("-o Port takes a port number, not \"\(parts[1])\"") }
            port = number
        case "connecttimeout":
            guard let seconds = Int(parts[1]), seconds > 0 else { throw UsageError("-o ConnectTimeout takes whole seconds, not \"\(parts[1])\"") }
            connectTimeout = .seconds(seconds)
        case "batchmode":
            batchMode = try Self.yesOrNo(parts)
        case "stricthostkeychecking":
            switch parts[1].lowercased() {
            case "accept-new": acceptNewHostKeys = true
            case "yes": batchMode = true
            case "ask": break
            default: throw UsageError("-o StrictHostKeyChecking takes yes, ask or accept-new, not \"\(parts[1])\"")
            }
        case "forwardagent", "forwardx11", "forwardx11trusted", "clearallforwardings":
            _ = try Self.yesOrNo(parts)
        default:
            throw UsageError("-o \(parts[0]) is not an option rsh knows (it takes Port, ConnectTimeout, BatchMode, "
                             + "StrictHostKeyChecking, and accepts ForwardAgent and ForwardX11)")
        }
    }

    private static func yesOrNo(_ parts: [String]) throws(UsageError) -> Bool {
        switch parts[1].lowercased() {
        case "yes": return true
        case "no": return false
        default: throw UsageError("-o \(parts[0]) takes yes or no, not \"\(parts[1])\"")
        }
    }

    /// Completes the fan-out once the command's words are known.
    private mutating func finishFanOut(_ words: [String]) throws(UsageError) -> ClientOptions {
        guard var fanOut = fanOut else { throw UsageError("missing HOST") }
        let excluded = Set(excludedHosts)
        fanOut.hosts.removeAll { excluded.contains($0) }
        guard !fanOut.hosts.isEmpty else { throw UsageError("-w names no host (after -x)") }
        guard !words.isEmpty else { throw UsageError("-w needs a COMMAND") }
        if let settings = fanOutSettings {
            fanOut.window = settings.window
            fanOut.output = settings.output
            fanOut.worstStatus = settings.worstStatus
            fanOut.quiet = settings.quiet
            fanOut.stdin = settings.stdin
        }
        fanOut.command = argv ? .argv(words) : .shell(words.joined(separator: " "))
        fanOut.environment = environment
        fanOut.workingDirectory = workingDirectory
        fanOut.timeout = timeout
        fanOut.port = port
        if let connectTimeout { fanOut.connectTimeout = connectTimeout }
        self.fanOut = fanOut
        command = words
        return self
    }

    private mutating func setTarget(_ text: String) throws(UsageError) {
        guard fanOutSettings == nil else { throw UsageError("-f, -b, -B, -S, -q, --json and --stdin go with -w") }
        // `rsh cp`, `rsh keygen` and `rsh keyscan` are read only as the first
        // word, so `rsh --plain cp ...` lands here with `cp` as its host.
        if ["cp", "keygen", "keyscan"].contains(text) {
            throw UsageError("\(text) comes first, before its options: rsh \(text) [OPTIONS] ...")
        }
        if !text.hasPrefix("unix:"), let at = text.firstIndex(of: "@") {
            throw UsageError("rsh takes no USER@ (\"\(text[...at])\"): commands run as the user rshd runs as; give HOST[:PORT]")
        }
        target = text
        do {
            address = try SocketAddress.lookUp(text, defaultPort: port)
        } catch {
            switch error {
            case .malformed: throw UsageError("cannot understand the address \"\(text)\"; expected HOST[:PORT] or unix:PATH")
            case .unresolved(let host, let reason): unresolvedTarget = (host, reason)
            }
        }
    }
}
