#!/usr/bin/env python3
"""Writes the hand-made seed corpus of the fuzz targets into fuzz/corpus/.

The packets are built here byte by byte from the MQTT 3.1, 3.1.1 and 5.0
specifications, independently of the codec under test. Decoder seeds named
`valid-*` must decode without error (mqtt-proto/tests/fuzz_corpus.rs checks
it); `bad-*` seeds are malformed on purpose, to start the fuzzer near the
error paths. Structured targets (roundtrip, chunked) get one seed per
(version, packet kind) selector pair: bytes 0 and 1 pick them, the rest is
deterministic filler.

Run from the repository root: python3 fuzz/seeds.py
"""

import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def vbi(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        if n:
            b |= 0x80
        out.append(b)
        if not n:
            return bytes(out)


def s(text):
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return struct.pack(">H", len(raw)) + raw


def u16(n):
    return struct.pack(">H", n)


def u32(n):
    return struct.pack(">I", n)


def frame(first, body):
    return bytes([first]) + vbi(len(body)) + body


def props(*items):
    body = b"".join(items)
    return vbi(len(body)) + body


# MQTT 5 properties (id byte + value), v5 section 2.2.2.2
def p_byte(pid, v):
    return bytes([pid, v])


def p_u16(pid, v):
    return bytes([pid]) + u16(v)


def p_u32(pid, v):
    return bytes([pid]) + u32(v)


def p_str(pid, v):
    return bytes([pid]) + s(v)


def p_vbi(pid, v):
    return bytes([pid]) + vbi(v)


def p_user(k, v):
    return bytes([0x26]) + s(k) + s(v)


def connect(version, will=True, login=True):
    name, level = {3: ("MQIsdp", 3), 4: ("MQTT", 4), 5: ("MQTT", 5)}[version]
    flags = 0x02  # clean session
    if will:
        flags |= 0x04 | (1 << 3) | 0x20  # will, QoS 1, retain
    if login:
        flags |= 0x80 | 0x40
    body = s(name) + bytes([level, flags]) + u16(30)
    if version == 5:
        body += props(
            p_u32(0x11, 3600),
            p_u16(0x21, 20),
            p_u32(0x27, 65536),
            p_u16(0x22, 10),
            p_byte(0x19, 1),
            p_byte(0x17, 0),
            p_user("app", "seed"),
        )
    body += s("seed-client")
    if will:
        if version == 5:
            body += props(p_u32(0x18, 5), p_byte(0x01, 1), p_u32(0x02, 60),
                          p_str(0x03, "text/plain"), p_str(0x08, "replies/seed"),
                          bytes([0x09]) + s(b"\x01\x02"), p_user("k", "v"))
        body += s("clients/seed/status") + s(b"gone")
    if login:
        body += s("user") + s(b"pass\x00word")
    return frame(0x10, body)


def connack(version, code=0, session=False):
    flags = 1 if session else 0
    body = bytes([flags, code])
    if version == 5:
        body += props(
            p_u32(0x11, 120), p_u16(0x21, 100), p_byte(0x24, 1), p_byte(0x25, 1),
            p_u32(0x27, 1 << 20), p_str(0x12, "assigned-id"), p_u16(0x22, 5),
            p_str(0x1F, "welcome"), p_byte(0x28, 1), p_byte(0x29, 1), p_byte(0x2A, 0),
            p_u16(0x13, 60), p_str(0x1A, "resp/info"), p_str(0x1C, "other.example"),
            p_user("server", "seed"),
        )
    return frame(0x20, body)


def publish(version, qos, payload=b"hello", topic="sensors/a/temp", dup=False, retain=False,
            pid=1, properties=None):
    first = 0x30 | (qos << 1) | (0x08 if dup else 0) | (0x01 if retain else 0)
    body = s(topic)
    if qos:
        body += u16(pid)
    if version == 5:
        body += properties if properties is not None else props()
    return frame(first, body + payload)


def pub_response(version, kind, pid=7, code=None):
    first = {"puback": 0x40, "pubrec": 0x50, "pubrel": 0x62, "pubcomp": 0x70}[kind]
    body = u16(pid)
    if version == 5 and code is not None:
        body += bytes([code]) + props(p_str(0x1F, "why"), p_user("a", "b"))
    return frame(first, body)


def subscribe(version):
    body = u16(10)
    if version == 5:
        body += props(p_vbi(0x0B, 300), p_user("x", "y"))
        body += s("a/+/c") + bytes([0x01 | 0x04 | 0x08 | (1 << 4)])  # QoS1 NL RAP RH=1
        body += s("$share/grp/jobs/#") + bytes([0x02])
        body += s("#") + bytes([0x00 | (2 << 4)])
    else:
        body += s("a/+/c") + bytes([1]) + s("b/#") + bytes([2]) + s("#") + bytes([0])
    return frame(0x82, body)


def suback(version):
    body = u16(10)
    if version == 5:
        body += props(p_str(0x1F, "ok"))
        body += bytes([0x01, 0x02, 0x00, 0x80, 0x87, 0x9E, 0xA1, 0xA2])
    elif version == 4:
        body += bytes([0x01, 0x02, 0x00, 0x80])
    else:
        body += bytes([0x01, 0x02, 0x00])
    return frame(0x90, body)


def unsubscribe(version):
    body = u16(11)
    if version == 5:
        body += props(p_user("u", "v"))
    body += s("a/+/c") + s("b/#")
    return frame(0xA2, body)


def unsuback(version):
    body = u16(11)
    if version == 5:
        body += props(p_str(0x1F, "done")) + bytes([0x00, 0x11])
    return frame(0xB0, body)


def disconnect(version):
    if version == 5:
        return frame(0xE0, bytes([0x04]) + props(p_u32(0x11, 0), p_str(0x1F, "bye")))
    return frame(0xE0, b"")


def auth():
    return frame(0xF0, bytes([0x18]) + props(p_str(0x15, "SCRAM-SHA-1"),
                                             bytes([0x16]) + s(b"\x00\x01\x02"),
                                             p_str(0x1F, "continue")))


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def decoder_seeds(version, target):
    valid = {
        "connect": connect(version),
        "connect-bare": connect(version, will=False, login=False),
        "connack": connack(version, 0, session=version != 3),
        "connack-refused": connack(version, 0x87 if version == 5 else 5),
        "publish-qos0": publish(version, 0),
        "publish-qos1": publish(version, 1, dup=True, pid=0x1234),
        "publish-qos2-retain": publish(version, 2, retain=True, pid=0xFFFF),
        "publish-empty-payload": publish(version, 0, payload=b""),
        "publish-utf8-topic": publish(version, 1, topic="capteurs/été/温度", pid=9),
        "publish-300B": publish(version, 0, payload=bytes(range(256)) + b"x" * 44),
        "puback": pub_response(version, "puback"),
        "pubrec": pub_response(version, "pubrec"),
        "pubrel": pub_response(version, "pubrel"),
        "pubcomp": pub_response(version, "pubcomp"),
        "subscribe": subscribe(version),
        "suback": suback(version),
        "unsubscribe": unsubscribe(version),
        "unsuback": unsuback(version),
        "pingreq": frame(0xC0, b""),
        "pingresp": frame(0xD0, b""),
        "disconnect": disconnect(version),
    }
    if version == 5:
        valid["auth"] = auth()
        valid["puback-reason"] = pub_response(5, "puback", code=0x10)
        valid["pubrel-reason"] = pub_response(5, "pubrel", code=0x92)
        valid["publish-props"] = publish(
            5, 1, pid=3, topic="",
            properties=props(p_u16(0x23, 4), p_byte(0x01, 1), p_u32(0x02, 30),
                             p_str(0x03, "application/json"), p_str(0x08, "reply/to"),
                             bytes([0x09]) + s(b"corr"), p_vbi(0x0B, 1), p_vbi(0x0B, 268435455),
                             p_user("k", "v"), p_user("k", "v2")))
        valid["disconnect-short"] = frame(0xE0, b"")
    if version == 3:
        # MQTT 3.1 allowed DUP on a resent SUBSCRIBE / UNSUBSCRIBE / PUBREL.
        valid["subscribe-dup"] = bytes([0x8A]) + subscribe(3)[1:]
    for name, data in valid.items():
        write(target, "valid-" + name, data)
    write(target, "valid-stream", b"".join(valid.values()))

    bad = {
        "reserved-type": frame(0x00, b""),
        "publish-qos3": bytes([0x36]) + publish(version, 1)[1:],
        "publish-dup-qos0": bytes([0x38]) + publish(version, 0)[1:],
        "publish-wildcard": publish(version, 0, topic="a/+"),
        "remaining-length-5-bytes": bytes([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]),
        "remaining-length-non-minimal": bytes([0xC0, 0x80, 0x00]),
        "pubrel-bad-flags": bytes([0x60, 0x02, 0x00, 0x01]),
        "puback-zero-id": bytes([0x40, 0x02, 0x00, 0x00]),
        "subscribe-empty": frame(0x82, u16(1) + (props() if version == 5 else b"")),
        "string-crosses-end": frame(0x30, u16(100) + b"abc"),
        "utf8-surrogate": frame(0x30, u16(3) + b"\xed\xa0\x80" + (props() if version == 5 else b"") + b"p"),
        "utf8-null": publish(version, 0, topic="a\x00b"),
        "pingreq-trailing": frame(0xC0, b"\x00"),
        "truncated-connect": connect(version)[:20],
    }
    if version == 5:
        bad["duplicate-property"] = publish(5, 0, properties=props(p_u32(0x02, 1), p_u32(0x02, 2)))
        bad["property-not-allowed"] = publish(5, 0, properties=props(p_u32(0x11, 1)))
        bad["unknown-reason"] = pub_response(5, "puback", code=0x05)
        bad["topic-alias-zero"] = publish(5, 0, properties=props(p_u16(0x23, 0)))
        bad["empty-topic-no-alias"] = publish(5, 0, topic="")
    else:
        bad["auth-before-v5"] = frame(0xF0, b"")
    for name, data in bad.items():
        write(target, "bad-" + name, data)


def filler(seed, n):
    out = bytearray()
    x = seed * 2654435761 % (1 << 32) or 1
    for _ in range(n):
        x = (x * 1103515245 + 12345) % (1 << 31)
        out.append((x >> 16) & 0xFF)
    return bytes(out)


def structured_seeds():
    for v in range(3):
        kinds = 15 if v == 2 else 14
        for k in range(kinds):
            write("roundtrip", "seed-v%d-kind%02d" % (v, k), bytes([v, k]) + filler(v * 16 + k, 96))
        for c in range(1, 8):
            data = bytes([v, c])
            for i in range(c):
                data += bytes([(i * 5) % kinds]) + filler(v * 100 + c * 10 + i, 40)
            write("chunked", "seed-v%d-count%d" % (v, c), data)
    # client: a configuration, then handle_connected (op 7), a CONNACK
    # (op 8, kind 0, Success), then a mix of publishes, broker packets and
    # time steps; the fuzzer takes it from there.
    for v in range(3):
        cfg = bytes([v, 0, 1, 1, 1, 3, 8, v % 2, 1, 0, 0, 1, 0, 0, 0, 7])
        if v == 2:
            cfg += bytes([0, 3, 2, 1, 0])
        connack = bytes([7, 8, 0, 0, 0, 1, 3, 1])
        for m in range(4):
            traffic = filler(v * 10 + m, 160)
            write("client", "seed-v%d-mix%d" % (v, m), cfg + connack + traffic)


def main():
    decoder_seeds(3, "decode_v3_1")
    decoder_seeds(4, "decode_v3_1_1")
    decoder_seeds(5, "decode_v5")
    structured_seeds()


if __name__ == "__main__":
    main()
