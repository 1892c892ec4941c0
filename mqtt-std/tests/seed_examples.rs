//! The three programs of Machine Head's getting-started guide, run as the
//! crate's examples against every broker under test, with the exact
//! deliveries the guide lists (`shared/reference/seed-examples.md`).

mod support;

#[path = "../examples/hello_world.rs"]
mod hello_world;

#[path = "../examples/blabbr.rs"]
mod blabbr;

#[path = "../examples/weathr.rs"]
mod weathr;

use mqtt_testkit::seed;

#[test]
fn hello_world_receives_hello_world_exactly_once() {
    for broker in support::brokers() {
        let received = hello_world::run(broker.url(), &support::prefix("hello"))
            .unwrap_or_else(|e| panic!("{}: {e}", broker.name));
        assert_eq!(received, [seed::HELLO_PAYLOAD], "{}", broker.name);
    }
}

#[test]
fn blabbr_gives_each_of_four_subscribers_both_scores_in_order() {
    for broker in support::brokers() {
        let deliveries = blabbr::run(
            broker.url(),
            &support::prefix("blabbr"),
            &support::client_id("b"),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", broker.name));
        seed::check_blabbr(&deliveries).unwrap_or_else(|e| panic!("{}: {e}", broker.name));
    }
}

#[test]
fn weathr_routes_eighteen_deliveries_by_filter() {
    for broker in support::brokers() {
        let deliveries = weathr::run(broker.url(), &support::prefix("weathr"))
            .unwrap_or_else(|e| panic!("{}: {e}", broker.name));
        seed::check_weathr(&deliveries).unwrap_or_else(|e| panic!("{}: {e}", broker.name));
    }
}
