//! An async client starts no OS thread of its own: a client is two tasks on
//! the caller's executor. Each runtime crate runs this in a test binary of
//! its own (so other tests' threads do not disturb the count), connecting
//! the way it documents (`connect_with` on an executor, `connect` on a
//! runtime).

use super::sleep;
use crate::support::os_threads;
use mqtt_adapter::aio::{Client, Runtime};
use mqtt_adapter::QoS;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Connects 51 clients with `connect` (to the embedded broker, whose URL it
/// is given) and checks that the 50 after the first added at most two OS
/// threads, and that every one's handler runs.
///
/// # Panics
/// When the clients started threads, or a handler did not run within 10 s.
pub async fn fifty_clients_start_no_thread_of_their_own<R, C, F>(connect: C)
where
    R: Runtime,
    C: Fn(String) -> F,
    F: Future<Output = Client<R>>,
{
    let broker = crate::EmbeddedBroker::shared().expect("the embedded broker");
    let url = broker.mqtt311_url();
    let topic = format!("threads/{}", std::process::id());
    // One client first: whatever a process or runtime sets up once (a
    // reactor thread, workers, the blocking pool's first thread) is not per
    // client.
    let first = connect(url.clone()).await;
    let before = os_threads();
    let mut clients = Vec::new();
    for _ in 0..50 {
        clients.push(connect(url.clone()).await);
    }
    let handled = Arc::new(AtomicUsize::new(0));
    for c in &clients {
        let h = handled.clone();
        c.subscribe([(topic.as_str(), QoS::AtLeastOnce)], move |_| {
            h.fetch_add(1, Ordering::SeqCst);
        })
        .await
        .unwrap();
    }
    let after = os_threads();
    assert!(
        after <= before + 2,
        "50 connected clients started {} threads",
        after - before
    );
    // Handlers run on the runtime's blocking pool: it grows with the
    // handler batches running at once, not with the clients.
    first
        .publish(topic.as_str(), "x")
        .await
        .unwrap()
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while handled.load(Ordering::SeqCst) < 50 {
        assert!(Instant::now() < deadline, "every handler ran");
        sleep::<R>(Duration::from_millis(5)).await;
    }
    eprintln!(
        "threads: {before} with one client, {after} with 51 connected, {} after 50 handlers ran",
        os_threads()
    );
    for c in clients {
        c.disconnect().await.unwrap();
    }
    first.disconnect().await.unwrap();
}
