//! A stream of valid packets cut at arbitrary points decodes like the whole stream.
//! The body is `mqtt_sansio::fuzzing::chunked`, replayed on stable by `mqtt-proto/tests/fuzz_corpus.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mqtt_sansio::fuzzing::chunked(data));
