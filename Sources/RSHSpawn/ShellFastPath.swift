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
    /// than the shell running the builtin in its own process.
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

    /// The words to execute directly, or `nil` when the shell is needed.
    public static func directArguments(for command: String) -> [String]? {
        guard let words = plainWords(of: command), let first = words.first, !shellWords.contains(first) else { return nil }
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
