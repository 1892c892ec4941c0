//! A valid packet built from the input: decode(encode(p)) == p.
//! The body is `mqtt_sansio::fuzzing::roundtrip`, replayed on stable by `mqtt-proto/tests/fuzz_corpus.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mqtt_sansio::fuzzing::roundtrip(data));
