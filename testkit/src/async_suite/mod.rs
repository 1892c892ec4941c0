//! The integration suite of the async client, written once for every async
//! runtime.
//!
//! The async client is one generic type, [`mqtt_adapter::aio::Client<R>`],
//! so each test here is an `async fn` generic over the
//! [`Runtime`] `R`: it connects with `Client::<R>::connect`, sleeps with
//! [`sleep::<R>`](mqtt_adapter::aio::sleep) and waits on `async_channel`
//! channels (which work on any executor). Each runtime crate expands
//! [`async_suite_tests!`](crate::async_suite_tests) in one test file, naming
//! its runtime and how to block on a future:
//!
//! ```ignore
//! mqtt_testkit::async_suite_tests!(mqtt_smol::Smol, run = |f| smol::block_on(f));
//! ```
//!
//! which makes one `#[test]` per function of the submodules, in a module of
//! the same name (`client_api::delivery_callback_reports_every_publish_with_its_id`).
//! What is truly about one runtime (its executors, its threads) stays in that
//! runtime crate's own tests.
//!
//! Every test talks to real brokers: the brokers under test
//! ([`brokers`](crate::support::brokers): the embedded one plus
//! `MQTT_TEST_BROKERS`), a private Mosquitto, or a scripted broker.

// Each test is named for the behaviour it checks; a doc comment is added
// where the name does not say why.
#[allow(missing_docs)]
pub mod client_api;
mod conformance;
#[allow(missing_docs)]
pub mod error_text;
#[allow(missing_docs)]
pub mod features;
#[allow(missing_docs)]
pub mod machine_head;
pub mod seed;
pub mod threads;
#[allow(missing_docs)]
pub mod transports;

use crate::Broker;
use async_channel::{Receiver, Sender};
use futures_lite::future;
pub use mqtt_adapter::aio::sleep;
use mqtt_adapter::aio::{Client, Runtime};
use mqtt_adapter::{Message, Options};
use mqtt_sansio::ProtocolVersion;
use std::future::Future;
use std::time::Duration;

pub use crate::support::{addr_of, brokers, client_id, is_rabbitmq, Proxy, QUIET, WAIT};
pub use conformance::{AsyncClient, BlockOn};

/// A topic prefix unique to this test, process and call.
pub fn prefix(test: &str) -> String {
    crate::support::prefix("mqtt-aio", test)
}

/// Connects to `broker` with MQTT 3.1.1 (or the broker's first version).
///
/// # Panics
/// When the connection fails.
pub async fn connect<R: Runtime>(broker: &Broker, options: Options) -> Client<R> {
    Client::<R>::connect(broker.url(), options)
        .await
        .unwrap_or_else(|e| panic!("connect to {} ({}): {e}", broker.name, broker.url()))
}

/// Connects to `broker` with `version`; `None` when the broker does not speak it.
///
/// # Panics
/// When the broker speaks `version` and the connection fails.
pub async fn connect_version<R: Runtime>(
    broker: &Broker,
    version: ProtocolVersion,
    options: Options,
) -> Option<Client<R>> {
    let url = broker.caps.url(version)?;
    Some(
        Client::<R>::connect(url, options.protocol(version))
            .await
            .unwrap_or_else(|e| panic!("connect to {} ({url}, {version:?}): {e}", broker.name)),
    )
}

/// A channel that handlers send to, and the receiving side for the test.
pub fn channel() -> (Sender<Message>, Receiver<Message>) {
    async_channel::unbounded()
}

/// A handler that forwards every message to `tx`.
pub fn forward(tx: &Sender<Message>) -> impl FnMut(&Message) + Send + 'static {
    let tx = tx.clone();
    move |m| {
        let _ = tx.try_send(m.clone());
    }
}

/// `f`, or `None` after `d` (on runtime `R`'s timer).
pub async fn within<R: Runtime, T>(d: Duration, f: impl Future<Output = T>) -> Option<T> {
    future::or(async { Some(f.await) }, async {
        sleep::<R>(d).await;
        None
    })
    .await
}

/// Receives the next item of an async channel.
///
/// # Panics
/// When nothing arrives within [`WAIT`].
pub async fn next<R: Runtime, T>(rx: &Receiver<T>, what: &str) -> T {
    within::<R, _>(WAIT, rx.recv())
        .await
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("{what}: nothing within {WAIT:?}"))
}

/// Receives `n` messages.
///
/// # Panics
/// When a message does not arrive within [`WAIT`] of the one before.
pub async fn expect_at_least<R: Runtime>(
    rx: &Receiver<Message>,
    n: usize,
    what: &str,
) -> Vec<Message> {
    let mut got = Vec::with_capacity(n);
    while got.len() < n {
        match within::<R, _>(WAIT, rx.recv()).await {
            Some(Ok(m)) => got.push(m),
            _ => panic!(
                "{what}: expected {n} messages, got {} within {WAIT:?} each",
                got.len()
            ),
        }
    }
    got
}

/// Receives exactly `n` messages, then checks that nothing more arrives
/// within [`QUIET`].
///
/// # Panics
/// When a message is missing (after [`WAIT`]) or one more arrives.
pub async fn expect_exactly<R: Runtime>(
    rx: &Receiver<Message>,
    n: usize,
    what: &str,
) -> Vec<Message> {
    let got = expect_at_least::<R>(rx, n, what).await;
    if let Some(Ok(extra)) = within::<R, _>(QUIET, rx.recv()).await {
        panic!("{what}: expected exactly {n} messages, got one more: {extra:?}");
    }
    got
}

