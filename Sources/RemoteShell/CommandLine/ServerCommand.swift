import RSHProtocol
import RSHSystem

/// `rshd`: the command line of the server.
public enum ServerCommand {
    static let usage = """
    usage: rshd [options]

    Runs the commands that rsh clients send, and streams their output back.

    options:
      --mode MODE               blocking, threaded or coroutine (default: coroutine)
      --listen ADDRESS          HOST:PORT, [V6HOST]:PORT or unix:PATH (default: 127.0.0.1:8080;
                                port 0 picks a free port). Repeat it to listen on several
                                addresses; a range lists many: 127.0.0.[1-200]:9000
      --loops N                 event loops in coroutine mode (default: one per core)
      --scheduling POLICY       batch: rshd's own threads run SCHED_BATCH, so their wake-ups do not
                                preempt the commands, which run SCHED_OTHER; inherit: everything
                                keeps the policy rshd was started with (default: batch)
      --max-connections N       connections served at once; more get "busy" (default: 1024)
      --max-execs N             commands in flight per connection (default: 16)
      --timeout SECONDS         default command timeout (default: none)
      --grace SECONDS           from TERM to KILL in a teardown, and for commands at shutdown (default: 2)
      --handshake-timeout SECONDS   to finish the handshake after connecting (default: 10)
      --write-stall-timeout SECONDS for a client that reads nothing before it is dropped (default: 30)
      --frame-timeout SECONDS   from the first byte of a frame to its last (default: 10)
      --classic-output-cap BYTES    output kept for one classic command (default: 67108864)
      --host-key FILE           the server's Ed25519 key, which clients know it by (default:
                                ~/.rsh/host_ed25519; made, mode 0600, at the first start)
      --authorized-keys FILE    the public keys that may log in, one OpenSSH line each (default:
                                ~/.rsh/authorized_keys, if it exists); clients must then use TLS
      --key-file FILE           clients may log in with this pre-shared key, over TLS (make one
                                with rsh keygen --psk FILE); clients must then use TLS
      --allow-unauthenticated   listen beyond loopback with neither authorized_keys nor a
                                pre-shared key (anyone can run commands)
      --max-unauthenticated N   connections still in their handshake, at most (default: 64)
      --log-level LEVEL         error, warning, notice (start and stop only), info (and a line
                                per connection and per command) or debug (default: info)
      --help                    show this help
      --version                 show the version

    Connections are TLS 1.3 when the client starts one (rsh does by default).
    Without authorized_keys or a key file, rshd listens on loopback or a Unix
    socket only, and serves only its own user (and root), in TLS or in clear.

    Stop it with SIGTERM or SIGINT (Ctrl-C): it stops accepting, gives running
    commands the grace period, then tears them down.
    """

    /// Parses the command line, runs the server, and exits.
    public static func main(_ arguments: [String]) -> Never {
        var configuration: ServerConfiguration
        var keyFile: String?
        do {
            guard let parsed = try parse(ArgumentScanner(arguments.dropFirst())) else { exitProcess(0) }
            (configuration, keyFile) = parsed
        } catch {
            printError("rshd: \(error.message)\nTry 'rshd --help'.")
            exitProcess(2)
        }
        if let keyFile {
            do {
                configuration.key = try PreSharedKeyFile.load(keyFile)
            } catch {
                printError("rshd: \(error)")
                exitProcess(1)
            }
        }
        // Before any thread is started: they all inherit the calling thread's policy.
        if configuration.scheduling == .batch, !ThreadScheduling.batchCallingThread() {
            configuration.scheduling = .inherit
        }
        FileDescriptor.ensureStandardDescriptorsOpen()
        // An upload's frames are up to a MiB each, and each one's body is a
        // buffer allocated and freed again, as is the decoder's buffer around
        // it: kept in the heap, not given back and faulted in anew, zeroed,
        // for every frame (MemoryAllocator). Left to glibc's defaults, that
        // is a third of the server's CPU in a 1 GiB upload; with 4 MiB kept,
        // 70,000 to 190,000 page faults of the 260,000 pages copied.
        MemoryAllocator.keepFreedMemory(upTo: 16 << 20)
        // Before anything else is opened, so they get the lowest numbers: a
        // spawn slot for each thread that may be spawning at once (SpawnSlots).
        switch configuration.mode {
        case .blocking: SpawnSlots.reserve(concurrentSpawns: 1)
        case .threaded: SpawnSlots.reserve(concurrentSpawns: .max)
        case .coroutine: SpawnSlots.reserve(concurrentSpawns: configuration.loops)
        }
        // Process-wide dispositions are the program's to set, not the Server
        // library's: a program embedding it may have handlers of its own.
        SignalDisposition.ignoreBrokenPipe()
        SignalDisposition.defaultChildStatus()
        do {
            // Blocked before any thread exists, so every thread inherits the
            // mask and the signals arrive only through the shutdown signalfd.
            try SignalDisposition.block(ShutdownController.signals)
            let server = try Server(configuration: configuration)
            try server.run()
        } catch let error as ServerError {
            printError("rshd: \(error)")
            exitProcess(1)
        } catch {
            printError("rshd: \(error)")
            exitProcess(1)
        }
        exitProcess(0)
    }

