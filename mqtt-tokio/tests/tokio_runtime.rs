//! What is about tokio alone: the client needs a runtime to run on and says
//! so when there is none, runs on a current-thread runtime as well as a
//! multi-thread one, and spawns its tasks wherever `connect_with` is told to.

use mqtt_testkit::async_suite::{channel, expect_exactly, forward, payloads, prefix};
use mqtt_tokio::{Client, Error, Options, QoS, Tokio};
use std::time::Duration;

fn embedded_url() -> String {
    mqtt_testkit::EmbeddedBroker::shared()
        .expect("the embedded broker")
        .mqtt311_url()
}

/// Outside a runtime there is no reactor or timer to drive the connection:
/// `connect` says so with a typed error instead of panicking in `tokio::spawn`.
#[test]
fn connect_outside_a_runtime_is_no_runtime_not_a_panic() {
    let r = futures_lite::future::block_on(Client::connect(&embedded_url(), Options::new()));
    match r {
        Err(Error::NoRuntime { needs }) => assert!(needs.contains("tokio runtime"), "{needs}"),
        r => panic!("expected Error::NoRuntime, got {r:?}"),
    }
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A current-thread runtime drives the client's tasks while `block_on`
/// waits; handlers still run on the blocking pool.
#[test]
fn a_current_thread_runtime_runs_the_client() {
    current_thread().block_on(
        mqtt_testkit::async_suite::machine_head::subscribe_one_topic_publish_100_receive_100::<
            Tokio,
        >(),
    );
}

/// A handler that blocks on the client's own futures does not stall a
/// current-thread runtime: it runs on the blocking pool, not on the one
/// thread that drives the connection.
#[test]
fn a_handler_may_publish_on_a_current_thread_runtime() {
    current_thread().block_on(
        mqtt_testkit::async_suite::client_api::a_handler_may_publish_through_the_client::<Tokio>(),
    );
}

/// `connect_with` spawns the connection's tasks with the caller's spawner:
/// here a `Handle` of another runtime, which then runs them.
#[test]
fn connect_with_a_runtime_handle_runs_the_tasks_there() {
    let other = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let handle = other.handle().clone();
    let caller = current_thread();
    caller.block_on(async {
        let url = embedded_url();
        let before = other.metrics().num_alive_tasks();
        let c = Client::connect_with(&url, Options::new(), move |task| {
            drop(handle.spawn(task));
        })
        .await
        .unwrap();
        assert!(
            other.metrics().num_alive_tasks() >= before + 2,
            "the driver and the dispatcher run on the other runtime"
        );
        let t = format!("{}h", prefix("handle"));
        let (tx, rx) = channel();
        c.subscribe([(t.as_str(), QoS::AtLeastOnce)], forward(&tx))
            .await
            .unwrap();
        c.publish(t.as_str(), "there").await.unwrap().await.unwrap();
        let got = expect_exactly::<Tokio>(&rx, 1, "connect_with").await;
        assert_eq!(payloads(&got), ["there"]);
        c.disconnect().await.unwrap();
    });
    other.shutdown_timeout(Duration::from_secs(1));
}
