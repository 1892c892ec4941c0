//! The behaviour every adapter must show, written once: each adapter's
//! `tests/conformance.rs` implements [`Adapter`] over its client (blocking
//! calls; an async adapter blocks on its futures) and expands
//! [`conformance_tests!`](crate::conformance_tests), which makes one `#[test]`
//! per function of this module.
//!
//! Every test talks to a real broker: a private [`Mosquitto`] the test starts
//! (and kills) itself, or a [`FakeBroker`] for the states a real broker will
//! not produce on demand (a refusal, silence, an error reason code). Each one
//! was written against a bug users hit (the adapter-bugs issue) and failed on
//! the code of that time.

use crate::fake::{FakeBroker, FakeConn};
use crate::raw_sub::RawSubscriber;
use crate::support::WAIT;
use crate::{free_loopback_port, Mosquitto};
use bytes::{BufMut, Bytes, BytesMut};
use mqtt_adapter::{
    ConnectInfo, ConnectionLost, Error, Message, Options, Publish, PublishAck, QoS,
    ReconnectPolicy, SubAck,
};
use mqtt_sansio::codec::{Packet, ReasonCode};
use mqtt_sansio::ProtocolVersion;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A client of one adapter, driven with blocking calls.
pub trait Adapter: Sized + Send + Sync + 'static {
    /// The adapter's publish handle.
    type Handle: Send + 'static;
    /// `Client::connect`.
    fn connect(url: &str, options: Options) -> Result<Self, Error>;
    /// `Client::publish_with` (waits for room in the queue).
    fn publish(&self, p: Publish) -> Result<Self::Handle, Error>;
    /// `Client::try_publish_with` (never waits).
    fn try_publish(&self, p: Publish) -> Result<Self::Handle, Error>;
    /// Waits for the handle's result, at most `timeout`.
    fn wait(&self, h: Self::Handle, timeout: Duration) -> Result<PublishAck, Error>;
    /// `Client::subscribe` with one filter.
    fn subscribe(
        &self,
        filter: &str,
        qos: QoS,
        handler: Box<dyn FnMut(&Message) + Send>,
    ) -> Result<SubAck, Error>;
    /// `Client::disconnect_timeout`.
    fn disconnect(&self, timeout: Duration) -> Result<(), Error>;
    /// `Client::connection`: the facts of the current connection's CONNACK.
    fn connection(&self) -> Option<ConnectInfo>;
}

/// Runs `f` on a thread and fails the test if it does not finish within `limit`
/// (a hang is a failure, not a stuck test run).
fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("{what}: did not finish within {limit:?}"))
}

fn mosquitto() -> Mosquitto {
    Mosquitto::start().expect("a private Mosquitto starts (is `mosquitto` installed?)")
}

/// A 100-byte payload starting with `n` (big-endian), as [`RawSubscriber`] counts them.
fn numbered(n: usize, size: usize) -> Bytes {
    let mut b = BytesMut::with_capacity(size);
    b.put_u64(n as u64);
    b.resize(size.max(8), b'.');
    b.freeze()
}

fn encode(p: &Packet, v: ProtocolVersion) -> Vec<u8> {
    let mut b = BytesMut::new();
    mqtt_sansio::codec::encode(p, v, usize::MAX, &mut b).expect("a valid packet");
    b.to_vec()
}

fn publish_packet(topic: &str, qos: QoS, pid: u16, payload: &'static [u8]) -> Packet {
    Packet::Publish(mqtt_sansio::codec::Publish {
        dup: false,
        qos,
        retain: false,
        topic: topic.to_owned().into(),
        packet_id: (qos != QoS::AtMostOnce)
            .then(|| mqtt_sansio::codec::PacketId::new(pid).unwrap()),
        properties: Default::default(),
        payload: Bytes::from_static(payload),
    })
}

