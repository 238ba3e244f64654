import Foundation
import RSHProtocol

/// The files in proto/vectors, read with Foundation's JSONDecoder: a JSON
/// implementation independent of the one under test.
enum VectorFiles {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("proto/vectors")

    static func load<T: Decodable>(_ name: String, as type: T.Type) -> T {
        let data = try! Data(contentsOf: directory.appendingPathComponent(name))
        return try! JSONDecoder().decode(T.self, from: data)
    }

    static let valid = load("frames.json", as: [ValidVector].self)
    static let invalid = load("invalid-frames.json", as: [InvalidVector].self)
    static let sessions = load("sessions.json", as: [SessionVector].self)
}

/// Wire bytes written as hex strings and `{"fill": HEX, "count": N}` runs.
enum WirePart: Decodable {
    case hex(String)
    case fill(UInt8, Int)

    init(from decoder: Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            self = .hex(text)
            return
        }
        struct Fill: Decodable { let fill: String; let count: Int }
        let fill = try Fill(from: decoder)
        self = .fill(hexBytes(fill.fill)[0], fill.count)
    }

    static func assemble(_ parts: [WirePart]) -> [UInt8] {
        var bytes: [UInt8] = []
        for part in parts {
            switch part {
            case .hex(let text): bytes += hexBytes(text)
            case .fill(let byte, let count): bytes += repeatElement(byte, count: count)
            }
        }
        return bytes
    }
}

func hexBytes(_ text: String) -> [UInt8] { Hex.decode(text)! }

/// Any JSON value, decoded by Foundation and converted to the codec's JSONValue for comparison.
struct ForeignJSON: Decodable {
    let value: JSONValue

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { value = .null }
        else if let flag = try? container.decode(Bool.self) { value = .bool(flag) }
        else if let integer = try? container.decode(Int64.self) { value = .integer(integer) }
        else if let number = try? container.decode(Double.self) { value = .number(number) }
        else if let text = try? container.decode(String.self) { value = .string(text) }
        else if let array = try? container.decode([ForeignJSON].self) { value = .array(array.map(\.value)) }
        else { value = .object(try container.decode([String: ForeignJSON].self).mapValues(\.value)) }
    }
}

struct ValidVector: Decodable, CustomTestStringConvertible {
    let name: String
    let direction: String
    let parts: [WirePart]
    let header: [String: ForeignJSON]
    let body: String?
    let bodyFill: BodyFill?
    let canonical: Bool

    struct BodyFill: Decodable { let fill: String; let count: Int }

    enum CodingKeys: String, CodingKey {
        case name, direction, parts, header, body, canonical
        case bodyFill = "body_fill"
    }

    var bytes: [UInt8] { WirePart.assemble(parts) }
    var expectedHeader: [String: JSONValue] { header.mapValues(\.value) }
    var expectedBody: [UInt8] {
        if let bodyFill { return Array(repeating: hexBytes(bodyFill.fill)[0], count: bodyFill.count) }
        return hexBytes(body ?? "")
    }
    var testDescription: String { name }
}

struct InvalidVector: Decodable, CustomTestStringConvertible {
    let name: String
    let parts: [WirePart]
    let error: String
    var bytes: [UInt8] { WirePart.assemble(parts) }
    var testDescription: String { name }
}

struct SessionVector: Decodable, CustomTestStringConvertible {
    let name: String
    let client: [String]
    let maxExecs: Int?
    /// The stdin window the server offers; rshd's default when absent.
    let stdinWindow: Int?
    /// The upload window the server offers; rshd's default when absent.
    let uploadWindow: Int?
    let expect: [ExpectedAction]

    enum CodingKeys: String, CodingKey {
        case name, client, expect
        case maxExecs = "max_execs"
        case stdinWindow = "stdin_window"
        case uploadWindow = "upload_window"
    }

    var configuration: ServerSession.Configuration {
        var configuration = RSHProtocolTests.configuration(maxExecs: maxExecs ?? 16)
        configuration.stdinWindow = stdinWindow ?? Limits.defaultStdinWindow
        configuration.uploadWindow = uploadWindow ?? Limits.defaultUploadWindow
        return configuration
    }

    struct ExpectedAction: Decodable, Equatable, CustomStringConvertible {
        var send: String?
        var code: String?
        var id: Int64?
        var start: Int64?
        var close: Bool?
        var terminate: Int64?
        var signal: Int64?
        var name: String?
        var stdin: Int64?
        var data: String?
        var eof: Int64?
        var resize: Int64?
        var rows: Int?
        var cols: Int?
        var perform: Int64?
        var request: String?
        var write: Int64?
        var commit: Int64?
        var sha256: String?
        var abort: Int64?

        var description: String {
            [send.map { "send \($0)" }, code, id.map { "id \($0)" }, start.map { "start \($0)" }, close.map { _ in "close" },
             terminate.map { "terminate \($0)" }, signal.map { "signal \($0)" }, name, stdin.map { "stdin \($0)" }, data,
             eof.map { "eof \($0)" }, resize.map { "resize \($0)" }, rows.map { "rows \($0)" },
             cols.map { "cols \($0)" }, perform.map { "perform \($0)" }, request, write.map { "write \($0)" },
             commit.map { "commit \($0)" }, sha256, abort.map { "abort \($0)" }].compactMap { $0 }.joined(separator: " ")
        }
    }

    var bytes: [UInt8] { client.flatMap(hexBytes) }
    var testDescription: String { name }
}

import Testing
