//! The client core driven by arbitrary commands, broker bytes, transport events and time steps.
//! The body is `mqtt_sansio::fuzzing::client`, replayed on stable by `mqtt-proto/tests/fuzz_corpus.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mqtt_sansio::fuzzing::client(data));
