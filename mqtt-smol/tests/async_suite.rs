//! The async client's integration suite (`mqtt_testkit::async_suite`: client
//! API, features, Machine Head's expectations, transports, error text),
//! written once for every runtime and run here on smol's executor, plus what
//! is about async-io alone.

use mqtt_smol::Smol;

mqtt_testkit::async_suite_tests!(mqtt_smol::Smol, run = |f| smol::block_on(f));

/// The futures work on an executor other than smol's: they wait only on
/// channels and on async-io's timers.
#[test]
fn works_under_futures_lite_block_on() {
    futures_lite::future::block_on(
        mqtt_testkit::async_suite::features::a_subscription_stream_delivers_its_message::<Smol>(),
    );
}