/// Checks that nothing arrives within [`QUIET`].
///
/// # Panics
/// When a message arrives.
pub async fn expect_none<R: Runtime>(rx: &Receiver<Message>, what: &str) {
    if let Some(Ok(m)) = within::<R, _>(QUIET, rx.recv()).await {
        panic!("{what}: expected no message, got {m:?}");
    }
}

/// Payloads as text.
///
/// # Panics
/// When a payload is not UTF-8.
pub fn payloads(ms: &[Message]) -> Vec<String> {
    ms.iter()
        .map(|m| m.payload_str().expect("UTF-8 payload").to_owned())
        .collect()
}

/// Expands one `#[test]` per test of [`async_suite`](crate::async_suite) for
/// the runtime `$rt`, each blocking on its test future with `$run` (a closure
/// taking the future). The tests are grouped in modules named after the
/// suite's submodules.
#[macro_export]
macro_rules! async_suite_tests {
    ($rt:ty, run = $run:expr) => {
        $crate::async_suite_tests!(@each $rt, $run;
            client_api {
                after_a_lost_connection_the_client_reconnects_and_its_handlers_get_messages_again,
                delivery_callback_reports_every_publish_with_its_id,
                messages_without_a_matching_handler_go_to_on_unhandled,
                subscribing_a_filter_again_replaces_its_handler,
                every_matching_handler_gets_every_copy_the_broker_sends,
                a_handler_may_publish_through_the_client,
                a_stream_message_waits_for_the_handler_of_an_earlier_one,
                try_publish_fails_at_once_with_queue_full_while_offline,
                try_publish_does_not_wait_for_the_client_lock,
                the_hand_over_keeps_the_queue_bound,
                manual_ack_withheld_means_redelivery_to_the_persistent_session,
                dropping_every_handle_disconnects_in_the_background,
                disconnect_lets_in_flight_publishes_finish_first,
                fail_over_moves_to_the_next_server_when_the_first_refuses,
                a_server_that_never_answers_connect_is_a_connect_timeout,
                a_caller_mistake_is_refused_at_once,
                keep_alive_pings_hold_an_idle_connection_open,
                a_held_client_lock_does_not_stall_the_driver_s_executor,
                a_slow_handler_behind_a_small_buffer_loses_nothing_and_keeps_the_order,
                manual_reconnect_sends_what_was_queued_while_down,
                wait_timeout_gives_up_without_cancelling_the_publish,
                disconnect_returns_after_the_broker_closed_its_side,
                reauthenticate_without_an_authenticator_is_refused_at_once,
                reauthenticate_sends_auth_and_reports_the_broker_s_success,
            }
            features {
                qos_0_1_2_round_trip_at_the_qos_the_broker_grants,
                qos2_publish_completes_or_a_puback_answer_is_reported_as_a_violation,
                retained_message_reaches_a_later_subscriber_with_the_retain_flag_until_cleared,
                persistent_session_delivers_offline_messages_to_handlers_declared_before_connect,
                v5_user_properties_and_content_type_round_trip_where_the_broker_speaks_5,
                v5_puback_reports_no_matching_subscribers_where_the_broker_does,
                v5_connect_to_a_broker_without_mqtt5_is_a_typed_error,
                an_unread_stream_does_not_stop_publishing_and_loses_nothing,
                a_subscription_stream_delivers_its_message,
                mqtt_3_1_round_trips_where_the_broker_speaks_it,
                v5_subscription_identifier_comes_back_on_matching_messages,
                qos2_burst_within_twenty_in_flight_arrives_complete_and_in_order,
            }
            machine_head {
                subscribe_one_topic_publish_100_receive_100,
                two_clients_on_the_same_topic_receive_200_of_100,
                multi_level_wildcard_receives_100_published_below_it,
                single_level_wildcard_receives_20_of_40_published_at_four_depths,
                one_subscribe_with_two_topics_receives_110_of_50_and_60,
                separate_handlers_for_two_topics_receive_50_and_60,
                qos0_and_qos1_subscriptions_receive_200_of_300,
                unsubscribed_topic_receives_nothing,
                three_subscriptions_minus_two_unsubscribed_receive_10,
                two_filter_unsubscribe_is_answered_once_or_reported_as_a_violation,
                will_is_delivered_when_a_client_dies_without_disconnect,
                no_will_after_a_clean_disconnect,
            }
            transports {
                tls_with_the_test_ca_connects_and_round_trips,
                mutual_tls_with_a_client_certificate_connects,
                mutual_tls_listener_refuses_a_client_without_certificate,
                tls_with_an_unknown_ca_fails_certificate_verification,
                tls_server_name_must_match_the_certificate,
                unreadable_ca_file_is_a_typed_error_before_connecting,
                websocket_round_trips_on_every_broker_with_a_websocket_listener,
                websocket_upgrade_refused_with_404_is_a_typed_handshake_error,
                invalid_url_is_a_typed_error,
                nothing_listening_is_a_typed_connection_error,
            }
            error_text {
                a_wrong_password_reads_as_a_refusal_not_a_lost_connection,
                mqtts_to_a_plain_port_that_closes_says_the_tls_handshake_failed,
                mqtts_to_mosquittos_plain_port_says_the_tls_handshake_failed,
            }
            seed {
                multi_level_wildcard_also_matches_the_parent_level,
            }
        );
    };
    (@each $rt:ty, $run:expr; $($module:ident { $($name:ident),* $(,)? })*) => {
        $(
            mod $module {
                #[allow(unused_imports)]
                use super::*;
                $(
                    #[test]
                    fn $name() {
                        let run = $run;
                        run($crate::async_suite::$module::$name::<$rt>())
                    }
                )*
            }
        )*
    };
}