/// Reads packets until one matches `want` (skipping PINGREQ), or fails.
fn read_until(conn: &mut FakeConn, what: &str, mut want: impl FnMut(&Packet) -> bool) -> Packet {
    loop {
        let p = conn.read();
        if want(&p) {
            return p;
        }
        assert!(
            matches!(p, Packet::PingReq),
            "{what}: unexpected packet {p:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// QoS 0 publishing
// ---------------------------------------------------------------------------

/// 200,000 QoS 0 messages of 100 B published as fast as `publish` allows, then
/// `disconnect`: an independent subscriber receives every one of them, and
/// `disconnect` says it sent everything. (mqtt-std stalled for 60 s after a
/// few thousand — a lost wake-up; mqtt-smol dropped what was not yet in its
/// write buffer at disconnect.)
pub fn qos0_flood_is_delivered_whole_and_disconnect_flushes_it<A: Adapter>() {
    const N: usize = 200_000;
    let broker = mosquitto();
    let topic = format!("flood/{}", std::process::id());
    let sub = RawSubscriber::start(broker.addr(), &topic, N);
    let url = broker.url();
    let t = topic.clone();
    let started = Instant::now();
    within(
        Duration::from_secs(120),
        "publishing and disconnecting",
        move || {
            let client = A::connect(&url, Options::new().client_id("flood-pub")).expect("connects");
            let mut last = None;
            for i in 0..N {
                let p = Publish::new(t.as_str(), numbered(i, 100)).qos(QoS::AtMostOnce);
                last = Some(client.publish(p).expect("QoS 0 publish accepted"));
            }
            let last = last.expect("published");
            client
                .wait(last, WAIT)
                .expect("the last QoS 0 publish completes");
            client
                .disconnect(Duration::from_secs(30))
                .expect("disconnect sent everything");
        },
    );
    let got = sub.wait_distinct(N, Duration::from_secs(5));
    assert_eq!(
        got,
        N,
        "an independent subscriber got {got} of {N} QoS 0 messages ({} packets in all, {:?}); broker log:\n{}",
        sub.total(),
        started.elapsed(),
        broker.read_log()
    );
    let log = broker.read_log();
    assert!(
        log.contains("Client flood-pub disconnected."),
        "the client closed without DISCONNECT:\n{log}"
    );
}

/// Publishes QoS 0 messages of 64 KiB with `try_publish` until `QueueFull`
/// persists for half a second (every buffer on the way is full), at most
/// `cap`; returns how many were accepted, or the first other error.
fn fill<A: Adapter>(client: &A, topic: &str, cap: usize) -> Result<usize, Error> {
    let payload = Bytes::from(vec![b'x'; 64 * 1024]);
    let mut accepted = 0;
    let mut full_since: Option<Instant> = None;
    while accepted < cap {
        match client.try_publish(Publish::new(topic, payload.clone()).qos(QoS::AtMostOnce)) {
            Ok(_) => {
                accepted += 1;
                full_since = None;
            }
            Err(Error::QueueFull { .. }) => {
                let since = *full_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= Duration::from_millis(500) {
                    return Ok(accepted);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(accepted)
}

/// QoS 0 publishes are bounded like every other publish: with a broker that
/// stops reading, `try_publish` reports `QueueFull` (instead of buffering
/// without limit), and memory stays bounded.
pub fn qos0_publishes_are_bounded_when_the_broker_stops_reading<A: Adapter>() {
    let broker = FakeBroker::start();
    let url = broker.url.clone();
    let (ctx, crx) = mpsc::channel();
    let acceptor = std::thread::spawn(move || {
        let mut conn = broker.accept();
        conn.accept_connect();
        let _ = ctx.send(());
        // Never read again: the socket buffers fill up.
        std::thread::sleep(Duration::from_secs(20));
        drop(conn);
    });
    let client = A::connect(&url, Options::new().max_queued(100)).expect("connects");
    crx.recv_timeout(WAIT).unwrap();
    // 64 KiB payloads: the kernel's socket buffers hold a few MiB (~100
    // messages), the adapter's write buffer and the core's queue a bounded
    // amount more; 1,000 (64 MiB) is far beyond any of them.
    let accepted = fill(&client, "bounded", 1_000).expect("only QueueFull");
    assert!(
        accepted < 1_000,
        "{accepted} QoS 0 publishes of 64 KiB accepted with the broker not reading: unbounded"
    );
    match client.try_publish(Publish::new("bounded", "x").qos(QoS::AtMostOnce)) {
        Err(Error::QueueFull { max }) => assert_eq!(max, 100),
        Err(e) => panic!("expected QueueFull, got {e}"),
        Ok(_) => panic!("expected QueueFull, got a handle"),
    }
    let _ = client.disconnect(Duration::ZERO);
    drop(acceptor);
}

/// `disconnect` whose timeout runs out before everything accepted was sent
/// says so in its result (it used to return `Ok`).
pub fn disconnect_reports_a_timeout_that_cut_it_short<A: Adapter>() {
    let broker = FakeBroker::start();
    let url = broker.url.clone();
    let (ctx, crx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut conn = broker.accept();
        conn.accept_connect();
        let _ = ctx.send(());
        std::thread::sleep(Duration::from_secs(20));
        drop(conn);
    });
    let client = A::connect(&url, Options::new().max_queued(50)).expect("connects");
    crx.recv_timeout(WAIT).unwrap();
    fill(&client, "cut", 1_000).expect("only QueueFull");
    let client = Arc::new(client);
    let c = client.clone();
    let r = within(Duration::from_secs(20), "disconnect", move || {
        c.disconnect(Duration::from_millis(300))
    });
    match r {
        Err(Error::DisconnectIncomplete { .. }) => {}
        other => panic!("expected DisconnectIncomplete, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Connecting and closing
// ---------------------------------------------------------------------------

/// With a reconnect policy, the first connection is retried under it: a
/// client started before its broker connects once the broker is up.
pub fn first_connect_is_retried_under_the_reconnect_policy<A: Adapter>() {
    let port = free_loopback_port().unwrap();
    let url = format!("mqtt://127.0.0.1:{port}");
    let failed = Arc::new(AtomicUsize::new(0));
    let f = failed.clone();
    let options = Options::new()
        .reconnect(ReconnectPolicy::backoff(
            Duration::from_millis(50),
            Duration::from_millis(200),
        ))
        .on_connect_failed(move |_| {
            f.fetch_add(1, Ordering::SeqCst);
        });
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(A::connect(&url, options).map(Arc::new));
    });
    std::thread::sleep(Duration::from_millis(800));
    assert!(
        rx.try_recv().is_err(),
        "connect gave up while a reconnect policy was set"
    );
    let broker = Mosquitto::start_on(port).expect("mosquitto starts");
    let client = rx
        .recv_timeout(WAIT)
        .expect("connect returns once the broker is up")
        .expect("connected");
    assert!(client.connection().is_some());
    assert!(
        failed.load(Ordering::SeqCst) >= 1,
        "on_connect_failed reports the failed attempts"
    );
    client.disconnect(Duration::from_secs(5)).unwrap();
    drop(broker);
}

/// The first connect's retries are bounded by `Options::connect_retry_limit`,
/// and the error then never claims a reconnect that will not happen.
pub fn first_connect_retries_are_bounded_and_the_error_is_honest<A: Adapter>() {
    let port = free_loopback_port().unwrap();
    let url = format!("mqtt://127.0.0.1:{port}");
    let options = Options::new()
        .reconnect(ReconnectPolicy::backoff(
            Duration::from_millis(20),
            Duration::from_millis(50),
        ))
        .initial_connect_timeout(Duration::from_millis(500));
    let started = Instant::now();
    let r = within(WAIT, "connect", move || A::connect(&url, options).map(drop));
    match r {
        Err(Error::Connection(lost)) => assert!(
            !lost.will_reconnect,
            "the error claims a reconnect that will not happen: {lost}"
        ),
        other => panic!("expected a connection error, got {other:?}"),
    }
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "gave up before the bound: {:?}",
        started.elapsed()
    );
    // Without a policy: one attempt, and an honest error too.
    let url = format!("mqtt://127.0.0.1:{port}");
    match within(WAIT, "connect", move || {
        A::connect(&url, Options::new()).map(drop)
    }) {
        Err(Error::Connection(lost)) => assert!(!lost.will_reconnect),
        other => panic!("expected a connection error, got {other:?}"),
    }
}

/// `on_connection_lost` is called once per lost established connection; the
/// failed attempts after it go to `on_connect_failed`.
pub fn connection_lost_is_reported_once_per_outage<A: Adapter>() {
    let broker = FakeBroker::start();
    let url = broker.url.clone();
    let lost = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let (l, f) = (lost.clone(), failed.clone());
    let options = Options::new()
        .reconnect(ReconnectPolicy::backoff(
            Duration::from_millis(20),
            Duration::from_millis(40),
        ))
        .on_connection_lost(move |_: &ConnectionLost| {
            l.fetch_add(1, Ordering::SeqCst);
        })
        .on_connect_failed(move |_: &ConnectionLost| {
            f.fetch_add(1, Ordering::SeqCst);
        });
    let (ready_tx, ready_rx) = mpsc::channel();
    let script = std::thread::spawn(move || {
        let mut first = broker.accept();
        first.accept_connect();
        let _ = ready_tx.send(());
        std::thread::sleep(Duration::from_millis(200));
        drop(first);
        // Four failed attempts: accepted, then closed before CONNACK.
        for _ in 0..4 {
            let mut c = broker.accept();
            let _ = c.read();
            drop(c);
        }
        let mut last = broker.accept();
        last.accept_connect();
        last
    });
    let client = A::connect(&url, options).expect("connects");
    ready_rx.recv_timeout(WAIT).unwrap();
    let last = script.join().expect("the scripted broker ran");
    let deadline = Instant::now() + WAIT;
    while client.connection().map(|c| c.reconnect) != Some(true) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        lost.load(Ordering::SeqCst),
        1,
        "on_connection_lost calls for one outage"
    );
    assert_eq!(failed.load(Ordering::SeqCst), 4, "on_connect_failed calls");
    let _ = client.disconnect(Duration::ZERO);
    drop(last);
}

/// `disconnect` returns after the broker closed its side, even when the
/// broker sends something after our DISCONNECT (mqtt-std stopped reading and
/// reset the connection).
pub fn disconnect_waits_for_the_broker_to_close<A: Adapter>() {
    let broker = FakeBroker::start();
    let url = broker.url.clone();
    let script = std::thread::spawn(move || {
        let mut conn = broker.accept();
        conn.accept_connect();
        read_until(&mut conn, "DISCONNECT", |p| {
            matches!(p, Packet::Disconnect(_))
        });
        // A late packet, then a pause before closing.
        conn.write(&encode(
            &publish_packet("late", QoS::AtMostOnce, 0, b"x"),
            ProtocolVersion::V3_1_1,
        ));
        std::thread::sleep(Duration::from_millis(500));
        let closed_at = Instant::now();
        let _ = conn.stream.shutdown(std::net::Shutdown::Write);
        // The client's side reads to the end: no reset.
        let mut rest = Vec::new();
        let r = std::io::Read::read_to_end(&mut conn.stream, &mut rest);
        (closed_at, r.map(|_| ()).map_err(|e| e.kind()))
    });
    let client = A::connect(&url, Options::new()).expect("connects");
    client
        .disconnect(Duration::from_secs(5))
        .expect("disconnects");
    let returned = Instant::now();
    let (closed_at, read) = script.join().unwrap();
    assert!(
        returned >= closed_at,
        "disconnect returned {:?} before the broker closed",
        closed_at - returned
    );
    assert_eq!(read, Ok(()), "the client reset the connection");
}

/// The CONNACK's facts are available from the connected client, not only
/// through `on_connect`.
pub fn connack_facts_are_available_from_the_client<A: Adapter>() {
    let broker = mosquitto();
    let client =
        A::connect(&broker.url(), Options::new().protocol(ProtocolVersion::V5)).expect("connects");
    let info = client.connection().expect("connected");
    assert_eq!(info.protocol, ProtocolVersion::V5);
    assert!(!info.session_present);
    assert!(!info.reconnect);
    assert_eq!(info.server, broker.url());
    client.disconnect(Duration::from_secs(5)).unwrap();
    assert!(
        client.connection().is_none(),
        "no connection after disconnect"
    );
}

/// `subscribe` is bounded by `Options::request_timeout`: a broker that stays
/// connected but never answers does not hold it forever.
pub fn subscribe_is_bounded_by_the_request_timeout<A: Adapter>() {
    let broker = FakeBroker::start();
    let url = broker.url.clone();
    let script = std::thread::spawn(move || {
        let mut conn = broker.accept();
        conn.accept_connect();
        read_until(&mut conn, "SUBSCRIBE", |p| {
            matches!(p, Packet::Subscribe(_))
        });
        std::thread::sleep(Duration::from_secs(3));
        drop(conn);
    });
    let client = Arc::new(
        A::connect(
            &url,
            Options::new().request_timeout(Duration::from_millis(300)),
        )
        .expect("connects"),
    );
    let c = client.clone();
    let r = within(Duration::from_secs(2), "subscribe", move || {
        c.subscribe("never", QoS::AtLeastOnce, Box::new(|_| {}))
    });
    assert!(matches!(r, Err(Error::Timeout)), "got {r:?}");
    let _ = client.disconnect(Duration::ZERO);
    let _ = script.join();
}

/// A publish the broker answers by closing the connection (NATS 2.9 does on
/// every QoS 2 PUBLISH) is not resent forever: it fails with a typed error
/// after a bounded number of connections, the backoff does not reset at each
/// CONNACK, and the publishes behind it go out.
pub fn a_publish_that_ends_every_connection_fails_with_a_typed_error<A: Adapter>() {
    let broker = FakeBroker::start();
    let url = broker.url.clone();
    let script = std::thread::spawn(move || {
        let mut connections = 0;
        loop {
            let mut c = broker.accept();
            connections += 1;
            match c.read() {
                Packet::Connect(_) => {}
                p => panic!("expected CONNECT, got {p:?}"),
            }
            let present = u8::from(connections > 1);
            c.write(&[0x20, 0x02, present, 0x00]);
            let p = read_until(&mut c, "PUBLISH", |p| matches!(p, Packet::Publish(_)));
            let Packet::Publish(p) = p else {
                unreachable!()
            };
            if p.qos == QoS::ExactlyOnce {
                // Refuse it the NATS way: close the connection.
                drop(c);
                continue;
            }
            let pid = p.packet_id.expect("QoS 1").get().to_be_bytes();
            c.write(&[0x40, 0x02, pid[0], pid[1]]);
            return (connections, c);
        }
    });
    let options = Options::new()
        .clean_session(false)
        .client_id("poison-test")
        .reconnect(ReconnectPolicy::backoff(
            Duration::from_millis(10),
            Duration::from_millis(80),
        ));
    let client = A::connect(&url, options).expect("connects");
    let poison = client
        .publish(Publish::new("poison", "q2").qos(QoS::ExactlyOnce))
        .expect("accepted");
    let started = Instant::now();
    match client.wait(poison, WAIT) {
        Err(Error::PublishFailed(mqtt_sansio::client::PublishFailure::Undeliverable {
            attempts,
        })) => assert_eq!(attempts, 5),
        other => panic!("expected PublishFailed(Undeliverable), got {other:?}"),
    }
    let next = client
        .publish(Publish::new("after", "q1").qos(QoS::AtLeastOnce))
        .expect("accepted");
    client
        .wait(next, WAIT)
        .expect("the publish behind it goes out");
    let (connections, _conn) = script.join().expect("the scripted broker ran");
    assert_eq!(
        connections, 6,
        "one connection per attempt, then one that works"
    );
    // 10 + 20 + 40 + 80 ms at least (jitter halves each at most): no reset per CONNACK.
    assert!(
        started.elapsed() >= Duration::from_millis(75),
        "backoff reset at CONNACK: {:?}",
        started.elapsed()
    );
    let _ = client.disconnect(Duration::ZERO);
}

/// Log records of target `mqtt`, kept by the test logger.
static RECORDS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.target() == "mqtt" || m.target() == "mqtt::packet"
    }
    fn log(&self, r: &log::Record<'_>) {
        if self.enabled(r.metadata()) {
            RECORDS
                .lock()
                .unwrap()
                .push(format!("{} {}", r.level(), r.args()));
        }
    }
    fn flush(&self) {}
}

/// Installs the capturing logger (once per test process), every level on.
fn capture_logs() {
    static LOGGER: Capture = Capture;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Trace);
    }
}

/// The records captured so far that mention `id`.
fn records_of(id: &str) -> Vec<String> {
    RECORDS
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.contains(id))
        .cloned()
        .collect()
}