    /// The configuration the arguments describe, and the key file to load;
    /// `nil` after `--help` or `--version`.
    static func parse(_ scanner: ArgumentScanner) throws(UsageError) -> (ServerConfiguration, keyFile: String?)? {
        var scanner = scanner
        var configuration = ServerConfiguration()
        var keyFile: String?
        var listenGiven = false
        while let flag = scanner.next() {
            switch flag {
            case "--help", "-h":
                printOutput(usage)
                return nil
            case "--version":
                printOutput("rshd \(RemoteShellVersion.current)")
                return nil
            case "--mode":
                let name = try scanner.value(for: flag)
                guard let mode = ServerMode(rawValue: name) else {
                    throw UsageError("unknown mode \"\(name)\"; expected blocking, threaded or coroutine")
                }
                configuration.mode = mode
            case "--listen":
                let text = try scanner.value(for: flag)
                if !listenGiven { configuration.listenAddresses = [] }
                listenGiven = true
                for name in text.hasPrefix("unix:") ? [text] : try HostList.expand(text) {
                    guard let address = SocketAddress.parse(name, defaultPort: 8080) else {
                        throw UsageError("cannot understand the address \"\(name)\"; expected HOST:PORT or unix:PATH")
                    }
                    configuration.listenAddresses.append(address)
                }
            case "--loops": configuration.loops = try scanner.integer(for: flag, in: 1...1024)
            case "--scheduling":
                let name = try scanner.value(for: flag)
                guard let scheduling = ServerScheduling(rawValue: name) else {
                    throw UsageError("unknown scheduling policy \"\(name)\"; expected batch or inherit")
                }
                configuration.scheduling = scheduling
            case "--max-connections": configuration.maxConnections = try scanner.integer(for: flag, in: 1...1_000_000)
            case "--max-execs": configuration.maxExecs = try scanner.integer(for: flag, in: 1...100_000)
            case "--timeout": configuration.defaultTimeout = try scanner.seconds(for: flag)
            case "--grace": configuration.grace = try scanner.seconds(for: flag, allowZero: true)
            case "--handshake-timeout": configuration.handshakeTimeout = try scanner.seconds(for: flag)
            case "--write-stall-timeout": configuration.writeStallTimeout = try scanner.seconds(for: flag)
            case "--frame-timeout": configuration.frameTimeout = try scanner.seconds(for: flag)
            case "--classic-output-cap": configuration.classicOutputCap = try scanner.integer(for: flag, in: 0...(1 << 40))
            case "--key-file": keyFile = try scanner.value(for: flag)
            case "--host-key": configuration.hostKeyPath = try scanner.value(for: flag)
            case "--authorized-keys": configuration.authorizedKeysPath = try scanner.value(for: flag)
            case "--allow-unauthenticated": configuration.allowUnauthenticated = true
            case "--max-unauthenticated": configuration.maxUnauthenticated = try scanner.integer(for: flag, in: 1...1_000_000)
            case "--log-level":
                let name = try scanner.value(for: flag)
                guard let level = LogLevel(name: name) else {
                    throw UsageError("unknown log level \"\(name)\"; expected error, warning, notice, info or debug")
                }
                configuration.logLevel = level
            default:
                throw UsageError(flag.hasPrefix("-") ? "unknown option \(flag)" : "unexpected argument \"\(flag)\"")
            }
        }
        return (configuration, keyFile)
    }
}

func printOutput(_ text: String) {
    try? FileDescriptor.standardOutput.writeAll((text + "\n").utf8)
}

func printError(_ text: String) {
    try? FileDescriptor.standardError.writeAll((text + "\n").utf8)
}
