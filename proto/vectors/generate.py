#!/usr/bin/env python3
"""Writes the protocol test vectors from an independent implementation of the
framing (struct.pack('<I') + json.dumps), so the Swift codec is checked against
code that is not itself. Run it from anywhere: python3 proto/vectors/generate.py

A vector's wire bytes are "parts": hex strings, and {"fill": HEX, "count": N}
for long runs, concatenated in order.
"""
import hashlib
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
PREFACE = "00525348"


def frame(header, body=b"", **dumps):
    """header: a list of (key, value) pairs, in wire order."""
    text = json.dumps(dict(header), separators=(",", ":"), ensure_ascii=False, **dumps).encode()
    return struct.pack("<I", len(text)).hex() + text.hex() + body.hex()


def raw(header_bytes, body=b""):
    return struct.pack("<I", len(header_bytes)).hex() + header_bytes.hex() + body.hex()


def padded(prefix, fill, count, suffix):
    """A frame whose header has a long run of one byte, written compactly."""
    header_length = len(prefix) + count + len(suffix)
    return [struct.pack("<I", header_length).hex() + prefix.hex(), {"fill": fill.hex(), "count": count}, suffix.hex()]


def valid(name, direction, header, body=b"", canonical=True, parts=None, note=None):
    vector = {"name": name, "direction": direction,
              "parts": parts or [frame(header, body)],
              "header": dict(header), "body": body.hex(), "canonical": canonical}
    if note:
        vector["note"] = note
    return vector