/// Dropping the last handle with publishes unacknowledged is logged (a
/// warning naming the client), since they are lost if the process exits.
pub fn dropping_the_client_with_pending_publishes_is_logged<A: Adapter>() {
    capture_logs();
    let broker = FakeBroker::start();
    let url = broker.url.clone();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut c = broker.accept();
        c.accept_connect();
        // Read the PUBLISH, never acknowledge it.
        let _ = c.read();
        let _ = tx.send(());
        std::thread::sleep(Duration::from_secs(5));
    });
    let id = format!("dropped{}", std::process::id());
    let client = A::connect(&url, Options::new().client_id(id.as_str())).expect("connects");
    let h = client
        .publish(Publish::new("dropped", "x").qos(QoS::AtLeastOnce))
        .expect("accepted");
    rx.recv_timeout(WAIT).unwrap();
    drop(h);
    drop(client);
    let deadline = Instant::now() + WAIT;
    loop {
        let found = RECORDS
            .lock()
            .unwrap()
            .iter()
            .any(|r| r.starts_with("WARN") && r.contains(&id) && r.contains("1 publishes"));
        if found {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no warning for client {id}: {:?}",
            RECORDS.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A connection that flaps is logged (target `mqtt`): the attempt, CONNACK,
/// the loss with its cause and the backoff delay before the next attempt,
/// the reconnect; packets at trace (target `mqtt::packet`), without the
/// password.
pub fn a_reconnect_is_logged_with_its_cause_and_backoff_delay<A: Adapter>() {
    capture_logs();
    let broker = FakeBroker::start();
    let url = broker.url.clone();
    let script = std::thread::spawn(move || {
        // The first connection is accepted, then cut; the second stays.
        let mut first = broker.accept();
        first.accept_connect();
        drop(first);
        let mut second = broker.accept();
        second.accept_connect();
        second
    });
    let id = format!("flapping{}", std::process::id());
    let options = Options::new()
        .client_id(id.as_str())
        .credentials("alice", "s3cret")
        .reconnect(ReconnectPolicy::Backoff {
            min: Duration::from_millis(300),
            max: Duration::from_secs(1),
            jitter: false,
        });
    let client = A::connect(&url, options).expect("connects");
    let _conn = script.join().expect("the scripted broker ran");
    let deadline = Instant::now() + WAIT;
    let records = loop {
        let r = records_of(&id);
        if r.iter().any(|l| l.contains("reconnected to")) {
            break r;
        }
        assert!(Instant::now() < deadline, "no reconnect logged: {r:#?}");
        std::thread::sleep(Duration::from_millis(10));
    };
    let position = |level: &str, needle: &str| {
        records
            .iter()
            .position(|l| l.starts_with(level) && l.contains(needle))
            .unwrap_or_else(|| panic!("no {level} record with {needle:?} in {records:#?}"))
    };
    let attempt = position("DEBUG", "connecting to mqtt://");
    let connected = position("INFO", "connected to mqtt://");
    let lost = position("WARN", "connection lost");
    let reconnected = position("INFO", "reconnected to");
    assert!(
        attempt < connected && connected < lost && lost < reconnected,
        "{records:#?}"
    );
    // The policy's first delay, 300 ms, less the moments between the
    // core scheduling it and the driver logging it.
    let delay_ms: Option<u64> = records[lost]
        .split("reconnecting in ")
        .nth(1)
        .and_then(|rest| rest.strip_suffix(" ms"))
        .and_then(|n| n.parse().ok());
    assert!(
        delay_ms.is_some_and(|ms| (250..=300).contains(&ms)),
        "the loss names the backoff delay: {}",
        records[lost]
    );
    assert!(
        records[lost].contains("closed"),
        "the loss says why: {}",
        records[lost]
    );
    let connect = position("TRACE", "sent CONNECT");
    assert!(
        records[connect].contains("username"),
        "{}",
        records[connect]
    );
    position("TRACE", "received CONNACK");
    assert!(
        records.iter().all(|l| !l.contains("s3cret")),
        "a password was logged: {records:#?}"
    );
    // In the background: the scripted broker would not close its side.
    drop(client);
}

// ---------------------------------------------------------------------------
// Delivery guarantees and messages (scripted broker)
// ---------------------------------------------------------------------------

/// A scripted broker that accepted one MQTT `version` connection, and the client.
fn scripted<A: Adapter>(options: Options, version: ProtocolVersion) -> (A, FakeConn) {
    let broker = FakeBroker::start();
    let url = broker.url.clone();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut c = broker.accept();
        match c.read() {
            Packet::Connect(_) => {}
            p => panic!("expected CONNECT, got {p:?}"),
        }
        c.set_version(version);
        if version == ProtocolVersion::V5 {
            c.write(&[0x20, 0x03, 0x00, 0x00, 0x00]);
        } else {
            c.write(&[0x20, 0x02, 0x00, 0x00]);
        }
        let _ = tx.send(c);
    });
    let client = A::connect(&url, options.protocol(version)).expect("connects");
    let conn = rx.recv_timeout(WAIT).expect("the scripted broker accepted");
    (client, conn)
}

