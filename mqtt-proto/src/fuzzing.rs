//! Entry points shared by the cargo-fuzz targets and the stable corpus replay test (not public API).
//!
//! Each function here is the whole body of one fuzz target in `fuzz/fuzz_targets/`:
//! the target only forwards libFuzzer's bytes, and `tests/fuzz_corpus.rs` replays
//! every file of `fuzz/corpus/<target>/` through the same function on stable.
//! A failed check panics, which libFuzzer reports as a crash.
//!
//! Structured targets read their input through [`Source`], a small byte reader
//! in the spirit of `arbitrary::Unstructured` (kept here, without the
//! dependency, so that the core keeps its two dependencies and a corpus file
//! means the same thing under libFuzzer and under `cargo test`). When the bytes
//! run out every read returns zero, so any input builds some valid value.

use crate::codec::{
    check_frame, decode as decode_stream, decode_packet, decode_packet_ref, decode_ref, encode,
    encoded_len, DecodeError, FrameStatus, Packet,
};
use crate::ProtocolVersion;
use alloc::vec::Vec;
use bytes::{Bytes, BytesMut};

/// Maximum packet size used by the fuzz targets: large enough for anything a
/// fuzz input can describe, small enough that no input can ask for more.
pub const MAX_PACKET: usize = 1 << 20;

mod client;
mod source;

pub use client::client;
pub use source::Source;

// ===================================================================== targets

/// Target `decode_v3_1`: arbitrary bytes as a stream received under MQTT 3.1.
pub fn decode_v3_1(data: &[u8]) {
    decode_bytes(data, ProtocolVersion::V3_1);
}

/// Target `decode_v3_1_1`: arbitrary bytes as a stream received under MQTT 3.1.1.
pub fn decode_v3_1_1(data: &[u8]) {
    decode_bytes(data, ProtocolVersion::V3_1_1);
}

/// Target `decode_v5`: arbitrary bytes as a stream received under MQTT 5.
pub fn decode_v5(data: &[u8]) {
    decode_bytes(data, ProtocolVersion::V5);
}

/// Decodes `data` as a stream of packets and checks, for each one, that the
/// frame check, the one-packet decoder and the streaming decoder agree, that
/// the borrowed decoders (`decode_ref`, `decode_packet_ref`) give the same
/// packet, error and length as the owned ones, that the maximum packet size
/// is enforced from the fixed header, and that every packet that decodes
/// re-encodes to a packet that decodes to itself.
///
/// Whether `buf` holds a whole fixed header (type byte and Remaining Length).
fn header_complete(buf: &[u8]) -> bool {
    buf[1..].iter().take(4).any(|b| b & 0x80 == 0)
}

/// Never panics for any input unless the codec breaks one of those rules.
pub fn decode_bytes(data: &[u8], version: ProtocolVersion) {
    let mut at = 0;
    // A stream of 1-byte-body packets is at most data.len() / 2 packets long.
    while at < data.len() {
        let rest = &data[at..];
        let mut buf = BytesMut::from(rest);
        let streamed = decode_stream(&mut buf, version, MAX_PACKET);
        same_borrowed(rest, rest.len() - buf.len(), &streamed, version);
        match check_frame(rest, MAX_PACKET) {
            Err(e) => {
                assert_eq!(streamed, Err(e), "decode must report the frame error");
                return;
            }
            Ok(FrameStatus::Incomplete { needed }) => {
                assert!(needed >= 1, "an incomplete frame needs at least one byte");
                // Not a packet yet; refused already if its first byte is
                // (when the whole fixed header is there to be read).
                let expected = match (
                    rest.len() >= 2,
                    crate::codec::check_first_byte(rest[0], version),
                ) {
                    (true, Err(e)) if header_complete(rest) => Err(e),
                    _ => Ok(None),
                };
                assert_eq!(streamed, expected, "an incomplete frame is not a packet");
                assert_eq!(
                    buf.len(),
                    rest.len(),
                    "an incomplete frame consumes nothing"
                );
                return;
            }
            Ok(FrameStatus::Complete { len }) => {
                assert!(
                    len >= 2 && len <= rest.len(),
                    "frame length within the buffer"
                );
                assert_eq!(
                    buf.len(),
                    rest.len() - len,
                    "decode consumes exactly one frame"
                );
                // The maximum is enforced from the fixed header alone, before the body.
                let header = 2 + rest[1..]
                    .iter()
                    .position(|b| b & 0x80 == 0)
                    .expect("a complete frame has a complete fixed header");
                assert_eq!(
                    check_frame(&rest[..header], len - 1),
                    Err(DecodeError::PacketTooLarge {
                        size: len,
                        max: len - 1
                    }),
                    "a frame over the maximum is refused from its fixed header"
                );
                let one = decode_packet(Bytes::copy_from_slice(&rest[..len]), version);
                assert_eq!(
                    one,
                    streamed.map(|p| p.expect("a complete frame decodes to a packet"))
                );
                if let Ok(p) = one {
                    reencode(&p, version);
                }
                at += len;
            }
        }
    }
}

