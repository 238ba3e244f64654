/// How one line ran: the status `rsh` would exit with, and what to show at the prompt if it failed.
struct LineOutcome {
    var status: Int32
    var note: String?
}