/// The packet the client sends within `d` (PINGREQ skipped), if any.
fn sent_within(conn: &mut FakeConn, d: Duration) -> Option<Packet> {
    conn.stream.set_read_timeout(Some(d)).unwrap();
    let deadline = Instant::now() + d;
    let mut got = None;
    while Instant::now() < deadline {
        match conn.try_read() {
            Some(Packet::PingReq) => continue,
            other => {
                got = other;
                break;
            }
        }
    }
    conn.stream.set_read_timeout(Some(WAIT)).unwrap();
    got
}

fn pid_of(p: &Packet) -> u16 {
    match p {
        Packet::PubAck(r) | Packet::PubRec(r) => r.packet_id.get(),
        Packet::Subscribe(s) => s.packet_id.get(),
        Packet::Publish(p) => p.packet_id.map_or(0, |p| p.get()),
        p => panic!("no packet id in {p:?}"),
    }
}

/// Automatic acknowledgements are sent after the handler returned, not when
/// the message arrives (a process killed mid-handler gets the message again):
/// QoS 1 (PUBACK) and QoS 2 (PUBREC).
pub fn automatic_acks_follow_the_handler<A: Adapter>() {
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let options = Options::new().on_unhandled(move |m| {
        let _ = started_tx.send(m.qos());
        let _ = release_rx.lock().unwrap().recv_timeout(WAIT);
    });
    let (client, mut conn) = scripted::<A>(options, ProtocolVersion::V3_1_1);
    for (qos, pid) in [(QoS::AtLeastOnce, 1u16), (QoS::ExactlyOnce, 2)] {
        conn.write(&encode(
            &publish_packet("acks", qos, pid, b"m"),
            ProtocolVersion::V3_1_1,
        ));
        assert_eq!(started_rx.recv_timeout(WAIT).unwrap(), qos);
        if let Some(p) = sent_within(&mut conn, Duration::from_millis(300)) {
            panic!("{qos:?}: the client answered {p:?} while the handler was still running");
        }
        release_tx.send(()).unwrap();
        let ack = read_until(&mut conn, "the acknowledgement", |p| {
            matches!(p, Packet::PubAck(_) | Packet::PubRec(_))
        });
        match (qos, &ack) {
            (QoS::AtLeastOnce, Packet::PubAck(_)) | (QoS::ExactlyOnce, Packet::PubRec(_)) => {}
            _ => panic!("{qos:?} answered with {ack:?}"),
        }
        assert_eq!(pid_of(&ack), pid);
    }
    let _ = client.disconnect(Duration::ZERO);
}