/// The borrowed decoders agree with the owned streaming decoder's result
/// `streamed` on `rest`, of which it consumed `consumed` bytes.
fn same_borrowed(
    rest: &[u8],
    consumed: usize,
    streamed: &Result<Option<Packet>, DecodeError>,
    version: ProtocolVersion,
) {
    match (decode_ref(rest, version, MAX_PACKET), streamed) {
        (Ok(None), Ok(None)) => {}
        (Err(a), Err(b)) => assert_eq!(&a, b, "decode_ref and decode: same error"),
        (Ok(Some((r, len))), Ok(Some(p))) => {
            assert_eq!(len, consumed, "decode_ref and decode: same length");
            let frame = Bytes::copy_from_slice(&rest[..len]);
            assert_eq!(
                &r.to_packet(&frame),
                p,
                "decode_ref and decode: same packet"
            );
            let one = decode_packet_ref(&frame, version).map(|r| r.to_packet(&frame));
            assert_eq!(one.as_ref(), Ok(p), "decode_packet_ref: same packet");
        }
        (borrowed, owned) => panic!("decode_ref gave {borrowed:?}, decode {owned:?}"),
    }
}

/// The version a decoded packet is re-encoded with: CONNECT carries its own.
fn version_of(p: &Packet, received_as: ProtocolVersion) -> ProtocolVersion {
    match p {
        Packet::Connect(c) => c.protocol,
        _ => received_as,
    }
}

/// A decoded packet re-encodes, and the result decodes back to the same packet
/// (the wire bytes may differ, e.g. in property order; the packet may not).
fn reencode(p: &Packet, received_as: ProtocolVersion) {
    let v = version_of(p, received_as);
    let bytes = encode_checked(p, v);
    let again = decode_packet(bytes.clone(), v).expect("a re-encoded packet decodes");
    assert_eq!(&again, p, "decode(encode(decode(x))) == decode(x)");
    // Canonical form is stable: encoding the decoded copy gives the same bytes.
    assert_eq!(encode_checked(&again, v), bytes);
}

/// Encodes a packet that must be encodable and checks the size bookkeeping.
fn encode_checked(p: &Packet, v: ProtocolVersion) -> Bytes {
    let len = match encoded_len(p, v) {
        Ok(len) => len,
        Err(e) => panic!("encoded_len refused a valid packet: {e:?} for {p:?}"),
    };
    let mut out = BytesMut::new();
    let n = match encode(p, v, MAX_PACKET, &mut out) {
        Ok(n) => n,
        Err(e) => panic!("encode refused a valid packet: {e:?} for {p:?}"),
    };
    assert_eq!(n, len, "encode and encoded_len agree");
    assert_eq!(out.len(), n, "encode reports the bytes it wrote");
    assert_eq!(check_frame(&out, n), Ok(FrameStatus::Complete { len: n }));
    assert_eq!(
        check_frame(&out, n - 1),
        Err(DecodeError::PacketTooLarge {
            size: n,
            max: n - 1
        })
    );
    // Appending to a non-empty buffer writes the same bytes after what is there.
    let mut prefixed = BytesMut::from(&b"xy"[..]);
    assert_eq!(encode(p, v, MAX_PACKET, &mut prefixed), Ok(n));
    assert_eq!(&prefixed[2..], &out[..]);
    out.freeze()
}

