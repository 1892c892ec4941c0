//! The logging example's scenario, against every broker under test: a second
//! connection with the same client id makes the broker drop the first, which
//! reconnects under its policy and publishes (what the example logs).

mod support;

#[path = "../examples/logging.rs"]
mod logging;

#[test]
fn a_taken_over_client_reconnects_and_publishes() {
    for broker in support::brokers() {
        let connections = logging::run(broker.url(), &support::client_id("logging"))
            .unwrap_or_else(|e| panic!("{}: {e}", broker.name));
        assert_eq!(connections, 2, "{}", broker.name);
    }
}
