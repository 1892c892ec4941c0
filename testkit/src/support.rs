//! What the integration tests of every adapter share: the brokers under test
//! (announced on stderr), names unique to a test run, how long to wait, and a
//! proxy whose connections a test can cut. Runtime-specific helpers
//! (channels, `expect_exactly`) stay in each adapter's `tests/support`.

use crate::Broker;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How long a test waits for a delivery it expects before failing (a safety
/// net for a broken build, never a speed check).
pub const WAIT: Duration = Duration::from_secs(10);

/// How long a test listens for deliveries it does NOT expect after the
/// expected ones arrived. Missing an extra delivery is possible; a false
/// failure is not.
pub const QUIET: Duration = Duration::from_millis(300);

/// The brokers under test ([`brokers`](crate::brokers): the embedded one,
/// plus `MQTT_TEST_BROKERS`), named on stderr so a failure says where it ran.
///
/// # Panics
/// When the embedded broker cannot start (the test cannot run at all).
pub fn brokers() -> Vec<Broker> {
    let list = crate::brokers().expect("the embedded broker starts");
    eprintln!(
        "brokers under test: {}",
        list.iter()
            .map(|b| format!("{}={}", b.name, b.url()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    list
}

/// A topic prefix unique to `krate`'s test `test`, this process and call
/// (brokers are shared, tests run in parallel). No dots: RabbitMQ maps them
/// to AMQP routing keys.
///
/// ```
/// let a = mqtt_testkit::support::prefix("mqtt-std", "hello");
/// let b = mqtt_testkit::support::prefix("mqtt-std", "hello");
/// assert!(a.starts_with("mqtt-std-test/hello/") && a.ends_with('/'));
/// assert_ne!(a, b);
/// ```
pub fn prefix(krate: &str, test: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{krate}-test/{test}/{}-{}-{}/",
        std::process::id(),
        nanos(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A client id unique to this process and call, at most 23 characters (the
/// MQTT 3.1 limit), starting with up to six characters of `tag`.
///
/// ```
/// let id = mqtt_testkit::support::client_id("blabbr-consumer");
/// assert!(id.starts_with("blabbr") && id.len() <= 23);
/// assert_ne!(id, mqtt_testkit::support::client_id("blabbr-consumer"));
/// ```
pub fn client_id(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let tag: String = tag.chars().take(6).collect();
    let mut id = format!(
        "{tag}{:x}{:x}x{n}",
        std::process::id() & 0xffff,
        nanos() & 0xfff
    );
    id.truncate(23);
    id
}

fn nanos() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

/// How many OS threads this process runs now (`Threads:` of
/// `/proc/self/status`; Linux only).
///
/// # Panics
/// When `/proc/self/status` cannot be read or has no `Threads:` line.
pub fn os_threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .expect("a Threads line")
        .trim()
        .parse()
        .expect("a number")
}

/// Whether `broker` is RabbitMQ.
pub fn is_rabbitmq(broker: &Broker) -> bool {
    broker.kind == crate::BrokerKind::RabbitMq
}

/// A loopback TCP proxy in front of a broker whose connections the test can
/// cut, to make a client lose its connection without either side closing it
/// cleanly.
#[derive(Debug)]
pub struct Proxy {
    /// The loopback port it listens on.
    pub port: u16,
    conns: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    /// Starts forwarding `127.0.0.1:<port>` to `target`.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("a bound listener").port();
        let conns = Arc::new(Mutex::new(Vec::<TcpStream>::new()));
        let list = conns.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(target) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                let (Ok(c2), Ok(s2), Ok(c3), Ok(s3)) = (
                    client.try_clone(),
                    server.try_clone(),
                    client.try_clone(),
                    server.try_clone(),
                ) else {
                    continue;
                };
                lock(&list).extend([c2, s2]);
                for (mut from, mut to) in [(c3, s3), (server, client)] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        Proxy { port, conns }
    }

    /// The proxy's URL (`mqtt://127.0.0.1:<port>`).
    pub fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    /// Cuts every connection made so far.
    pub fn cut(&self) {
        for s in lock(&self.conns).drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The socket address of a broker URL `mqtt://host:port`.
///
/// # Panics
/// When the address does not resolve.
pub fn addr_of(url: &str) -> SocketAddr {
    let hostport = url.trim_start_matches("mqtt://").trim_end_matches('/');
    hostport
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .unwrap_or_else(|| panic!("{url}: not a resolvable mqtt://host:port"))
}
