//! The three programs of Machine Head's getting-started guide, with the exact
//! deliveries `shared/reference/seed-examples.md` lists, on every broker
//! under test: each async runtime crate includes its examples `hello_world`,
//! `blabbr` and `weathr` as modules of `tests/seed_examples.rs` and expands
//! [`seed_example_tests!`](crate::seed_example_tests), which runs each
//! example's `run` and checks what it returns ([`crate::seed`]).

use super::{brokers, channel, connect, expect_exactly, forward, payloads, prefix};
use mqtt_adapter::aio::Runtime;
use mqtt_adapter::api::{Options, QoS};

/// The spec, not the guide's prose: `#` also matches the parent level
/// `[MQTT-4.7.1-2]`, so `americas/south/#` receives `americas/south`.
pub async fn multi_level_wildcard_also_matches_the_parent_level<R: Runtime>() {
    for broker in brokers() {
        let p = prefix("parent");
        let c = connect::<R>(&broker, Options::new()).await;
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
        let got = expect_exactly::<R>(&rx, 1, &broker.name).await;
        assert_eq!(payloads(&got), ["parent"], "{}", broker.name);
        c.disconnect().await.unwrap();
    }
}

/// Expands one `#[test]` per seed example, for the modules `hello_world`,
/// `blabbr` and `weathr` in scope (each with the `run` function of its
/// example), blocking on each test with `$run` (a closure taking the future).
#[macro_export]
macro_rules! seed_example_tests {
    (run = $run:expr) => {
        #[test]
        fn hello_world_receives_hello_world_exactly_once() {
            let run = $run;
            run(async {
                for broker in $crate::support::brokers() {
                    let got = hello_world::run(broker.url(), &$crate::async_suite::prefix("hello"))
                        .await
                        .unwrap_or_else(|e| panic!("{}: {e}", broker.name));
                    assert_eq!(got, [$crate::seed::HELLO_PAYLOAD], "{}", broker.name);
                }
            })
        }

        #[test]
        fn blabbr_gives_each_of_four_subscribers_both_scores_in_order() {
            let run = $run;
            run(async {
                for broker in $crate::support::brokers() {
                    // Client ids made unique: the brokers are shared by parallel runs.
                    let ids = $crate::support::client_id("b");
                    let got =
                        blabbr::run(broker.url(), &$crate::async_suite::prefix("blabbr"), &ids)
                            .await
                            .unwrap_or_else(|e| panic!("{}: {e}", broker.name));
                    $crate::seed::check_blabbr(&got)
                        .unwrap_or_else(|e| panic!("{}: {e}", broker.name));
                }
            })
        }

        #[test]
        fn weathr_routes_eighteen_deliveries_by_filter() {
            let run = $run;
            run(async {
                for broker in $crate::support::brokers() {
                    let got = weathr::run(broker.url(), &$crate::async_suite::prefix("weathr"))
                        .await
                        .unwrap_or_else(|e| panic!("{}: {e}", broker.name));
                    $crate::seed::check_weathr(&got)
                        .unwrap_or_else(|e| panic!("{}: {e}", broker.name));
                }
            })
        }
    };
}