all_bytes = bytes(range(256))
valid_vectors = [
    valid("client hello", "client", [("type", "hello"), ("version", 1), ("client", "rsh/0.1.0"), ("total_size", 0)]),
    valid("exec with cmd", "client", [("type", "exec"), ("id", 1), ("cmd", "echo hi"), ("total_size", 0)]),
    valid("exec with argv, env, cwd, timeout and stdin", "client",
          [("type", "exec"), ("id", 7), ("argv", ["printf", "%s\\n", "a b", "'q'"]), ("env", {"A": "1", "LANG": "C"}),
           ("cwd", "/tmp"), ("timeout_ms", 1500), ("stdin", True), ("total_size", 0)]),
    valid("exec with non-ASCII and escaped text", "client",
          [("type", "exec"), ("id", 2), ("cmd", "echo \u4f60\u597d \"q\"\n\t\u00e9\U0001F600"), ("total_size", 0)]),
    valid("exec with \\u escapes (same meaning, other bytes)", "client",
          [("type", "exec"), ("id", 3), ("cmd", "caf\u00e9 \U0001F600"), ("total_size", 0)],
          canonical=False, parts=[raw(b'{"type":"exec","id":3,"cmd":"caf\\u00e9 \\ud83d\\ude00","total_size":0}')]),
    valid("header with whitespace and another key order", "client",
          [("type", "ping"), ("total_size", 0)], canonical=False,
          parts=[raw(b' {\r\n "total_size" : 0 ,\t"type": "ping" } ')]),
    valid("unknown header fields are ignored", "client",
          [("type", "ping"), ("x-future", {"nested": [1, 2.5, None, False]}), ("total_size", 0)], canonical=False),
    valid("stdin with text", "client", [("type", "stdin"), ("id", 7), ("total_size", 6)], b"hello\n"),
    valid("stdin with every byte value", "client", [("type", "stdin"), ("id", 7), ("total_size", 256)], all_bytes),
    valid("eof", "client", [("type", "eof"), ("id", 7), ("total_size", 0)]),
    valid("signal", "client", [("type", "signal"), ("id", 7), ("signal", "INT"), ("total_size", 0)]),
    valid("ping", "client", [("type", "ping"), ("total_size", 0)]),
    valid("server hello", "server",
          [("type", "hello"), ("version", 1), ("server", "rshd/0.1.0"), ("mode", "coroutine"), ("auth", "none"), ("total_size", 0)]),
    valid("stdout", "server", [("type", "stdout"), ("id", 1), ("total_size", 3)], b"hi\n"),
    valid("stderr with binary bytes", "server", [("type", "stderr"), ("id", 1), ("total_size", 4)], b"\x00\xff\xfe\n"),
    valid("exit with a code", "server",
          [("type", "exit"), ("id", 1), ("code", 3), ("signal", None), ("timed_out", False), ("duration_ms", 12), ("total_size", 0)]),
    valid("exit by signal after a timeout", "server",
          [("type", "exit"), ("id", 9), ("code", None), ("signal", "KILL"), ("timed_out", True), ("duration_ms", 3001), ("total_size", 0)]),
    valid("request error", "server",
          [("type", "error"), ("code", "duplicate_id"), ("message", "command 1 is still running"), ("id", 1), ("total_size", 0)]),
    valid("connection error", "server",
          [("type", "error"), ("code", "bad_frame"), ("message", "header length 0 is outside 1...65536"), ("total_size", 0)]),
    valid("pong", "server", [("type", "pong"), ("total_size", 0)]),
    valid("server hello to a client that logged in with a public key over TLS", "server",
          [("type", "hello"), ("version", 1), ("server", "rshd/0.1.0"), ("mode", "coroutine"), ("auth", "publickey"),
           ("total_size", 0)]),
    valid("client hello asking for a stdin window", "client",
          [("type", "hello"), ("version", 1), ("client", "rsh/0.1.0"), ("stdin_window", True), ("total_size", 0)]),
    valid("server hello giving a stdin window", "server",
          [("type", "hello"), ("version", 1), ("server", "rshd/0.1.0"), ("mode", "threaded"), ("auth", "none"),
           ("stdin_window", 262144), ("total_size", 0)]),
    valid("server hello giving a stdin window and an upload window", "server",
          [("type", "hello"), ("version", 1), ("server", "rshd/0.1.0"), ("mode", "threaded"), ("auth", "none"),
           ("stdin_window", 262144), ("upload_window", 4194304), ("total_size", 0)]),
    valid("stdin_ack", "server", [("type", "stdin_ack"), ("id", 7), ("bytes", 131072), ("total_size", 0)]),
    valid("exec with a pty", "client",
          [("type", "exec"), ("id", 4), ("cmd", "vim notes.txt"),
           ("pty", {"cols": 100, "rows": 40, "term": "xterm-256color"}), ("total_size", 0)]),
    valid("exec of the login shell with a pty and its size in pixels", "client",
          [("type", "exec"), ("id", 5), ("login_shell", True),
           ("pty", {"cols": 80, "rows": 24, "term": "xterm", "xpixels": 640, "ypixels": 480}), ("total_size", 0)]),
    valid("resize", "client", [("type", "resize"), ("id", 4), ("rows", 50), ("cols", 132), ("total_size", 0)]),
    valid("resize with the size in pixels", "client",
          [("type", "resize"), ("id", 4), ("rows", 65535), ("cols", 0), ("xpixels", 1920), ("ypixels", 1080), ("total_size", 0)]),
    # File requests and their replies (section 11).
    valid("stat", "client", [("type", "stat"), ("id", 11), ("path", "notes"), ("total_size", 0)]),
    valid("list", "client", [("type", "list"), ("id", 12), ("path", "/srv/data"), ("total_size", 0)]),
    valid("mkdir", "client", [("type", "mkdir"), ("id", 13), ("path", "backup/2024"), ("mode", 0o755), ("total_size", 0)]),
    valid("symlink", "client", [("type", "symlink"), ("id", 14), ("path", "current"), ("target", "backup/2024"), ("total_size", 0)]),
    valid("set_attributes", "client",
          [("type", "set_attributes"), ("id", 15), ("path", "backup"), ("mode", 0o555), ("mtime", 1700000000),
           ("mtime_ns", 250000000), ("total_size", 0)]),
    valid("upload", "client",
          [("type", "upload"), ("id", 16), ("path", "~/notes/a \"b\"\n-\u00e9.txt"), ("size", 6), ("mode", 0o644),
           ("mtime", 1700000000), ("total_size", 0)]),
    valid("upload of 5 GiB, without mtime", "client",
          [("type", "upload"), ("id", 17), ("path", "disk.img"), ("size", 5 * 1024 ** 3), ("mode", 0o600), ("total_size", 0)]),
    valid("file_data from the client", "client", [("type", "file_data"), ("id", 16), ("total_size", 6)], b"hello\n"),
    valid("file_end from the client", "client",
          [("type", "file_end"), ("id", 16), ("sha256", hashlib.sha256(b"hello\n").hexdigest()), ("total_size", 0)]),
    valid("download", "client", [("type", "download"), ("id", 18), ("path", "notes/a.txt"), ("total_size", 0)]),
    valid("file_info of a file", "server",
          [("type", "file_info"), ("id", 18), ("kind", "file"), ("size", 6), ("mode", 0o644), ("mtime", 1700000000),
           ("mtime_ns", 123456789), ("total_size", 0)]),
    valid("file_info before 1970", "server",
          [("type", "file_info"), ("id", 11), ("kind", "directory"), ("size", 4096), ("mode", 0o1777), ("mtime", -1),
           ("mtime_ns", 999999999), ("total_size", 0)]),
    valid("entry of a symbolic link", "server",
          [("type", "entry"), ("id", 12), ("name", "current"), ("kind", "symlink"), ("size", 11), ("mode", 0o777),
           ("mtime", 1700000000), ("target", "backup/2024"), ("total_size", 0)]),
    valid("file_data from the server", "server", [("type", "file_data"), ("id", 18), ("total_size", 6)], b"hello\n"),
    valid("file_end from the server", "server",
          [("type", "file_end"), ("id", 18), ("sha256", hashlib.sha256(b"hello\n").hexdigest()), ("total_size", 0)]),
    valid("file_ack", "server", [("type", "file_ack"), ("id", 16), ("bytes", 131072), ("total_size", 0)]),
    valid("done", "server", [("type", "done"), ("id", 16), ("total_size", 0)]),
    valid("done of a listing that skipped names", "server", [("type", "done"), ("id", 12), ("skipped", 2), ("total_size", 0)]),
    valid("a file error", "server",
          [("type", "error"), ("code", "hash_mismatch"), ("message", "/root/a.txt: the bytes that arrived have another SHA-256"),
           ("id", 16), ("total_size", 0)]),
    # Boundaries: the largest header and the largest body.
    valid("header of exactly 65536 bytes", "client", [("type", "ping"), ("pad", "x" * 65497), ("total_size", 0)],
          canonical=False, parts=padded(b'{"type":"ping","pad":"', b"x", 65497, b'","total_size":0}')),
    {"name": "body of exactly 1048576 bytes", "direction": "client",
     "parts": [frame([("type", "stdin"), ("id", 1), ("total_size", 1048576)]), {"fill": "61", "count": 1048576}],
     "header": {"type": "stdin", "id": 1, "total_size": 1048576}, "body_fill": {"fill": "61", "count": 1048576},
     "canonical": True},
]
assert len(json.dumps(dict([("type", "ping"), ("pad", "x" * 65497), ("total_size", 0)]), separators=(",", ":"))) == 65536


