/// Decides when `/bin/sh -c TEXT` can be skipped: when TEXT has no shell
/// syntax at all, splitting it on blanks and executing the words through
/// `PATH` is exactly what the shell would do, minus one exec. (The program
/// also gets the environment the shell would pass on: `ShellStartup`.)
///
/// Anything the shell might treat specially sends the command to the shell:
/// quotes, expansions, globs, redirections, operators, comments, assignments,
/// and first words that are keywords or builtins. When the direct exec fails
/// (no such program, not executable), the caller runs the shell after all, so
/// the error message and the 127/126 status are the shell's own.
public enum ShellFastPath {
    /// Bytes with a meaning to the shell somewhere in its grammar. (`%` is
    /// special only inside `${...}`, which needs `$`, so it is allowed.)
    static let syntaxBytes: Set<UInt8> = Set("'\"`$\\*?[]~#=;&|()<>{}!\n\r".utf8)

    /// Keywords and builtins: the shell runs these itself, so a program of
    /// the same name is never what it would run. A program twin (coreutils'
    /// `echo`, `printf`, `true`, `test`, `kill`, `pwd`) differs in ways that
    /// show (`printf %q` works in one and fails in the other), and costs more
    /// than the shell running the builtin in its own process: dash starts
    /// without setting up a locale, the twins set one up. (Except `fasterTwins`.)
    static let shellWords: Set<String> = [
        // Keywords.
        "!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then", "until", "while",
        "function", "select", "time", "[[", "]]",
        // POSIX special builtins.
        ".", ":", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift",
        "times", "trap", "unset",
        // The regular builtins of dash, and of bash where /bin/sh is bash.
        "alias", "bg", "cd", "command", "echo", "false", "fc", "fg", "getopts", "hash", "jobs", "kill", "local", "newgrp",
        "printf", "pwd", "read", "test", "[", "true", "type", "ulimit", "umask", "unalias", "wait", "let", "source", "builtin",
        "declare", "typeset", "enable", "history", "logout", "popd", "pushd", "dirs", "shopt", "suspend", "disown", "mapfile",
        "readarray", "caller", "complete", "compgen", "bind", "help", "chdir",
    ]

    /// Builtins whose program twin, given no argument, does exactly what the
    /// builtin does and starts faster than the shell: coreutils' `true` and
    /// `false` exit at once when they have no argument to check for `--help`
    /// (with one they set up the locale first, and the shell is faster).
    /// Measured with `rsh-bench --only spawn-paths` (BENCHMARKS.md, "Spawn
    /// paths"): bare `true` and `false` executed directly run 1.12-1.16
    /// times as fast as through `/bin/sh -c` in most runs; `true x`
    /// 0.83-0.93; the other builtins with a twin (`echo`, `printf`, `test`,
    /// `pwd`, `kill`) 0.43-1.08, never clearly faster. Executed by their
    /// system path, so that a program of the same name earlier in `PATH`,
    /// which the shell would never run either, is not run.
    static let fasterTwins: [String: String] = ["true": "/bin/true", "false": "/bin/false"]

    /// The words to execute directly, or `nil` when the shell is needed.
    public static func directArguments(for command: String) -> [String]? {
        guard let words = plainWords(of: command), let first = words.first else { return nil }
        if words.count == 1, let twin = fasterTwins[first] { return [twin] }
        guard !shellWords.contains(first) else { return nil }
        return words
    }

    /// The words of a command line that has no shell syntax, split on blanks
    /// as the shell splits them; `nil` when it has any. A builtin's name is a
    /// word like any other here: `echo hi` is `["echo", "hi"]`.
    public static func plainWords(of command: String) -> [String]? {
        guard !command.utf8.contains(where: { syntaxBytes.contains($0) }) else { return nil }
        return command.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }
}
