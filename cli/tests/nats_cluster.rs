//! Fail-over across a clustered broker with the session kept: a private
//! three-node NATS cluster (JetStream, MQTT listener on each node, sessions
//! in streams replicated 3 times), a publisher and a subscriber with
//! persistent sessions and all three nodes as fail-over servers; the node
//! the publisher is on is killed mid-stream, later the subscriber's.
//!
//! CI runs 2,000 messages; the full run is
//! `NATS_FAILOVER_MESSAGES=20000 cargo test -p mqtt-sansio-cli --test nats_cluster -- --nocapture`.
//! Needs `nats-server` (Debian's `nats-server` package; `.ci/run` installs it).

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_lite::StreamExt;
use mqtt_tokio::{Client, Options, Publish, QoS, ReconnectPolicy};

/// One node of the cluster: its process, killed on drop.
struct Node {
    child: Option<Child>,
    mqtt: u16,
    conf: std::path::PathBuf,
    log: std::path::PathBuf,
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Node {
    fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.mqtt)
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    /// Starts (again) with its configuration and store.
    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        self.child = Some(
            Command::new("nats-server")
                .args(["-c", self.conf.to_str().unwrap()])
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap(),
        );
    }

    /// Waits until the node takes an MQTT session (it runs and the
    /// JetStream cluster has a quorum).
    async fn ready(&self) {
        let url = self.url();
        let end = Instant::now() + Duration::from_secs(60);
        loop {
            let o = Options::new()
                .client_id(format!("probe-{}", self.mqtt))
                .connect_timeout(Duration::from_secs(5));
            let ok = match Client::connect(&url, o).await {
                Ok(c) => c.disconnect().await.is_ok(),
                Err(_) => false,
            };
            if ok {
                return;
            }
            assert!(
                Instant::now() < end,
                "NATS node {url} never took an MQTT session"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

struct Cluster {
    nodes: Vec<Node>,
    _dir: tempfile::TempDir,
}

fn port() -> u16 {
    mqtt_testkit::free_loopback_port().expect("a free port")
}

/// What a user configures on each node (written down in the README's
/// "Scaling out"): a cluster route to the others, JetStream with a store of
/// its own, and an MQTT listener whose session streams have 3 replicas.
fn config(name: &str, client: u16, cluster: u16, mqtt: u16, routes: &[u16], store: &str) -> String {
    let routes: Vec<String> = routes
        .iter()
        .map(|p| format!("\"nats-route://127.0.0.1:{p}\""))
        .collect();
    format!(
        "server_name: {name}\n\
         listen: 127.0.0.1:{client}\n\
         jetstream {{ store_dir: \"{store}\" }}\n\
         cluster {{ name: mqtt-test, listen: 127.0.0.1:{cluster}, routes: [{}] }}\n\
         mqtt {{ listen: 127.0.0.1:{mqtt}, stream_replicas: 3 }}\n",
        routes.join(", ")
    )
}

/// One cluster at a time: three JetStream nodes per test are already a load
/// for a 2-core machine, and the tests measure fail-over times.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

impl Cluster {
    /// Starts three nodes and waits until each takes an MQTT session (the
    /// JetStream cluster has a leader). `None` (SKIPPED, or a failure in CI)
    /// when there is no `nats-server`.
    fn start() -> Option<Cluster> {
        if Command::new("nats-server")
            .arg("--version")
            .output()
            .is_err()
        {
            let line = "SKIPPED: nats_cluster needs nats-server (Debian's nats-server)";
            if std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true")) {
                panic!("{line} (CI=true: a missing tool fails the test in CI)");
            }
            eprintln!("{line}");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let ports: Vec<(u16, u16, u16)> = (0..3).map(|_| (port(), port(), port())).collect();
        let mut nodes = Vec::new();
        for (i, &(client, cluster, mqtt)) in ports.iter().enumerate() {
            let routes: Vec<u16> = ports
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, p)| p.1)
                .collect();
            let store = dir.path().join(format!("n{i}"));
            let conf = dir.path().join(format!("n{i}.conf"));
            std::fs::write(
                &conf,
                config(
                    &format!("n{i}"),
                    client,
                    cluster,
                    mqtt,
                    &routes,
                    store.to_str().unwrap(),
                ),
            )
            .unwrap();
            let mut node = Node {
                child: None,
                mqtt,
                conf,
                log: dir.path().join(format!("n{i}.log")),
            };
            node.spawn();
            nodes.push(node);
        }
        let cluster = Cluster { nodes, _dir: dir };
        let rt = runtime();
        for node in &cluster.nodes {
            rt.block_on(node.ready());
        }
        Some(cluster)
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn messages() -> usize {
    std::env::var("NATS_FAILOVER_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

/// A persistent session that tries `first`, then the others in order.
fn options(id: &str, servers: &[String]) -> Options {
    let mut o = Options::new()
        .client_id(id)
        .clean_session(false)
        .keep_alive(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(10))
        .reconnect(ReconnectPolicy::backoff(
            Duration::from_millis(50),
            Duration::from_millis(500),
        ));
    for s in servers {
        o = o.server(s.clone());
    }
    o
}

#[test]
fn publisher_and_subscriber_fail_over_with_their_sessions_and_lose_no_qos1_message() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let Some(mut cluster) = Cluster::start() else {
        return;
    };
    let n = messages();
    let urls: Vec<String> = cluster.nodes.iter().map(Node::url).collect();
    let topic = format!("failover/{}", std::process::id());
    let rt = runtime();

    // Subscriber on node 1 (then 2, 0), publisher on node 0 (then 1, 2).
    let received: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let reconnects = Arc::new(Mutex::new(Vec::<(String, Instant)>::new()));
    let sub_id = format!("failover-sub-{}", std::process::id());
    let pub_id = format!("failover-pub-{}", std::process::id());

    rt.block_on(async {
        // Each reconnect of `who`, with its server and time.
        let record = |who: &'static str| {
            let r = reconnects.clone();
            move |i: &mqtt_tokio::ConnectInfo| {
                if i.reconnect {
                    r.lock()
                        .unwrap()
                        .push((format!("{who} to {}", i.server), Instant::now()));
                }
            }
        };
        let sub_options =
            options(&sub_id, &[urls[2].clone(), urls[0].clone()]).on_connect(record("subscriber"));
        let subscriber = Client::connect(&urls[1], sub_options)
            .await
            .expect("subscriber connects");
        let mut stream = subscriber
            .subscribe_stream([(topic.as_str(), QoS::AtLeastOnce)])
            .await
            .expect("subscribed");
        let got = received.clone();
        let reading = tokio::spawn(async move {
            while let Some(m) = stream.next().await {
                let p = m.payload_str().unwrap_or("").to_owned();
                *got.lock().unwrap().entry(p).or_default() += 1;
            }
        });

        let pub_options =
            options(&pub_id, &[urls[1].clone(), urls[2].clone()]).on_connect(record("publisher"));
        let publisher = Client::connect(&urls[0], pub_options)
            .await
            .expect("publisher connects");

        // QoS 2: NATS refuses it by closing the connection; the client gives
        // a typed error instead of resending it forever (a client of its own,
        // so that its reconnects are not counted as fail-overs).
        let q2_client = Client::connect(&urls[2], options(&format!("{pub_id}-q2"), &[]))
            .await
            .expect("connects");
        let q2 = q2_client
            .publish_with(Publish::new(topic.as_str(), "q2").qos(QoS::ExactlyOnce))
            .await
            .expect("taken");
        let q2 = tokio::time::timeout(Duration::from_secs(60), q2)
            .await
            .expect("a QoS 2 publish to NATS does not hang");
        let Err(q2) = q2 else {
            panic!("NATS took a QoS 2 publish")
        };
        eprintln!("QoS 2 to NATS: {}", mqtt_testkit::cli::chain(&q2));
        let _ = q2_client.disconnect().await;

        let mut handles = std::collections::VecDeque::new();
        let mut failed = Vec::new();
        let mut killed = Vec::new();
        for i in 0..n {
            if i == n * 3 / 10 {
                cluster.nodes[0].kill();
                killed.push(("the publisher's node (n0)", Instant::now()));
            }
            if i == n * 6 / 10 {
                // With two of three nodes down JetStream has no quorum and no
                // node takes a session: n0 comes back (with its store) first.
                cluster.nodes[0].spawn();
                cluster.nodes[0].ready().await;
                cluster.nodes[1].kill();
                killed.push(("the subscriber's node (n1)", Instant::now()));
            }
            let h = publisher
                .publish_with(
                    Publish::new(topic.as_str(), format!("m{i:06}")).qos(QoS::AtLeastOnce),
                )
                .await
                .expect("taken");
            handles.push_back((i, h));
            while handles.len() > 20 {
                let (i, h) = handles.pop_front().unwrap();
                match tokio::time::timeout(Duration::from_secs(30), h).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => failed.push((i, e.to_string())),
                    Err(_) => panic!(
                        "publish {i} not acknowledged in 30 s (connected: {})",
                        publisher.is_connected()
                    ),
                }
            }
            if i % (n / 10).max(1) == 0 {
                eprintln!(
                    "{:?}: {i} published, {} received",
                    Instant::now(),
                    received.lock().unwrap().len()
                );
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        for (i, h) in handles {
            if let Err(e) = h.await {
                failed.push((i, e.to_string()));
            }
        }
        assert!(
            failed.is_empty(),
            "publishes failed: {:?}",
            &failed[..failed.len().min(5)]
        );

        // Everything acknowledged by the cluster reaches the subscriber.
        let end = Instant::now() + Duration::from_secs(60);
        while received.lock().unwrap().len() < n && Instant::now() < end {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let got = received.lock().unwrap().clone();
        let lost: Vec<String> = (0..n)
            .map(|i| format!("m{i:06}"))
            .filter(|p| !got.contains_key(p))
            .collect();
        let duplicates: usize = got.values().map(|c| c - 1).sum();
        let reconnects = reconnects.lock().unwrap().clone();
        for (k, (what, at)) in killed.iter().enumerate() {
            let until = killed.get(k + 1).map(|(_, t)| *t);
            for client in ["publisher", "subscriber"] {
                let after = |t: &Instant| t > at && until.map_or(true, |u| *t < u);
                if let Some((who, when)) = reconnects
                    .iter()
                    .find(|(w, t)| w.starts_with(client) && after(t))
                {
                    eprintln!(
                        "killed {what}: {who} {} ms later",
                        (*when - *at).as_millis()
                    );
                }
            }
        }
        eprintln!(
            "{n} QoS 1 messages: {} received, {} lost, {duplicates} duplicates; reconnects: {:?}",
            got.len(),
            lost.len(),
            reconnects.iter().map(|(w, _)| w).collect::<Vec<_>>()
        );
        assert!(
            lost.is_empty(),
            "lost {} messages, for example {:?}",
            lost.len(),
            &lost[..lost.len().min(5)]
        );
        assert!(
            reconnects.iter().any(|(w, _)| w.starts_with("publisher")),
            "the publisher failed over"
        );
        assert!(
            reconnects.iter().any(|(w, _)| w.starts_with("subscriber")),
            "the subscriber failed over"
        );
        let _ = publisher.disconnect().await;
        let _ = subscriber.disconnect().await;
        reading.abort();
    });
}

/// Each CONNACK: client number, server, whether a reconnect, when.
type Connects = Arc<Mutex<Vec<(usize, String, bool, Instant)>>>;

fn scale_clients() -> usize {
    std::env::var("NATS_SCALE_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// The value at quantile `q` of sorted `v`.
fn quantile(v: &[u128], q: f64) -> u128 {
    if v.is_empty() {
        return 0;
    }
    v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1]
}

#[test]
fn clients_of_a_killed_node_spread_over_the_survivors_and_lose_nothing() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let Some(mut cluster) = Cluster::start() else {
        return;
    };
    let clients = scale_clients();
    let urls: Vec<String> = cluster.nodes.iter().map(Node::url).collect();
    let base = format!("scale/{}", std::process::id());
    let rt = runtime();
    rt.block_on(async {
        // Who is connected where, and when each reconnect happened.
        let events: Connects = Arc::default();
        let received: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        // Failed connection attempts (the first retries of the dead node).
        let attempts: Arc<Mutex<Vec<(usize, Instant)>>> = Arc::default();

        // The counting subscriber stays on node 2, which is not killed.
        let sub_id = format!("scale-sub-{}", std::process::id());
        let subscriber = Client::connect(&urls[2], options(&sub_id, &[urls[1].clone()]))
            .await
            .expect("subscriber connects");
        let filter = format!("{base}/#");
        let mut stream = subscriber
            .subscribe_stream([(filter.as_str(), QoS::AtLeastOnce)])
            .await
            .expect("subscribed");
        let got = received.clone();
        let reading = tokio::spawn(async move {
            while let Some(m) = stream.next().await {
                let p = m.payload_str().unwrap_or("").to_owned();
                *got.lock().unwrap().entry(p).or_default() += 1;
            }
        });

        // Each client's server order is its own: its first node by its
        // number, the other two swapped for every other client, so that a
        // dead node's clients split over both survivors.
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let acked: Arc<Mutex<Vec<String>>> = Arc::default();
        // Survivors' publishes: when sent, how long until acknowledged.
        let survivor_latency: Arc<Mutex<Vec<(Instant, u128)>>> = Arc::default();
        let failed: Arc<Mutex<Vec<String>>> = Arc::default();
        let mut tasks = Vec::new();
        for k in 0..clients {
            let mut order: Vec<String> = (0..3).map(|j| urls[(k + j) % 3].clone()).collect();
            if (k / 3) % 2 == 1 {
                order.swap(1, 2);
            }
            let ev = events.clone();
            let tries = attempts.clone();
            let o = options(&format!("scale-{}-{k}", std::process::id()), &order[1..])
                // A wider backoff than the other test's: each client's first
                // retry is drawn from [0.5 s, 1 s], spreading the reconnects.
                .reconnect(ReconnectPolicy::backoff(Duration::from_secs(1), Duration::from_secs(5)))
                .on_connect(move |i| ev.lock().unwrap().push((k, i.server.clone(), i.reconnect, Instant::now())))
                .on_connect_failed(move |_| tries.lock().unwrap().push((k, Instant::now())));
            let client = Client::connect(&order[0], o).await.expect("connects");
            let (stop, acked, failed) = (stop.clone(), acked.clone(), failed.clone());
            let latency = survivor_latency.clone();
            let topic = format!("{base}/{k}");
            tasks.push(tokio::spawn(async move {
                // Spread over the second, then one QoS 1 publish a second.
                tokio::time::sleep(Duration::from_millis((k * 997 % 1000) as u64)).await;
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                let mut seq = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    tick.tick().await;
                    let payload = format!("{k}-{seq}");
                    seq += 1;
                    let sent = Instant::now();
                    match client.publish_with(Publish::new(topic.as_str(), payload.clone()).qos(QoS::AtLeastOnce)).await {
                        Ok(h) => match h.await {
                            Ok(_) => {
                                if k % 3 != 0 {
                                    latency.lock().unwrap().push((sent, sent.elapsed().as_millis()));
                                }
                                acked.lock().unwrap().push(payload)
                            }
                            Err(e) => failed.lock().unwrap().push(format!("{payload}: {e}")),
                        },
                        Err(e) => failed.lock().unwrap().push(format!("{payload}: {e}")),
                    }
                }
                let _ = client.disconnect().await;
            }));
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
        let on_killed: Vec<usize> = (0..clients).filter(|k| k % 3 == 0).collect();
        let killed_at = Instant::now();
        cluster.nodes[0].kill();
        tokio::time::sleep(Duration::from_secs(20)).await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in tasks {
            let _ = t.await;
        }
        let acked = acked.lock().unwrap().clone();
        let end = Instant::now() + Duration::from_secs(60);
        loop {
            let missing = {
                let got = received.lock().unwrap();
                acked.iter().filter(|p| !got.contains_key(*p)).count()
            };
            if missing == 0 || Instant::now() > end {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let got = received.lock().unwrap().clone();
        let lost: Vec<&String> = acked.iter().filter(|p| !got.contains_key(*p)).collect();
        let duplicates: usize = got.values().map(|c| c - 1).sum();
        let failed = failed.lock().unwrap().clone();

        // Reconnects of the killed node's clients: when, and where to.
        let events = events.lock().unwrap().clone();
        let mut times: Vec<u128> = Vec::new();
        let mut landed: HashMap<String, usize> = HashMap::new();
        for &k in &on_killed {
            if let Some((_, server, _, at)) = events.iter().find(|(c, _, re, at)| *c == k && *re && *at > killed_at) {
                times.push((*at - killed_at).as_millis());
                *landed.entry(server.clone()).or_default() += 1;
            }
        }
        times.sort_unstable();
        let attempts = attempts.lock().unwrap().clone();
        let mut first_retry: Vec<u128> = on_killed
            .iter()
            .filter_map(|&k| attempts.iter().find(|(c, at)| *c == k && *at > killed_at))
            .map(|(_, at)| (*at - killed_at).as_millis())
            .collect();
        first_retry.sort_unstable();
        eprintln!(
            "first retry after the kill: p0 {} ms, p50 {} ms, p100 {} ms ({} clients)",
            first_retry.first().copied().unwrap_or(0),
            quantile(&first_retry, 0.5),
            quantile(&first_retry, 1.0),
            first_retry.len()
        );
        let mut during: Vec<u128> = survivor_latency
            .lock()
            .unwrap()
            .iter()
            .filter(|(at, _)| *at > killed_at)
            .map(|(_, l)| *l)
            .collect();
        during.sort_unstable();
        eprintln!(
            "survivors' QoS 1 publishes after the kill: {} acknowledged, p50 {} ms, p99 {} ms, max {} ms",
            during.len(),
            quantile(&during, 0.5),
            quantile(&during, 0.99),
            quantile(&during, 1.0)
        );
        let names: HashMap<&String, &str> = urls.iter().zip(["n0", "n1", "n2"]).collect();
        let landed: Vec<(&str, usize)> = landed.iter().map(|(u, c)| (names[u], *c)).collect();
        let per_second: Vec<usize> = (0..20)
            .map(|s| times.iter().filter(|t| **t / 1000 == s).count())
            .collect();
        eprintln!(
            "{clients} clients, {} on the killed node; reconnected {} of them: p50 {} ms, p90 {} ms, max {} ms; \
             per second after the kill {per_second:?}; landed on {landed:?}; {} QoS 1 acknowledged, {} lost, \
             {duplicates} duplicates, {} failed",
            on_killed.len(),
            times.len(),
            quantile(&times, 0.5),
            quantile(&times, 0.9),
            quantile(&times, 1.0),
            acked.len(),
            lost.len(),
            failed.len()
        );
        assert_eq!(times.len(), on_killed.len(), "every client of the killed node is back");
        assert!(quantile(&times, 1.0) < 20_000, "all back within 20 s");
        assert!(lost.is_empty(), "lost {} acknowledged messages: {:?}", lost.len(), &lost[..lost.len().min(5)]);
        assert!(failed.is_empty(), "failed publishes: {:?}", &failed[..failed.len().min(5)]);
        assert_eq!(landed.len(), 2, "the killed node's clients went to both survivors: {landed:?}");
        for (node, count) in &landed {
            assert!(*count >= on_killed.len() / 4, "{node} took only {count}: {landed:?}");
        }
        let _ = subscriber.disconnect().await;
        reading.abort();
    });
}
