import RSHProtocol
import Testing

private func header(_ json: String) throws -> Frame {
    var decoder = ClassicReply.decoder()
    decoder.feed(lengthPrefixed(json))
    return try #require(try decoder.next())
}

private func lengthPrefixed(_ json: String) -> [UInt8] {
    withUnsafeBytes(of: UInt32(json.utf8.count).littleEndian) { Array($0) } + Array(json.utf8)
}

@Suite("Classic replies")
struct ClassicReplyTests {
    @Test("exit_code 0...255 is the status, -N (signal N) is 128+N, none is 0",
          arguments: [("\"exit_code\":0,", 0), ("\"exit_code\":255,", 255), ("\"exit_code\":-1,", 129),
                      ("\"exit_code\":-15,", 143), ("\"exit_code\":-64,", 192), ("", 0)] as [(String, Int32)])
    func status(_ members: String, _ status: Int32) throws {
        #expect(try ClassicReply(header("{\(members)\"total_size\":0}")).status == status)
    }

    @Test("any other exit_code is a protocol error",
          arguments: ["256", "-256", "-65", "-9223372036854775808", "9223372036854775807", "\"0\"", "0.0", "null", "true"])
    func invalid(_ code: String) throws {
        let frame = try header("{\"exit_code\":\(code),\"total_size\":0}")
        #expect(throws: ProtocolError.self) { try ClassicReply(frame) }
    }

    @Test("a body far larger than any read is passed on as it is fed, never held")
    func largeBody() throws {
        let size = 40 * 65_536 + 17
        var decoder = ClassicReply.decoder(maxBodySize: .max)
        decoder.feed(lengthPrefixed("{\"exit_code\":0,\"total_size\":\(size)}"))
        guard case .header(_, let bodySize)? = try decoder.nextPart() else { Issue.record("no header"); return }
        #expect(bodySize == size)
        var received = 0
        var ended = false
        let chunk = [UInt8](repeating: 0x5A, count: 65_536)
        while received < size {
            decoder.feed(chunk.prefix(size - received))
            while let part = try decoder.nextPart() {
                switch part {
                case .body(let piece): received += piece.count
                case .end: ended = true
                case .header: Issue.record("a second header")
                }
            }
            #expect(decoder.bufferedByteCount == 0)
        }
        #expect(received == size)
        #expect(ended)
    }

    @Test("a header may announce any size: nothing is allocated for it")
    func hugeSize() throws {
        var decoder = ClassicReply.decoder(maxBodySize: .max)
        decoder.feed(lengthPrefixed("{\"total_size\":9223372036854775807}") + [1, 2, 3])
        guard case .header(_, let bodySize)? = try decoder.nextPart() else { Issue.record("no header"); return }
        #expect(bodySize == Int.max)
        #expect(try decoder.nextPart() == .body([1, 2, 3]))
        #expect(try decoder.nextPart() == nil)
    }
}