/// Target `roundtrip`: a valid packet built from the input, of any type and
/// version, encodes and decodes back to itself: `decode(encode(p)) == p`.
pub fn roundtrip(data: &[u8]) {
    let mut s = Source::new(data);
    let v = s.version();
    let p = s.packet(v);
    let bytes = encode_checked(&p, v);
    let back = decode_packet(bytes.clone(), v);
    assert_eq!(back.as_ref(), Ok(&p), "decode(encode(p)) == p");
    let borrowed = decode_packet_ref(&bytes, v).map(|r| r.to_packet(&bytes));
    assert_eq!(
        borrowed.as_ref(),
        Ok(&p),
        "decode_packet_ref(encode(p)) == p"
    );
    // The streaming decoder agrees, and a strict prefix is never a packet.
    let mut buf = BytesMut::from(&bytes[..]);
    assert_eq!(decode_stream(&mut buf, v, MAX_PACKET), Ok(Some(p)));
    assert!(buf.is_empty());
    let cut = s.below(bytes.len());
    let mut partial = BytesMut::from(&bytes[..cut]);
    assert_eq!(decode_stream(&mut partial, v, MAX_PACKET), Ok(None));
    assert_eq!(partial.len(), cut, "a partial packet is not consumed");
}

/// Target `chunked`: a stream of valid packets (and possibly some trailing
/// garbage), cut at arbitrary points, decodes to exactly what the whole
/// stream decodes to, and that starts with the packets that were encoded.
/// Also checks that `Incomplete { needed }` is a true lower bound.
pub fn chunked(data: &[u8]) {
    let mut s = Source::new(data);
    let v = s.version();
    let count = s.below(8);
    let mut stream = BytesMut::new();
    let mut sent = Vec::with_capacity(count);
    for _ in 0..count {
        let p = s.packet(v);
        encode(&p, v, MAX_PACKET, &mut stream).expect("a valid packet encodes");
        sent.push(p);
    }
    let garbage = s.below(16);
    stream.extend_from_slice(s.bytes(garbage));
    let stream = stream.freeze();

    let whole = decode_all(&stream, v);
    assert!(whole.0.len() >= count, "every encoded packet decodes");
    assert_eq!(
        &whole.0[..count],
        &sent[..],
        "the stream decodes to what was sent"
    );

    // Feed the same stream in chunks whose sizes come from the input.
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    let mut error = None;
    let mut at = 0;
    // Bytes added since the decoder last said `Incomplete { needed }`.
    let mut waiting: Option<(usize, usize)> = None;
    'feed: while at < stream.len() {
        let step = 1 + s.below(64).min(stream.len() - at - 1);
        buf.extend_from_slice(&stream[at..at + step]);
        at += step;
        if let Some((needed, added)) = waiting.as_mut() {
            *added += step;
            if *added < *needed {
                assert_eq!(
                    decode_stream(&mut buf, v, MAX_PACKET),
                    Ok(None),
                    "fewer than `needed` new bytes cannot complete a packet"
                );
                continue;
            }
        }
        loop {
            let before = buf.len();
            match decode_stream(&mut buf, v, MAX_PACKET) {
                Ok(Some(p)) => got.push(p),
                Ok(None) => {
                    assert_eq!(buf.len(), before, "an incomplete packet is not consumed");
                    match check_frame(&buf, MAX_PACKET) {
                        Ok(FrameStatus::Incomplete { needed }) => waiting = Some((needed, 0)),
                        other => panic!("decode said incomplete, check_frame said {other:?}"),
                    }
                    break;
                }
                Err(e) => {
                    error = Some(e);
                    break 'feed;
                }
            }
        }
    }
    assert_eq!((got, error), whole, "chunked decode == whole decode");
}

/// Decodes a whole buffer: the packets, then the error that stopped it, if any.
fn decode_all(stream: &[u8], v: ProtocolVersion) -> (Vec<Packet>, Option<DecodeError>) {
    let mut buf = BytesMut::from(stream);
    let mut out = Vec::new();
    loop {
        match decode_stream(&mut buf, v, MAX_PACKET) {
            Ok(Some(p)) => out.push(p),
            Ok(None) => return (out, None),
            Err(e) => return (out, Some(e)),
        }
    }
}
