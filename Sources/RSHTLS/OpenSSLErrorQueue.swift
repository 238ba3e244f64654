import CLibSSL
import CRSHTLS

/// OpenSSL's per-thread error queue: every failed call leaves entries on it,
/// and they must be taken off before the next call on the thread, or that
/// call's failure would be reported with this one's reasons (SSL_get_error(3)).
enum OpenSSLErrorQueue {
    struct Entry {
        let library: Int32
        let reason: Int32
        let text: String
    }

    /// Takes every entry off the queue, oldest first.
    static func drain() -> [Entry] {
        var entries: [Entry] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            entries.append(Entry(library: crsh_tls_error_library(code), reason: crsh_tls_error_reason(code), text: text))
        }
        return entries
    }

    /// The queue as one line (the last entry is usually the most specific).
    static func drainText(or fallback: String = "unknown error") -> String {
        let entries = drain()
        return entries.isEmpty ? fallback : entries.map(\.text).joined(separator: "; ")
    }
}