/// With manual acks, a handler declared in the options acknowledges the
/// message it was given directly (`Message::ack`), with no client handle; a
/// message it does not acknowledge is not acknowledged.
pub fn a_handler_acknowledges_its_message_directly<A: Adapter>() {
    let options = Options::new()
        .manual_acks(true)
        .handler("direct/#", QoS::AtLeastOnce, |m| {
            assert!(m.needs_ack());
            if m.payload() == "ack me" {
                m.ack().expect("acknowledged from the handler");
            }
        });
    let (client, mut conn) = scripted::<A>(options, ProtocolVersion::V3_1_1);
    let sub = read_until(&mut conn, "SUBSCRIBE", |p| {
        matches!(p, Packet::Subscribe(_))
    });
    let pid = pid_of(&sub).to_be_bytes();
    conn.write(&[0x90, 0x03, pid[0], pid[1], 0x01]);
    conn.write(&encode(
        &publish_packet("direct/a", QoS::AtLeastOnce, 7, b"leave me"),
        ProtocolVersion::V3_1_1,
    ));
    if let Some(p) = sent_within(&mut conn, Duration::from_millis(300)) {
        panic!("a message the handler did not acknowledge was answered: {p:?}");
    }
    conn.write(&encode(
        &publish_packet("direct/a", QoS::AtLeastOnce, 8, b"ack me"),
        ProtocolVersion::V3_1_1,
    ));
    let ack = read_until(&mut conn, "PUBACK", |p| matches!(p, Packet::PubAck(_)));
    assert_eq!(pid_of(&ack), 8);
    let _ = client.disconnect(Duration::ZERO);
}

