//! The three programs of Machine Head's getting-started guide, with the exact
//! deliveries `shared/reference/seed-examples.md` lists, on every broker under
//! test.

mod support;

use mqtt_smol::{Options, QoS};
use mqtt_testkit::seed;
use support::{channel, client_id, connect, expect_exactly, forward, payloads, prefix, run};

#[path = "../examples/hello_world.rs"]
mod hello_world;

#[path = "../examples/blabbr.rs"]
mod blabbr;

#[path = "../examples/weathr.rs"]
mod weathr;

#[test]
fn hello_world_receives_hello_world_exactly_once() {
    run(async {
        for broker in support::brokers() {
            let got = hello_world::run(broker.url(), &prefix("hello"))
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", broker.name));
            assert_eq!(got, [seed::HELLO_PAYLOAD], "{}", broker.name);
        }
    });
}

#[test]
fn blabbr_gives_each_of_four_subscribers_both_scores_in_order() {
    run(async {
        for broker in support::brokers() {
            // Client ids made unique: the brokers are shared by parallel runs.
            let ids = client_id("b");
            let got = blabbr::run(broker.url(), &prefix("blabbr"), &ids)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", broker.name));
            seed::check_blabbr(&got).unwrap_or_else(|e| panic!("{}: {e}", broker.name));
        }
    });
}

#[test]
fn weathr_routes_eighteen_deliveries_by_filter() {
    run(async {
        for broker in support::brokers() {
            let got = weathr::run(broker.url(), &prefix("weathr"))
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", broker.name));
            seed::check_weathr(&got).unwrap_or_else(|e| panic!("{}: {e}", broker.name));
        }
    });
}

/// The spec, not the guide's prose: `#` also matches the parent level
/// `[MQTT-4.7.1-2]`, so `americas/south/#` receives `americas/south`.
#[test]
fn multi_level_wildcard_also_matches_the_parent_level() {
    run(async {
        for broker in support::brokers() {
            let p = prefix("parent");
            let c = connect(&broker, Options::new()).await;
            let (tx, rx) = channel();
            let f = format!("{p}americas/south/#");
            c.subscribe([(f.as_str(), QoS::AtMostOnce)], forward(&tx))
                .await
                .unwrap();
            c.publish(format!("{p}americas/south"), "parent")
                .await
                .unwrap()
                .await
                .unwrap();
            let got = expect_exactly(&rx, 1, &broker.name).await;
            assert_eq!(payloads(&got), ["parent"], "{}", broker.name);
            c.disconnect().await.unwrap();
        }
    });
}
