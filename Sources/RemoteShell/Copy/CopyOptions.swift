import RSHSystem

/// What `rsh cp` was asked to do.
struct CopyOptions {
    var settings = FileCopier.Settings()
    /// `-q`: no progress line, no summary.
    var quiet = false
    /// Every operand in order; the last is the destination.
    var operands: [String] = []
    /// `-w`: the same copy to or from every host, like pdcp and rpdcp.
    var hosts: [String] = []
    /// `-f`: hosts copied to at once, at most.
    var window = 64
    /// `--gather`: from every host into `DIR/HOST`, like rpdcp.
    var gather = false

    static let usage = """
    usage: rsh cp [-r] [-p] [-q] [-P PORT] SOURCE... DEST
           rsh cp -w HOSTS [-f N] [-r] [-p] [-q] FILE... REMOTE_DIR
           rsh cp -w HOSTS --gather [-r] [-p] [-q] REMOTE_PATH... LOCAL_DIR

    Copies files to or from rshd servers, each verified by SHA-256 and put in
    place whole (never a partial or mixed file), over the same connection as
    commands. A remote operand is HOST:PATH or HOST:PORT:PATH (an IPv6 address
    in brackets: [::1]:PATH); a relative PATH is relative to the server user's
    home directory, as with scp. Everything else is a local path (a colon
    after a slash does not count: ./a:b is local). Several sources need a
    directory as DEST; a DEST that is a directory receives the sources by
    their names.

    options:
      -r                 copy directories, whole: symbolic links are copied as
                         links, special files (FIFOs, sockets, devices) skipped
                         with a warning
      -p                 keep modification times (modes are always kept)
      -q                 no progress line and no summary
      -P PORT            the port of a HOST given without one (default: 8080)
      --connect-timeout SECONDS  give up connecting after this long (default 10)
      -o OPTION=VALUE    ssh's options that apply, as for rsh (Port, ConnectTimeout,
                         BatchMode, StrictHostKeyChecking)
      -i FILE, --known-hosts FILE, --accept-new, --key-file FILE, --plain, --tls
                         the server's key and ours, as for rsh (rsh --help)

    fan-out (the same copy on many hosts, as pdcp and rpdcp):
      -w HOSTS           the hosts, as for rsh -w: HOST[:PORT] separated by
                         commas, ranges such as node[01-40] or 127.0.0.[1-20]:9000,
                         ^FILE for one per line; repeatable. The operands are
                         then plain paths: local FILEs to REMOTE_DIR on every host
      -x HOSTS           leave these hosts out
      -f N               at most N hosts at once (default: 64)
      --gather           the other way: REMOTE_PATH from every host into
                         LOCAL_DIR/HOST/ (LOCAL_DIR must exist)
      --help             show this help

    exit status: 0 when every file arrived and was verified; 1 when something
    could not be copied (each named on stderr); 255 when a connection failed.
    With -w: 0 when every host succeeded, else 1 (the summary names them).
    Ctrl-C stops at once; the file under way is dropped on both ends.
    """

    /// The options the arguments (after `cp`) describe; how hosts are
    /// reached (the port of a host given without one, `-P` as scp's; the
    /// connect timeout; TLS and its keys) goes into `connection`, as for
    /// commands. `nil` after `--help`.
    static func parse(_ arguments: ArraySlice<String>, connection: inout ClientOptions) throws(UsageError) -> CopyOptions? {
        var scanner = ArgumentScanner(arguments)
        var options = CopyOptions()
        var excluded: [String] = []
        while let word = scanner.next() {
            switch word {
            case "--help", "-h":
                printOutput(usage)
                return nil
            case "-P":
                connection.port = UInt16(try scanner.integer(for: word, in: 1...65_535))
            case "--connect-timeout":
                connection.connectTimeout = try scanner.seconds(for: word)
            case "-o":
                try connection.sshOption(try scanner.value(for: word))
            case let attached where attached.hasPrefix("-o") && attached.count > 2:
                try connection.sshOption(String(attached.dropFirst(2)))
            case "-i": connection.identityPath = try scanner.value(for: word)
            case "--known-hosts": connection.knownHostsPath = try scanner.value(for: word)
            case "--accept-new": connection.acceptNewHostKeys = true
            case "--key-file": connection.keyFile = try scanner.value(for: word)
            case "--plain": connection.requestedMode = .plain
            case "--tls": connection.requestedMode = .tls
            case "-w":
                options.hosts += try ClientOptions.hostList(try scanner.value(for: word)).filter { !options.hosts.contains($0) }
            case "-x":
                excluded += try ClientOptions.hostList(try scanner.value(for: word))
            case "-f":
                options.window = try scanner.integer(for: word, in: 1...100_000)
            case "--gather":
                options.gather = true
            case "--":
                options.operands += scanner.rest()
            case let flags where flags.hasPrefix("-") && flags.count > 1 && !flags.hasPrefix("--")
                && flags.dropFirst().allSatisfy({ "rRpq".contains($0) }):
                // Single-letter switches, alone or together (-rp), as scp takes them.
                for flag in flags.dropFirst() {
                    switch flag {
                    case "r", "R": options.settings.recursive = true
                    case "p": options.settings.preservesTimes = true
                    default: options.quiet = true
                    }
                }
            default:
                if word.hasPrefix("-"), word.count > 1 { throw UsageError("cp: unknown option \(word)") }
                options.operands.append(word)
            }
        }
        options.hosts.removeAll { excluded.contains($0) }
        guard options.operands.count >= 2 else { throw UsageError("cp needs a SOURCE and a DEST") }
        if !excluded.isEmpty || !options.hosts.isEmpty {
            guard !options.hosts.isEmpty else { throw UsageError("cp: -w names no host (after -x)") }
        } else if options.gather {
            throw UsageError("cp: --gather goes with -w")
        }
        return options
    }
}