def invalid(name, parts, error, note=None):
    vector = {"name": name, "parts": parts if isinstance(parts, list) else [parts], "error": error}
    if note:
        vector["note"] = note
    return vector


def length(n):
    return struct.pack("<I", n).hex()


invalid_vectors = [
    invalid("header length 0", length(0), "bad_frame"),
    invalid("header length 65537", length(65537), "bad_frame", "rejected from the 4 length bytes alone"),
    invalid("header length 0x7fffffff", length(0x7FFFFFFF), "bad_frame"),
    invalid("header length 0x80000000", length(0x80000000), "bad_frame"),
    invalid("header length 0xffffffff", length(0xFFFFFFFF), "bad_frame"),
    invalid("header of 65537 bytes, all present", padded(b'{"type":"ping","pad":"', b"x", 65498, b'","total_size":0}'), "bad_frame"),
    invalid("header is not JSON", raw(b"{"), "bad_frame"),
    invalid("header is a JSON array", raw(b"[]"), "bad_frame"),
    invalid("header is a JSON string", raw(b'"ping"'), "bad_frame"),
    invalid("trailing bytes after the header object", raw(b'{"type":"ping","total_size":0}x'), "bad_frame"),
    invalid("missing type", raw(b'{"total_size":0}'), "bad_frame"),
    invalid("type is a number", raw(b'{"type":5,"total_size":0}'), "bad_frame"),
    invalid("missing total_size", raw(b'{"type":"ping"}'), "bad_frame"),
    invalid("total_size -1", raw(b'{"type":"ping","total_size":-1}'), "bad_frame"),
    invalid("total_size 1.5", raw(b'{"type":"ping","total_size":1.5}'), "bad_frame"),
    invalid("total_size 5.0", raw(b'{"type":"ping","total_size":5.0}'), "bad_frame", "fractional notation is not an integer"),
    invalid("total_size 1e400", raw(b'{"type":"ping","total_size":1e400}'), "bad_frame"),
    invalid("total_size \"5\"", raw(b'{"type":"ping","total_size":"5"}'), "bad_frame"),
    invalid("total_size null", raw(b'{"type":"ping","total_size":null}'), "bad_frame"),
    invalid("total_size 1048577", raw(b'{"type":"stdin","id":1,"total_size":1048577}'), "bad_frame"),
    invalid("total_size 2^63-1", raw(b'{"type":"stdin","id":1,"total_size":9223372036854775807}'), "bad_frame"),
    invalid("total_size 2^64", raw(b'{"type":"stdin","id":1,"total_size":18446744073709551616}'), "bad_frame"),
    invalid("duplicate total_size", raw(b'{"type":"stdin","id":1,"total_size":0,"total_size":5}'), "bad_frame"),
    invalid("invalid UTF-8 in the header", raw(b'{"type":"p\xffing","total_size":0}'), "bad_frame"),
    invalid("overlong UTF-8 encoding", raw(b'{"type":"\xc0\xafping","total_size":0}'), "bad_frame"),
    invalid("lone surrogate escape", raw(b'{"type":"ping","x":"\\ud800","total_size":0}'), "bad_frame"),
    invalid("raw control character in a string", raw(b'{"type":"ping","x":"a\x01b","total_size":0}'), "bad_frame"),
    invalid("nesting deeper than the limit", raw(b'{"type":"ping","total_size":0,"x":[[[[[[[[1]]]]]]]]}'), "bad_frame"),
    invalid("nesting 65,000 deep", padded(b'{"type":"ping","total_size":0,"x":', b"[", 65000, b""), "bad_frame",
            "as deep as fits under the header length limit; the parser stops at depth 9"),
    invalid("leading zero in a number", raw(b'{"type":"ping","total_size":00}'), "bad_frame"),
    invalid("unknown type", frame([("type", "bogus"), ("total_size", 0)]), "unknown_type"),
    invalid("exec without id", frame([("type", "exec"), ("cmd", "true"), ("total_size", 0)]), "bad_request",
            "no id to name, so the error ends the connection"),
    invalid("exec with a fractional id", frame([("type", "exec"), ("id", 1.5), ("cmd", "true"), ("total_size", 0)]), "bad_request"),
    invalid("exec with cmd and argv", frame([("type", "exec"), ("id", 1), ("cmd", "true"), ("argv", ["true"]), ("total_size", 0)]), "bad_request"),
    invalid("exec with neither cmd nor argv", frame([("type", "exec"), ("id", 1), ("total_size", 0)]), "bad_request"),
    invalid("exec with empty argv", frame([("type", "exec"), ("id", 1), ("argv", []), ("total_size", 0)]), "bad_request"),
    invalid("exec with a non-string env value", frame([("type", "exec"), ("id", 1), ("cmd", "env"), ("env", {"A": 1}), ("total_size", 0)]), "bad_request"),
    invalid("exec with '=' in an env name", frame([("type", "exec"), ("id", 1), ("cmd", "env"), ("env", {"A=B": "1"}), ("total_size", 0)]), "bad_request"),
    invalid("exec with a NUL in cmd", frame([("type", "exec"), ("id", 1), ("cmd", "echo \u0000"), ("total_size", 0)]), "bad_request"),
    invalid("exec with a NUL in an argv word", frame([("type", "exec"), ("id", 1), ("argv", ["echo", "a\u0000b"]), ("total_size", 0)]), "bad_request"),
    invalid("exec with a NUL in an env name", frame([("type", "exec"), ("id", 1), ("cmd", "env"), ("env", {"A\u0000B": "1"}), ("total_size", 0)]), "bad_request"),
    invalid("exec with a NUL in an env value", frame([("type", "exec"), ("id", 1), ("cmd", "env"), ("env", {"A": "1\u00002"}), ("total_size", 0)]), "bad_request"),
    invalid("exec with a NUL in cwd", frame([("type", "exec"), ("id", 1), ("cmd", "pwd"), ("cwd", "/tmp\u0000/x"), ("total_size", 0)]), "bad_request"),
    invalid("exec with timeout_ms 0", frame([("type", "exec"), ("id", 1), ("cmd", "true"), ("timeout_ms", 0), ("total_size", 0)]), "bad_request"),
    invalid("exec with a body", frame([("type", "exec"), ("id", 1), ("cmd", "true"), ("total_size", 1)], b"x"), "bad_request"),
    invalid("exec with login_shell and cmd", frame([("type", "exec"), ("id", 1), ("cmd", "true"), ("login_shell", True), ("total_size", 0)]), "bad_request"),
    invalid("exec with login_shell false and nothing else", frame([("type", "exec"), ("id", 1), ("login_shell", False), ("total_size", 0)]), "bad_request"),
    invalid("exec with a pty that is not an object", frame([("type", "exec"), ("id", 1), ("cmd", "true"), ("pty", "xterm"), ("total_size", 0)]), "bad_request"),
    invalid("exec with a pty without term", frame([("type", "exec"), ("id", 1), ("cmd", "true"), ("pty", {"rows": 24, "cols": 80}), ("total_size", 0)]), "bad_request"),
    invalid("exec with a pty without rows", frame([("type", "exec"), ("id", 1), ("cmd", "true"), ("pty", {"term": "xterm", "cols": 80}), ("total_size", 0)]), "bad_request"),
    invalid("exec with a pty of 65536 rows", frame([("type", "exec"), ("id", 1), ("cmd", "true"), ("pty", {"term": "xterm", "rows": 65536, "cols": 80}), ("total_size", 0)]), "bad_request"),
    invalid("exec with a pty of -1 columns", frame([("type", "exec"), ("id", 1), ("cmd", "true"), ("pty", {"term": "xterm", "rows": 24, "cols": -1}), ("total_size", 0)]), "bad_request"),
    invalid("exec with a NUL in the pty's term", frame([("type", "exec"), ("id", 1), ("cmd", "true"), ("pty", {"term": "xt\u0000erm", "rows": 24, "cols": 80}), ("total_size", 0)]), "bad_request"),
    invalid("resize without id", frame([("type", "resize"), ("rows", 24), ("cols", 80), ("total_size", 0)]), "bad_request"),
    invalid("resize without cols", frame([("type", "resize"), ("id", 1), ("rows", 24), ("total_size", 0)]), "bad_request"),
    invalid("resize with fractional rows", frame([("type", "resize"), ("id", 1), ("rows", 24.5), ("cols", 80), ("total_size", 0)]), "bad_request"),
    invalid("resize with xpixels 65536", frame([("type", "resize"), ("id", 1), ("rows", 24), ("cols", 80), ("xpixels", 65536), ("total_size", 0)]), "bad_request"),
    invalid("resize with a body", frame([("type", "resize"), ("id", 1), ("rows", 24), ("cols", 80), ("total_size", 1)], b"x"), "bad_request"),
    invalid("signal with an unknown name", frame([("type", "signal"), ("id", 1), ("signal", "SEGV"), ("total_size", 0)]), "bad_request"),
    invalid("eof with a body", frame([("type", "eof"), ("id", 1), ("total_size", 1)], b"x"), "bad_request"),
    invalid("hello with a string version", frame([("type", "hello"), ("version", "1"), ("total_size", 0)]), "bad_request"),
    invalid("upload without size", frame([("type", "upload"), ("id", 1), ("path", "a"), ("mode", 0o644), ("total_size", 0)]), "bad_request"),
    invalid("upload of -1 bytes", frame([("type", "upload"), ("id", 1), ("path", "a"), ("size", -1), ("mode", 0o644), ("total_size", 0)]), "bad_request"),
    invalid("upload with mode 0o10000", frame([("type", "upload"), ("id", 1), ("path", "a"), ("size", 1), ("mode", 0o10000), ("total_size", 0)]), "bad_request",
            "a mode is permission bits only, never the file's type"),
    invalid("upload with an empty path", frame([("type", "upload"), ("id", 1), ("path", ""), ("size", 1), ("mode", 0o644), ("total_size", 0)]), "bad_request"),
    invalid("upload with a NUL in its path", frame([("type", "upload"), ("id", 1), ("path", "a\u0000b"), ("size", 1), ("mode", 0o644), ("total_size", 0)]), "bad_request"),
    invalid("upload with mtime_ns and no mtime", frame([("type", "upload"), ("id", 1), ("path", "a"), ("size", 1), ("mode", 0o644), ("mtime_ns", 5), ("total_size", 0)]), "bad_request"),
    invalid("upload with mtime_ns of a whole second", frame([("type", "upload"), ("id", 1), ("path", "a"), ("size", 1), ("mode", 0o644), ("mtime", 0), ("mtime_ns", 1000000000), ("total_size", 0)]), "bad_request"),
    invalid("upload with a body", frame([("type", "upload"), ("id", 1), ("path", "a"), ("size", 1), ("mode", 0o644), ("total_size", 1)], b"x"), "bad_request"),
    invalid("file_end with a short sha256", frame([("type", "file_end"), ("id", 1), ("sha256", "ab" * 31), ("total_size", 0)]), "bad_request"),
    invalid("file_end without id", frame([("type", "file_end"), ("sha256", "ab" * 32), ("total_size", 0)]), "bad_request",
            "no id to name, so the error ends the connection"),
    invalid("file_data without id", frame([("type", "file_data"), ("total_size", 1)], b"x"), "bad_request"),
    invalid("set_attributes with neither mode nor mtime", frame([("type", "set_attributes"), ("id", 1), ("path", "a"), ("total_size", 0)]), "bad_request"),
    invalid("symlink without a target", frame([("type", "symlink"), ("id", 1), ("path", "a"), ("total_size", 0)]), "bad_request"),
    invalid("mkdir without a mode", frame([("type", "mkdir"), ("id", 1), ("path", "a"), ("total_size", 0)]), "bad_request"),
    invalid("download without a path", frame([("type", "download"), ("id", 1), ("total_size", 0)]), "bad_request"),
]

