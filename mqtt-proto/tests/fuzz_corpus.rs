//! Replays every file of the checked-in fuzz corpus (`fuzz/corpus/<target>/`)
//! through the same function the cargo-fuzz target runs, on the stable
//! toolchain, so a crash once found stays fixed. A missing or empty corpus
//! directory fails the test: nothing is skipped silently.
//!
//! Seeds named `valid-*` in the decoder corpora are hand-made packets from the
//! specification; besides not crashing they must decode without error.

use bytes::BytesMut;
use mqtt_sansio::codec::decode;
use mqtt_sansio::fuzzing;
use mqtt_sansio::ProtocolVersion;
use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

/// The corpus files of `target`, sorted; panics when there are none.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir(target);
    let entries = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus directory {} unreadable: {e}", dir.display()));
    let mut files: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let data = fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (name, data)
        })
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "corpus directory {} is empty",
        dir.display()
    );
    files
}

/// Runs `body` on every corpus file of `target`; reports every failing file.
fn replay(target: &str, body: fn(&[u8])) {
    let mut failed = Vec::new();
    for (name, data) in corpus(target) {
        if catch_unwind(AssertUnwindSafe(|| body(&data))).is_err() {
            failed.push(name);
        }
    }
    assert!(
        failed.is_empty(),
        "{target}: {} corpus file(s) fail: {failed:?}",
        failed.len()
    );
}

/// Every `valid-*` seed of a decoder corpus is a stream of whole packets that decode.
fn valid_seeds_decode(target: &str, version: ProtocolVersion) {
    let mut seen = 0;
    for (name, data) in corpus(target) {
        if !name.starts_with("valid-") {
            continue;
        }
        seen += 1;
        let mut buf = BytesMut::from(&data[..]);
        let mut packets = 0;
        while !buf.is_empty() {
            match decode(&mut buf, version, fuzzing::MAX_PACKET) {
                Ok(Some(_)) => packets += 1,
                other => panic!("{target}/{name}: packet {packets} gave {other:?}"),
            }
        }
        assert!(packets > 0, "{target}/{name} is empty");
    }
    assert!(seen > 0, "{target} has no valid-* seeds");
}

#[test]
fn decode_v3_1_corpus_replays() {
    replay("decode_v3_1", fuzzing::decode_v3_1);
}

#[test]
fn decode_v3_1_1_corpus_replays() {
    replay("decode_v3_1_1", fuzzing::decode_v3_1_1);
}

#[test]
fn decode_v5_corpus_replays() {
    replay("decode_v5", fuzzing::decode_v5);
}

#[test]
fn roundtrip_corpus_replays() {
    replay("roundtrip", fuzzing::roundtrip);
}

#[test]
fn chunked_corpus_replays() {
    replay("chunked", fuzzing::chunked);
}

#[test]
fn client_corpus_replays() {
    replay("client", fuzzing::client);
}

#[test]
fn decode_v3_1_valid_seeds_decode() {
    valid_seeds_decode("decode_v3_1", ProtocolVersion::V3_1);
}

#[test]
fn decode_v3_1_1_valid_seeds_decode() {
    valid_seeds_decode("decode_v3_1_1", ProtocolVersion::V3_1_1);
}

#[test]
fn decode_v5_valid_seeds_decode() {
    valid_seeds_decode("decode_v5", ProtocolVersion::V5);
}