/// A handler that panics leaves its QoS 1 message unacknowledged (a
/// persistent session redelivers it) and the next message is handled and
/// acknowledged as usual.
pub fn a_panicking_handler_leaves_its_message_unacknowledged<A: Adapter>() {
    let (seen_tx, seen_rx) = mpsc::channel();
    let seen_tx = Mutex::new(seen_tx);
    let options = Options::new().on_unhandled(move |m| {
        let _ = seen_tx.lock().unwrap().send(m.payload().clone());
        if m.payload() == "boom" {
            panic!("a handler bug (expected by this test)");
        }
    });
    let (client, mut conn) = scripted::<A>(options, ProtocolVersion::V3_1_1);
    conn.write(&encode(
        &publish_packet("panic", QoS::AtLeastOnce, 1, b"boom"),
        ProtocolVersion::V3_1_1,
    ));
    assert_eq!(seen_rx.recv_timeout(WAIT).unwrap(), "boom");
    if let Some(p) = sent_within(&mut conn, Duration::from_millis(300)) {
        panic!("the panicking handler's message was answered: {p:?}");
    }
    conn.write(&encode(
        &publish_packet("panic", QoS::AtLeastOnce, 2, b"fine"),
        ProtocolVersion::V3_1_1,
    ));
    assert_eq!(seen_rx.recv_timeout(WAIT).unwrap(), "fine");
    let ack = read_until(&mut conn, "PUBACK", |p| matches!(p, Packet::PubAck(_)));
    assert_eq!(pid_of(&ack), 2);
    let _ = client.disconnect(Duration::ZERO);
}

