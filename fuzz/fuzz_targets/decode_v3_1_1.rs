//! Arbitrary bytes as a stream received under MQTT 3.1.1.
//! The body is `mqtt_sansio::fuzzing::decode_v3_1_1`, replayed on stable by `mqtt-proto/tests/fuzz_corpus.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mqtt_sansio::fuzzing::decode_v3_1_1(data));