HELLO = frame([("type", "hello"), ("version", 1), ("client", "vectors"), ("total_size", 0)])
WINDOWED_HELLO = frame([("type", "hello"), ("version", 1), ("client", "vectors"), ("stdin_window", True), ("total_size", 0)])


def exec_frame(id, cmd="true"):
    return frame([("type", "exec"), ("id", id), ("cmd", cmd), ("total_size", 0)])


def upload_frame(id, size, path="a.txt"):
    return frame([("type", "upload"), ("id", id), ("path", path), ("size", size), ("mode", 0o644), ("total_size", 0)])


def file_end_frame(id, content):
    return frame([("type", "file_end"), ("id", id), ("sha256", hashlib.sha256(content).hexdigest()), ("total_size", 0)])


session_vectors = [
    {"name": "handshake", "client": [PREFACE, HELLO], "expect": [{"send": "hello"}]},
    {"name": "ping", "client": [PREFACE, HELLO, frame([("type", "ping"), ("total_size", 0)])],
     "expect": [{"send": "hello"}, {"send": "pong"}]},
    {"name": "commands start in order", "client": [PREFACE, HELLO, exec_frame(1), exec_frame(2, "echo hi")],
     "expect": [{"send": "hello"}, {"start": 1}, {"start": 2}]},
    {"name": "wrong preface", "client": ["00525359", HELLO],
     "expect": [{"send": "error", "code": "bad_preface"}, {"close": True}]},
    {"name": "frame before hello", "client": [PREFACE, frame([("type", "ping"), ("total_size", 0)])],
     "expect": [{"send": "error", "code": "hello_required"}, {"close": True}]},
    {"name": "exec before hello", "client": [PREFACE, exec_frame(1)],
     "expect": [{"send": "error", "code": "hello_required"}, {"close": True}]},
    {"name": "unsupported version", "client": [PREFACE, frame([("type", "hello"), ("version", 2), ("total_size", 0)])],
     "expect": [{"send": "error", "code": "unsupported_version"}, {"close": True}]},
    {"name": "hello twice", "client": [PREFACE, HELLO, HELLO],
     "expect": [{"send": "hello"}, {"send": "error", "code": "bad_request"}, {"close": True}]},
    {"name": "duplicate id", "client": [PREFACE, HELLO, exec_frame(1), exec_frame(1)],
     "expect": [{"send": "hello"}, {"start": 1}, {"send": "error", "code": "duplicate_id", "id": 1}]},
    {"name": "too many execs", "max_execs": 2, "client": [PREFACE, HELLO, exec_frame(1), exec_frame(2), exec_frame(3)],
     "expect": [{"send": "hello"}, {"start": 1}, {"start": 2}, {"send": "error", "code": "too_many_execs", "id": 3}]},
    {"name": "a bad request does not end the connection",
     "client": [PREFACE, HELLO, frame([("type", "exec"), ("id", 4), ("total_size", 0)]), exec_frame(5)],
     "expect": [{"send": "hello"}, {"send": "error", "code": "bad_request", "id": 4}, {"start": 5}]},
    {"name": "a NUL in an env name is a bad request for that id only",
     "client": [PREFACE, HELLO, frame([("type", "exec"), ("id", 4), ("cmd", "env"), ("env", {"A\u0000B": "v"}), ("total_size", 0)]),
                exec_frame(5)],
     "expect": [{"send": "hello"}, {"send": "error", "code": "bad_request", "id": 4}, {"start": 5}]},
    {"name": "bad frame after the handshake", "client": [PREFACE, HELLO, length(0)],
     "expect": [{"send": "hello"}, {"send": "error", "code": "bad_frame"}, {"close": True}]},
    {"name": "bad frame tears down running commands", "client": [PREFACE, HELLO, exec_frame(1), length(70000)],
     "expect": [{"send": "hello"}, {"start": 1}, {"send": "error", "code": "bad_frame"}, {"close": True}, {"terminate": 1}]},
    {"name": "signal KILL tears the command down; other signals are delivered",
     "client": [PREFACE, HELLO, exec_frame(1),
                frame([("type", "signal"), ("id", 1), ("signal", "INT"), ("total_size", 0)]),
                frame([("type", "signal"), ("id", 1), ("signal", "KILL"), ("total_size", 0)])],
     "expect": [{"send": "hello"}, {"start": 1}, {"signal": 1, "name": "INT"}, {"terminate": 1}]},
    {"name": "stdin and eof reach a command that asked for stdin, and only it",
     "client": [PREFACE, HELLO,
                frame([("type", "exec"), ("id", 1), ("cmd", "cat"), ("stdin", True), ("total_size", 0)]), exec_frame(2),
                frame([("type", "stdin"), ("id", 1), ("total_size", 2)], b"ab"),
                frame([("type", "stdin"), ("id", 2), ("total_size", 2)], b"cd"),
                frame([("type", "stdin"), ("id", 99), ("total_size", 2)], b"ef"),
                frame([("type", "eof"), ("id", 1), ("total_size", 0)]),
                frame([("type", "eof"), ("id", 1), ("total_size", 0)])],
     "expect": [{"send": "hello"}, {"start": 1}, {"start": 2}, {"stdin": 1, "data": "6162"}, {"eof": 1}]},
    # stdin_window: the window the server offers (rshd: 262144).
    {"name": "a client that asked for a stdin window may fill it, and not one byte more",
     "stdin_window": 4,
     "client": [PREFACE, WINDOWED_HELLO,
                frame([("type", "exec"), ("id", 1), ("cmd", "sleep 9"), ("stdin", True), ("total_size", 0)]),
                frame([("type", "stdin"), ("id", 1), ("total_size", 3)], b"abc"),
                frame([("type", "stdin"), ("id", 1), ("total_size", 1)], b"d"),
                frame([("type", "stdin"), ("id", 1), ("total_size", 1)], b"e")],
     "expect": [{"send": "hello"}, {"start": 1}, {"stdin": 1, "data": "616263"}, {"stdin": 1, "data": "64"},
                {"send": "error", "code": "stdin_window_exceeded"}, {"close": True}, {"terminate": 1}]},
    {"name": "a client that did not ask for a stdin window has none",
     "stdin_window": 4,
     "client": [PREFACE, HELLO,
                frame([("type", "exec"), ("id", 1), ("cmd", "sleep 9"), ("stdin", True), ("total_size", 0)]),
                frame([("type", "stdin"), ("id", 1), ("total_size", 5)], b"abcde")],
     "expect": [{"send": "hello"}, {"start": 1}, {"stdin": 1, "data": "6162636465"}]},
    {"name": "stdin that is discarded counts against no window",
     "stdin_window": 4,
     "client": [PREFACE, WINDOWED_HELLO,
                frame([("type", "exec"), ("id", 1), ("cmd", "sleep 9"), ("stdin", True), ("total_size", 0)]),
                exec_frame(2),
                frame([("type", "stdin"), ("id", 2), ("total_size", 5)], b"abcde"),
                frame([("type", "stdin"), ("id", 9), ("total_size", 5)], b"abcde"),
                frame([("type", "stdin"), ("id", 1), ("total_size", 4)], b"abcd"),
                frame([("type", "eof"), ("id", 1), ("total_size", 0)]),
                frame([("type", "stdin"), ("id", 1), ("total_size", 5)], b"abcde")],
     "expect": [{"send": "hello"}, {"start": 1}, {"start": 2}, {"stdin": 1, "data": "61626364"}, {"eof": 1}]},
    {"name": "a command with a pty takes stdin, eof and resize; one without takes no resize",
     "client": [PREFACE, HELLO,
                frame([("type", "exec"), ("id", 1), ("login_shell", True), ("pty", {"cols": 80, "rows": 24, "term": "xterm"}),
                       ("total_size", 0)]),
                exec_frame(2),
                frame([("type", "stdin"), ("id", 1), ("total_size", 3)], b"ls\r"),
                frame([("type", "resize"), ("id", 1), ("rows", 50), ("cols", 132), ("total_size", 0)]),
                frame([("type", "resize"), ("id", 2), ("rows", 50), ("cols", 132), ("total_size", 0)]),
                frame([("type", "resize"), ("id", 99), ("rows", 50), ("cols", 132), ("total_size", 0)]),
                frame([("type", "eof"), ("id", 1), ("total_size", 0)]),
                frame([("type", "signal"), ("id", 1), ("signal", "HUP"), ("total_size", 0)])],
     "expect": [{"send": "hello"}, {"start": 1}, {"start": 2}, {"stdin": 1, "data": "6c730d"},
                {"resize": 1, "rows": 50, "cols": 132}, {"eof": 1}, {"signal": 1, "name": "HUP"}]},
    {"name": "a bad resize is a bad request for that id only",
     "client": [PREFACE, HELLO,
                frame([("type", "exec"), ("id", 1), ("cmd", "true"), ("pty", {"cols": 80, "rows": 24, "term": "xterm"}),
                       ("total_size", 0)]),
                frame([("type", "resize"), ("id", 1), ("rows", 70000), ("cols", 80), ("total_size", 0)]),
                frame([("type", "resize"), ("id", 1), ("rows", 25), ("cols", 81), ("total_size", 0)])],
     "expect": [{"send": "hello"}, {"start": 1}, {"send": "error", "code": "bad_request", "id": 1},
                {"resize": 1, "rows": 25, "cols": 81}]},
    # File requests (section 11). The driver's answers are not in the client's bytes:
    # these vectors show what the session asks of it, and what it refuses by itself.
    {"name": "an upload's data is written as it arrives, and its end hands the hash over",
     "client": [PREFACE, WINDOWED_HELLO, upload_frame(1, 5),
                frame([("type", "file_data"), ("id", 1), ("total_size", 3)], b"hel"),
                frame([("type", "file_data"), ("id", 1), ("total_size", 2)], b"lo"),
                file_end_frame(1, b"hello")],
     "expect": [{"send": "hello"}, {"perform": 1, "request": "upload"}, {"write": 1, "data": b"hel".hex()},
                {"write": 1, "data": b"lo".hex()}, {"commit": 1, "sha256": hashlib.sha256(b"hello").hexdigest()}]},
    {"name": "an upload that sends more than its size fails alone, and its later frames are dropped",
     "client": [PREFACE, WINDOWED_HELLO, upload_frame(1, 2),
                frame([("type", "file_data"), ("id", 1), ("total_size", 3)], b"abc"),
                frame([("type", "file_data"), ("id", 1), ("total_size", 1)], b"d"),
                file_end_frame(1, b"abcd"), exec_frame(2)],
     "expect": [{"send": "hello"}, {"perform": 1, "request": "upload"}, {"abort": 1},
                {"send": "error", "code": "size_mismatch", "id": 1}, {"start": 2}]},
    {"name": "an upload that ends short fails alone",
     "client": [PREFACE, WINDOWED_HELLO, upload_frame(1, 5),
                frame([("type", "file_data"), ("id", 1), ("total_size", 2)], b"ab"), file_end_frame(1, b"ab")],
     "expect": [{"send": "hello"}, {"perform": 1, "request": "upload"}, {"write": 1, "data": b"ab".hex()}, {"abort": 1},
                {"send": "error", "code": "size_mismatch", "id": 1}]},
    {"name": "upload data past the window ends the connection",
     "upload_window": 4,
     "client": [PREFACE, WINDOWED_HELLO, upload_frame(1, 10),
                frame([("type", "file_data"), ("id", 1), ("total_size", 3)], b"abc"),
                frame([("type", "file_data"), ("id", 1), ("total_size", 2)], b"de")],
     "expect": [{"send": "hello"}, {"perform": 1, "request": "upload"}, {"write": 1, "data": b"abc".hex()},
                {"send": "error", "code": "stdin_window_exceeded"}, {"close": True}, {"abort": 1}]},
    {"name": "file requests share the ids and the limit of commands",
     "max_execs": 2,
     "client": [PREFACE, HELLO, exec_frame(1), upload_frame(1, 1),
                frame([("type", "stat"), ("id", 2), ("path", "a"), ("total_size", 0)]),
                frame([("type", "download"), ("id", 3), ("path", "a"), ("total_size", 0)])],
     "expect": [{"send": "hello"}, {"start": 1}, {"send": "error", "code": "duplicate_id", "id": 1},
                {"perform": 2, "request": "stat"}, {"send": "error", "code": "too_many_execs", "id": 3}]},
    {"name": "file data and ends for ids that are no uploads are dropped",
     "client": [PREFACE, HELLO, frame([("type", "exec"), ("id", 1), ("cmd", "cat"), ("stdin", True), ("total_size", 0)]),
                frame([("type", "file_data"), ("id", 1), ("total_size", 1)], b"x"),
                frame([("type", "file_data"), ("id", 9), ("total_size", 1)], b"x"), file_end_frame(9, b""),
                frame([("type", "download"), ("id", 2), ("path", "a"), ("total_size", 0)]),
                frame([("type", "file_data"), ("id", 2), ("total_size", 1)], b"x"), file_end_frame(2, b"")],
     "expect": [{"send": "hello"}, {"start": 1}, {"perform": 2, "request": "download"}]},
    {"name": "a bad file request is a bad request for its id only",
     "client": [PREFACE, HELLO,
                frame([("type", "mkdir"), ("id", 4), ("path", "a"), ("mode", 70000), ("total_size", 0)]),
                frame([("type", "list"), ("id", 5), ("path", "."), ("total_size", 0)])],
     "expect": [{"send": "hello"}, {"send": "error", "code": "bad_request", "id": 4}, {"perform": 5, "request": "list"}]},
    {"name": "a fatal error drops the file requests in flight",
     "client": [PREFACE, HELLO, upload_frame(1, 10), frame([("type", "list"), ("id", 2), ("path", "."), ("total_size", 0)]),
                length(0)],
     "expect": [{"send": "hello"}, {"perform": 1, "request": "upload"}, {"perform": 2, "request": "list"},
                {"send": "error", "code": "bad_frame"}, {"close": True}, {"abort": 1}, {"abort": 2}]},
]


def write(name, vectors):
    with open(os.path.join(HERE, name), "w") as handle:
        json.dump(vectors, handle, indent=1, ensure_ascii=True)
        handle.write("\n")


write("frames.json", valid_vectors)
write("invalid-frames.json", invalid_vectors)
write("sessions.json", session_vectors)
print(f"{len(valid_vectors)} valid, {len(invalid_vectors)} invalid, {len(session_vectors)} session vectors")