/// A subscription the broker refuses (SUBACK 0x80) puts the filter's previous
/// handler back.
pub fn a_refused_subscription_restores_the_previous_handler<A: Adapter>() {
    let broker = FakeBroker::start();
    let url = broker.url.clone();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let script = std::thread::spawn(move || {
        let mut c = broker.accept();
        c.accept_connect();
        for code in [0x00u8, 0x80] {
            let sub = read_until(&mut c, "SUBSCRIBE", |p| matches!(p, Packet::Subscribe(_)));
            let pid = pid_of(&sub).to_be_bytes();
            c.write(&[0x90, 0x03, pid[0], pid[1], code]);
        }
        go_rx.recv_timeout(WAIT).unwrap();
        c.write(&encode(
            &publish_packet("refused/x", QoS::AtMostOnce, 0, b"m"),
            ProtocolVersion::V3_1_1,
        ));
        c
    });
    let client = A::connect(&url, Options::new()).expect("connects");
    let (first_tx, first_rx) = mpsc::channel();
    let (second_tx, second_rx) = mpsc::channel();
    let first_tx = Mutex::new(first_tx);
    let second_tx = Mutex::new(second_tx);
    let ack = client
        .subscribe(
            "refused/x",
            QoS::AtMostOnce,
            Box::new(move |m| {
                let _ = first_tx.lock().unwrap().send(m.topic().to_owned());
            }),
        )
        .expect("first subscribe");
    assert_eq!(ack.granted(), vec![Some(QoS::AtMostOnce)]);
    let ack = client
        .subscribe(
            "refused/x",
            QoS::AtMostOnce,
            Box::new(move |m| {
                let _ = second_tx.lock().unwrap().send(m.topic().to_owned());
            }),
        )
        .expect("the SUBACK arrives");
    assert_eq!(ack.granted(), vec![None], "the broker refused it");
    go_tx.send(()).unwrap();
    assert_eq!(first_rx.recv_timeout(WAIT).unwrap(), "refused/x");
    assert!(second_rx.recv_timeout(Duration::from_millis(300)).is_err());
    let _ = client.disconnect(Duration::ZERO);
    drop(script.join());
}

/// An MQTT 5 error reason code in PUBACK (QoS 1) or PUBREC (QoS 2) fails the
/// publish with `Error::Rejected` and that reason.
pub fn an_error_reason_in_puback_or_pubrec_rejects_the_publish<A: Adapter>() {
    let (client, mut conn) = scripted::<A>(Options::new(), ProtocolVersion::V5);
    for (qos, code, reason) in [
        (QoS::AtLeastOnce, 0x87u8, ReasonCode::NotAuthorized),
        (QoS::ExactlyOnce, 0x97, ReasonCode::QuotaExceeded),
    ] {
        let h = client
            .publish(Publish::new("rejected", "m").qos(qos))
            .expect("accepted");
        let p = read_until(&mut conn, "PUBLISH", |p| matches!(p, Packet::Publish(_)));
        let pid = pid_of(&p).to_be_bytes();
        let kind = if qos == QoS::AtLeastOnce { 0x40 } else { 0x50 };
        conn.write(&[kind, 0x03, pid[0], pid[1], code]);
        match client.wait(h, WAIT) {
            Err(Error::Rejected { reason: r, .. }) => assert_eq!(r, reason),
            other => panic!("{qos:?} with reason {code:#x}: expected Rejected, got {other:?}"),
        }
    }
    let _ = client.disconnect(Duration::ZERO);
}

/// A received MQTT 5 message carries its resolved topic and no Topic Alias
/// (republishing its properties must not be refused).
pub fn a_received_message_has_its_topic_and_no_alias<A: Adapter>() {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let options = Options::new().on_unhandled(move |m| {
        let _ = tx.lock().unwrap().send(m.clone());
    });
    let (client, mut conn) = scripted::<A>(options, ProtocolVersion::V5);
    for topic in ["aliased/topic", ""] {
        let mut p = mqtt_sansio::codec::Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: topic.to_owned().into(),
            packet_id: None,
            properties: Default::default(),
            payload: Bytes::from_static(b"m"),
        };
        p.properties.topic_alias = Some(1);
        conn.write(&encode(&Packet::Publish(p), ProtocolVersion::V5));
        let m = rx.recv_timeout(WAIT).expect("delivered");
        assert_eq!(m.topic(), "aliased/topic");
        assert_eq!(
            m.properties().topic_alias,
            None,
            "the broker's alias leaked"
        );
    }
    let _ = client.disconnect(Duration::ZERO);
}

/// Expands one `#[test]` per conformance test for the adapter type `$a`.
#[macro_export]
macro_rules! conformance_tests {
    ($a:ty) => {
        $crate::conformance_tests!(@each $a;
            qos0_flood_is_delivered_whole_and_disconnect_flushes_it,
            qos0_publishes_are_bounded_when_the_broker_stops_reading,
            disconnect_reports_a_timeout_that_cut_it_short,
            first_connect_is_retried_under_the_reconnect_policy,
            first_connect_retries_are_bounded_and_the_error_is_honest,
            connection_lost_is_reported_once_per_outage,
            disconnect_waits_for_the_broker_to_close,
            connack_facts_are_available_from_the_client,
            subscribe_is_bounded_by_the_request_timeout,
            a_publish_that_ends_every_connection_fails_with_a_typed_error,
            dropping_the_client_with_pending_publishes_is_logged,
            a_reconnect_is_logged_with_its_cause_and_backoff_delay,
            automatic_acks_follow_the_handler,
            a_handler_acknowledges_its_message_directly,
            a_panicking_handler_leaves_its_message_unacknowledged,
            a_refused_subscription_restores_the_previous_handler,
            an_error_reason_in_puback_or_pubrec_rejects_the_publish,
            a_received_message_has_its_topic_and_no_alias,
        );
    };
    (@each $a:ty; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::conformance::$name::<$a>();
            }
        )*
    };
}
