//! Getting started: MQTT with the blocking client.
//!
//! This guide takes about a quarter of an hour. It explains what MQTT is, gets
//! you a broker, adds this crate to a project, and walks through three
//! programs line by line: *hello world* (one client talks to itself), *Blabbr*
//! (one publisher, four subscribers) and *Weathr* (two publishers, eight
//! subscribers that each receive only the topics they asked for). It uses
//! `mqtt-std`, the blocking client; for async code the same guide exists for
//! tokio (`mqtt_tokio::guide`) and smol (`mqtt_smol::guide`).
//!
//! Every code block below is a part of the repository's examples
//! (`mqtt-std/examples/hello_world.rs`, `blabbr.rs` and `weathr.rs`), shown
//! whole and in order; a test (`mqtt-std/tests/guide.rs`) fails when an example
//! and this page disagree, so what you read is what `cargo run --example`
//! runs.
//!
//! # What MQTT is
//!
//! MQTT is a publish/subscribe protocol for small messages over long-lived
//! connections, made for sensors and other devices on slow or unreliable
//! networks. Clients do not talk to each other. Each client holds one
//! connection to a *broker*; it *publishes* messages to *topics*, strings of
//! levels separated by `/` such as `sensors/kitchen/temperature`, and it
//! *subscribes* with *topic filters*, which are topics that may hold
//! wildcards: `+` stands for exactly one level, and `#`, at the end, for any
//! number of levels, the parent included (`sensors/#` matches `sensors`,
//! `sensors/kitchen` and `sensors/kitchen/temperature`). The broker passes each
//! message on to every client with a matching subscription; a publisher does
//! not know who, if anyone, receives it.
//!
//! Each message is sent with a quality of service. QoS 0 is at most once: the
//! message is sent and forgotten. QoS 1 is at least once: the receiver
//! acknowledges it (PUBACK); until then the sender keeps the message and sends
//! it again if the connection breaks first, so a copy may arrive twice. QoS 2 is exactly once, at the price of a second round
//! trip. A subscriber receives a message at the lower of the publisher's and
//! its subscription's QoS. The broker also keeps, per client id, a *session*
//! (the subscriptions and unacknowledged messages, which can outlive a
//! connection unless the client asks for a clean one), a *retained* message per
//! topic for subscribers that arrive later, and a client's *will*, which it
//! publishes if the client vanishes without saying goodbye. This crate speaks
//! MQTT 3.1, 3.1.1 and 5.0: by default it connects with 3.1.1 and falls back to
//! 3.1 if the broker refuses that level.
//!
//! # A broker
//!
//! Any MQTT broker will do. [Mosquitto](https://mosquitto.org) is small and
//! packaged everywhere (`apt install mosquitto mosquitto-clients` on Debian and
//! Ubuntu, `brew install mosquitto` on macOS). Mosquitto 2 with no `listener`
//! in its configuration (the default, also of the Debian package's service)
//! listens on port 1883 of the loopback interface only and accepts clients
//! without a password: `mqtt://127.0.0.1:1883`, where the examples look
//! first. `mosquitto_sub -t '#' -v` shows every message that passes through it. RabbitMQ with its `rabbitmq_mqtt` plugin works too (MQTT
//! 3.1 and 3.1.1; 5.0 from RabbitMQ 3.13).
//!
//! Without any broker you can still run the examples from a checkout of this
//! repository: they use the URL in the `MQTT_URL` environment variable if it is
//! set, else `mqtt://127.0.0.1:1883` if something listens there, and else they
//! start an embedded broker (rumqttd, from the repository's test kit, which is
//! not published) on a free loopback port and print its address on stderr. The
//! embedded broker speaks MQTT 3.1.1 and 5.0, not 3.1.
//!
//! A broker is named by a URL: `mqtt://host:port` (or `tcp://`; the port
//! defaults to 1883), `mqtts://` (or `ssl://`; TLS, port 8883 by default),
//! `ws://` and `wss://` for MQTT over WebSockets.
//!
//! # Adding the dependency
//!
//! ```toml
//! [dependencies]
//! mqtt-std = "0.1"
//! ```
//!
//! The crate has four features; the first three are on by default:
//!
//! | feature | gives |
//! |---|---|
//! | `tls` | `mqtts://` and `wss://` URLs, [`Options::tls`](crate::Options::tls) and [`TlsOptions`](crate::TlsOptions) (rustls with the `ring` provider) |
//! | `websocket` | `ws://` and `wss://` URLs |
//! | `native-roots` | TLS trusts the operating system's certificate store (the default trust) |
//! | `webpki-roots` | Mozilla's root certificates compiled in (`TlsOptions::webpki_roots`) |
//!
//! For plain TCP only, or TLS with Mozilla's roots and no WebSockets:
//!
//! ```toml
//! [dependencies]
//! mqtt-std = { version = "0.1", default-features = false }
//! # or:
//! # mqtt-std = { version = "0.1", default-features = false, features = ["tls", "webpki-roots"] }
//! ```
//!
//! A URL whose layer the build left out is refused by `connect` with an error
//! that names the missing feature.
//!
//! # Hello world (1:1)
//!
//! One client subscribes to the topic `hello`, publishes `Hello, world` to it,
//! receives its own message once, and disconnects. Run it with:
//!
//! ```sh
//! cargo run -p mqtt-std --example hello_world
//! ```
//!
//! It prints `[consumer] received Hello, world`.
//!
//! **The imports.** [`Client`](crate::Client) is a connection,
//! [`Options`](crate::Options) its settings, [`QoS`](crate::QoS) the quality of
//! service. A standard channel carries what the handler receives back to the
//! main thread.
//!
//! ```no_run
//! # // guide: examples/hello_world.rs
//! use mqtt_std::{Client, Options, QoS};
//! use std::sync::mpsc;
//! use std::time::Duration;
//! #
//! # /// Runs the example against `url` with topic `{prefix}hello`; returns the
//! # /// payloads received (as text), in order.
//! # pub fn run(url: &str, prefix: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}hello");
//! #     // No client id: the client generates one.
//! #     let client = Client::connect(url, Options::new())?;
//! #     let (tx, rx) = mpsc::channel();
//! #     client.subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #         let text = String::from_utf8_lossy(m.payload()).into_owned();
//! #         println!("[consumer] received {text}");
//! #         let _ = tx.send(text);
//! #     })?;
//! #     client.publish(topic.as_str(), "Hello, world")?.wait()?;
//! #     let mut received = vec![rx.recv_timeout(Duration::from_secs(10))?];
//! #     // The disconnect happens here, on the main thread, not in the handler.
//! #     // When it returns every handler call has finished, so `received` is complete.
//! #     client.disconnect()?;
//! #     received.extend(rx.try_iter());
//! #     Ok(received)
//! # }
//! #
//! # #[allow(dead_code)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     let received = run(&url, "")?;
//! #     if received.len() != 1 {
//! #         return Err(format!("expected exactly one delivery, got {received:?}").into());
//! #     }
//! #     Ok(())
//! # }
//! ```
//!
//! **Connecting.** `run` is the program; the repository's tests call it against
//! every broker they test, with a topic prefix of their own, and `main` calls it
//! with an empty prefix. [`Client::connect`](crate::Client::connect) blocks
//! until the broker has accepted the connection (its CONNACK) and returns the
//! client, or an [`Error`](crate::Error). [`Options::new`](crate::Options::new)
//! gives the defaults: a client id generated by the client, a clean session,
//! keep-alive 60 s, 30 s to connect, MQTT 3.1.1 falling back to 3.1, and no
//! automatic reconnect. So when the broker is down, `connect` fails with
//! [`Error::Connection`](crate::Error::Connection) after one try of each
//! server. With a reconnect policy
//! ([`Options::reconnect`](crate::Options::reconnect)) it keeps trying instead,
//! for as long as [`Options::initial_connect_timeout`](crate::Options::initial_connect_timeout)
//! allows (no limit by default), and the client reconnects by itself whenever
//! the connection is lost later.
//!
//! ```no_run
//! # // guide: examples/hello_world.rs
//! # use mqtt_std::{Client, Options, QoS};
//! # use std::sync::mpsc;
//! # use std::time::Duration;
//! #
//! /// Runs the example against `url` with topic `{prefix}hello`; returns the
//! /// payloads received (as text), in order.
//! pub fn run(url: &str, prefix: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
//!     let topic = format!("{prefix}hello");
//!     // No client id: the client generates one.
//!     let client = Client::connect(url, Options::new())?;
//! #     let (tx, rx) = mpsc::channel();
//! #     client.subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #         let text = String::from_utf8_lossy(m.payload()).into_owned();
//! #         println!("[consumer] received {text}");
//! #         let _ = tx.send(text);
//! #     })?;
//! #     client.publish(topic.as_str(), "Hello, world")?.wait()?;
//! #     let mut received = vec![rx.recv_timeout(Duration::from_secs(10))?];
//! #     // The disconnect happens here, on the main thread, not in the handler.
//! #     // When it returns every handler call has finished, so `received` is complete.
//! #     client.disconnect()?;
//! #     received.extend(rx.try_iter());
//! #     Ok(received)
//! # }
//! #
//! # #[allow(dead_code)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     let received = run(&url, "")?;
//! #     if received.len() != 1 {
//! #         return Err(format!("expected exactly one delivery, got {received:?}").into());
//! #     }
//! #     Ok(())
//! # }
//! ```
//!
//! **Subscribing.** [`Client::subscribe`](crate::Client::subscribe) takes
//! filters with their QoS and a *handler*, a closure called with each
//! [`Message`](crate::Message) that matches them, and blocks until the broker's
//! SUBACK (it returns the granted QoS per filter, which this example does not
//! need). Handlers run on a thread pool shared by the process, never on the
//! thread that called `subscribe`: one call at a time per client, in the order
//! messages arrived. A handler may block and may call back into the client. It
//! stays installed across reconnects, and the client subscribes again if the
//! broker lost the session. This one decodes the payload (bytes) as text,
//! prints it and sends it to the main thread; the send can only fail once `run`
//! has returned, so its result is ignored.
//!
//! ```no_run
//! # // guide: examples/hello_world.rs
//! # use mqtt_std::{Client, Options, QoS};
//! # use std::sync::mpsc;
//! # use std::time::Duration;
//! #
//! # /// Runs the example against `url` with topic `{prefix}hello`; returns the
//! # /// payloads received (as text), in order.
//! # pub fn run(url: &str, prefix: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}hello");
//! #     // No client id: the client generates one.
//! #     let client = Client::connect(url, Options::new())?;
//!     let (tx, rx) = mpsc::channel();
//!     client.subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//!         let text = String::from_utf8_lossy(m.payload()).into_owned();
//!         println!("[consumer] received {text}");
//!         let _ = tx.send(text);
//!     })?;
//! #     client.publish(topic.as_str(), "Hello, world")?.wait()?;
//! #     let mut received = vec![rx.recv_timeout(Duration::from_secs(10))?];
//! #     // The disconnect happens here, on the main thread, not in the handler.
//! #     // When it returns every handler call has finished, so `received` is complete.
//! #     client.disconnect()?;
//! #     received.extend(rx.try_iter());
//! #     Ok(received)
//! # }
//! #
//! # #[allow(dead_code)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     let received = run(&url, "")?;
//! #     if received.len() != 1 {
//! #         return Err(format!("expected exactly one delivery, got {received:?}").into());
//! #     }
//! #     Ok(())
//! # }
//! ```
//!
//! **Publishing.** [`Client::publish`](crate::Client::publish) sends at QoS 1,
//! not retained. It blocks only while the client's publish queue is full (by
//! default 20 messages in flight and 1024 more queued) and returns a
//! [`PublishHandle`](crate::PublishHandle);
//! [`PublishHandle::wait`](crate::PublishHandle::wait) blocks until the broker
//! acknowledges the message. The payload is anything that converts into
//! [`Bytes`](crate::Bytes): a string literal, a `String`, a `Vec<u8>`. Then the
//! main thread waits, at most 10 s, for the handler to pass the message on.
//!
//! ```no_run
//! # // guide: examples/hello_world.rs
//! # use mqtt_std::{Client, Options, QoS};
//! # use std::sync::mpsc;
//! # use std::time::Duration;
//! #
//! # /// Runs the example against `url` with topic `{prefix}hello`; returns the
//! # /// payloads received (as text), in order.
//! # pub fn run(url: &str, prefix: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}hello");
//! #     // No client id: the client generates one.
//! #     let client = Client::connect(url, Options::new())?;
//! #     let (tx, rx) = mpsc::channel();
//! #     client.subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #         let text = String::from_utf8_lossy(m.payload()).into_owned();
//! #         println!("[consumer] received {text}");
//! #         let _ = tx.send(text);
//! #     })?;
//!     client.publish(topic.as_str(), "Hello, world")?.wait()?;
//!     let mut received = vec![rx.recv_timeout(Duration::from_secs(10))?];
//! #     // The disconnect happens here, on the main thread, not in the handler.
//! #     // When it returns every handler call has finished, so `received` is complete.
//! #     client.disconnect()?;
//! #     received.extend(rx.try_iter());
//! #     Ok(received)
//! # }
//! #
//! # #[allow(dead_code)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     let received = run(&url, "")?;
//! #     if received.len() != 1 {
//! #         return Err(format!("expected exactly one delivery, got {received:?}").into());
//! #     }
//! #     Ok(())
//! # }
//! ```
//!
//! **Disconnecting.** [`Client::disconnect`](crate::Client::disconnect) is
//! called from the main thread, not from the handler. It lets publishes still in
//! flight finish (for at most 30 s), sends DISCONNECT, waits for the broker to
//! close the connection, and, when called outside a handler, for every handler
//! call already queued to return; so nothing can arrive after it, and the
//! deliveries collected now are all there were (the tests check that there was
//! exactly one). Do not skip it: dropping the last handle of a client
//! disconnects in the background without waiting, so a program that just
//! returns from `main` may exit before its last publishes reach the broker, and
//! if the DISCONNECT does not get out either, the broker publishes the client's
//! will.
//!
//! ```no_run
//! # // guide: examples/hello_world.rs
//! # use mqtt_std::{Client, Options, QoS};
//! # use std::sync::mpsc;
//! # use std::time::Duration;
//! #
//! # /// Runs the example against `url` with topic `{prefix}hello`; returns the
//! # /// payloads received (as text), in order.
//! # pub fn run(url: &str, prefix: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}hello");
//! #     // No client id: the client generates one.
//! #     let client = Client::connect(url, Options::new())?;
//! #     let (tx, rx) = mpsc::channel();
//! #     client.subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #         let text = String::from_utf8_lossy(m.payload()).into_owned();
//! #         println!("[consumer] received {text}");
//! #         let _ = tx.send(text);
//! #     })?;
//! #     client.publish(topic.as_str(), "Hello, world")?.wait()?;
//! #     let mut received = vec![rx.recv_timeout(Duration::from_secs(10))?];
//!     // The disconnect happens here, on the main thread, not in the handler.
//!     // When it returns every handler call has finished, so `received` is complete.
//!     client.disconnect()?;
//!     received.extend(rx.try_iter());
//!     Ok(received)
//! }
//! #
//! # #[allow(dead_code)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     let received = run(&url, "")?;
//! #     if received.len() != 1 {
//! #         return Err(format!("expected exactly one delivery, got {received:?}").into());
//! #     }
//! #     Ok(())
//! # }
//! ```
//!
//! **`main`.** The example asks the test kit for a broker (the `MQTT_URL`,
//! local broker, embedded broker order described above). In a program of your
//! own, name your broker instead: `run("mqtt://127.0.0.1:1883", "")`. The
//! `#[allow(dead_code)]` is there because the tests include this file for `run`
//! and never call `main`.
//!
//! ```no_run
//! # // guide: examples/hello_world.rs
//! # use mqtt_std::{Client, Options, QoS};
//! # use std::sync::mpsc;
//! # use std::time::Duration;
//! #
//! # /// Runs the example against `url` with topic `{prefix}hello`; returns the
//! # /// payloads received (as text), in order.
//! # pub fn run(url: &str, prefix: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}hello");
//! #     // No client id: the client generates one.
//! #     let client = Client::connect(url, Options::new())?;
//! #     let (tx, rx) = mpsc::channel();
//! #     client.subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #         let text = String::from_utf8_lossy(m.payload()).into_owned();
//! #         println!("[consumer] received {text}");
//! #         let _ = tx.send(text);
//! #     })?;
//! #     client.publish(topic.as_str(), "Hello, world")?.wait()?;
//! #     let mut received = vec![rx.recv_timeout(Duration::from_secs(10))?];
//! #     // The disconnect happens here, on the main thread, not in the handler.
//! #     // When it returns every handler call has finished, so `received` is complete.
//! #     client.disconnect()?;
//! #     received.extend(rx.try_iter());
//! #     Ok(received)
//! # }
//! #
//! #[allow(dead_code)]
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let url = mqtt_testkit::example_broker()?;
//!     let received = run(&url, "")?;
//!     if received.len() != 1 {
//!         return Err(format!("expected exactly one delivery, got {received:?}").into());
//!     }
//!     Ok(())
//! }
//! ```
//!
//! # Blabbr (1:n)
//!
//! One publisher and four subscribers on one topic, `nba/scores`, with no
//! wildcards: four clients named `consumer.joe`, `consumer.aaron`,
//! `consumer.bob` and `consumer.dee` subscribe at QoS 0, and a fifth client
//! publishes two scores, `BOS 101, NYK 89` then `ORL 85, ALT 88`. Each
//! subscriber prints both, in that order: eight lines in all, interleaved
//! between subscribers in any order.
//!
//! ```sh
//! cargo run -p mqtt-std --example blabbr
//! ```
//!
//! **The data.** The names and the two messages come from the test kit, which
//! holds them once for the examples and tests of every adapter:
//! `NAMES` is `["joe", "aaron", "bob", "dee"]` and `MESSAGES` is
//! `["BOS 101, NYK 89", "ORL 85, ALT 88"]`.
//!
//! ```no_run
//! # // guide: examples/blabbr.rs
//! use mqtt_std::{Client, Options, QoS};
//! use std::sync::mpsc;
//! use std::time::Duration;
//!
//! /// The guide's data (shared by every adapter's example and tests): the
//! /// subscribers' names (client ids are `consumer.<name>`) and the two
//! /// messages, in publish order.
//! pub use mqtt_testkit::seed::{BLABBR_MESSAGES as MESSAGES, BLABBR_NAMES as NAMES};
//! #
//! # /// Runs the example against `url`; topics get `prefix`, client ids `id_prefix`.
//! # /// Returns every delivery as `(subscriber name, message)`, in arrival order.
//! # pub fn run(
//! #     url: &str,
//! #     prefix: &str,
//! #     id_prefix: &str,
//! # ) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}nba/scores");
//! #     let (tx, rx) = mpsc::channel();
//! #     let mut consumers = Vec::new();
//! #     for name in NAMES {
//! #         let client = Client::connect(
//! #             url,
//! #             Options::new().client_id(format!("{id_prefix}consumer.{name}")),
//! #         )?;
//! #         let tx = tx.clone();
//! #         client.subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #             let msg = String::from_utf8_lossy(m.payload()).into_owned();
//! #             println!("[consumer] {name} received {msg}");
//! #             let _ = tx.send((name.to_owned(), msg));
//! #         })?;
//! #         consumers.push(client);
//! #     }
//! #     let publisher = Client::connect(url, Options::new())?;
//! #     for msg in MESSAGES {
//! #         publisher.publish(topic.as_str(), msg)?.wait()?;
//! #     }
//! #     let mut deliveries = Vec::new();
//! #     while deliveries.len() < NAMES.len() * MESSAGES.len() {
//! #         deliveries.push(rx.recv_timeout(Duration::from_secs(10))?);
//! #     }
//! #     publisher.disconnect()?;
//! #     for c in consumers {
//! #         c.disconnect()?;
//! #     }
//! #     // Anything beyond the eight expected deliveries arrived before the
//! #     // disconnects returned (they wait for every handler call).
//! #     deliveries.extend(rx.try_iter());
//! #     Ok(deliveries)
//! # }
//! #
//! # #[allow(dead_code)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "", "")?;
//! #     Ok(())
//! # }
//! ```
//!
//! **The subscribers.** `run` takes a topic prefix and a client-id prefix,
//! both empty when it runs as the example, so that the tests can run it beside
//! others on one broker. One channel collects `(name, message)` from all
//! handlers.
//!
//! ```no_run
//! # // guide: examples/blabbr.rs
//! # use mqtt_std::{Client, Options, QoS};
//! # use std::sync::mpsc;
//! # use std::time::Duration;
//! #
//! # /// The guide's data (shared by every adapter's example and tests): the
//! # /// subscribers' names (client ids are `consumer.<name>`) and the two
//! # /// messages, in publish order.
//! # pub use mqtt_testkit::seed::{BLABBR_MESSAGES as MESSAGES, BLABBR_NAMES as NAMES};
//! #
//! /// Runs the example against `url`; topics get `prefix`, client ids `id_prefix`.
//! /// Returns every delivery as `(subscriber name, message)`, in arrival order.
//! pub fn run(
//!     url: &str,
//!     prefix: &str,
//!     id_prefix: &str,
//! ) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
//!     let topic = format!("{prefix}nba/scores");
//!     let (tx, rx) = mpsc::channel();
//!     let mut consumers = Vec::new();
//!     for name in NAMES {
//! #         let client = Client::connect(
//! #             url,
//! #             Options::new().client_id(format!("{id_prefix}consumer.{name}")),
//! #         )?;
//! #         let tx = tx.clone();
//! #         client.subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #             let msg = String::from_utf8_lossy(m.payload()).into_owned();
//! #             println!("[consumer] {name} received {msg}");
//! #             let _ = tx.send((name.to_owned(), msg));
//! #         })?;
//! #         consumers.push(client);
//! #     }
//! #     let publisher = Client::connect(url, Options::new())?;
//! #     for msg in MESSAGES {
//! #         publisher.publish(topic.as_str(), msg)?.wait()?;
//! #     }
//! #     let mut deliveries = Vec::new();
//! #     while deliveries.len() < NAMES.len() * MESSAGES.len() {
//! #         deliveries.push(rx.recv_timeout(Duration::from_secs(10))?);
//! #     }
//! #     publisher.disconnect()?;
//! #     for c in consumers {
//! #         c.disconnect()?;
//! #     }
//! #     // Anything beyond the eight expected deliveries arrived before the
//! #     // disconnects returned (they wait for every handler call).
//! #     deliveries.extend(rx.try_iter());
//! #     Ok(deliveries)
//! # }
//! #
//! # #[allow(dead_code)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "", "")?;
//! #     Ok(())
//! # }
//! ```
//!
//! Each subscriber is a connection of its own, with the client id
//! `consumer.<name>` set by [`Options::client_id`](crate::Options::client_id).
//! A client starts no thread: in `mqtt-std` all connections of a process run on
//! one shared executor thread, so four clients cost four connections, not four
//! threads. Each handler gets its own sender (`tx.clone()`), and the client is
//! kept in `consumers` so that it can be disconnected at the end.
//!
//! ```no_run
//! # // guide: examples/blabbr.rs
//! # use mqtt_std::{Client, Options, QoS};
//! # use std::sync::mpsc;
//! # use std::time::Duration;
//! #
//! # /// The guide's data (shared by every adapter's example and tests): the
//! # /// subscribers' names (client ids are `consumer.<name>`) and the two
//! # /// messages, in publish order.
//! # pub use mqtt_testkit::seed::{BLABBR_MESSAGES as MESSAGES, BLABBR_NAMES as NAMES};
//! #
//! # /// Runs the example against `url`; topics get `prefix`, client ids `id_prefix`.
//! # /// Returns every delivery as `(subscriber name, message)`, in arrival order.
//! # pub fn run(
//! #     url: &str,
//! #     prefix: &str,
//! #     id_prefix: &str,
//! # ) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}nba/scores");
//! #     let (tx, rx) = mpsc::channel();
//! #     let mut consumers = Vec::new();
//! #     for name in NAMES {
//!         let client = Client::connect(
//!             url,
//!             Options::new().client_id(format!("{id_prefix}consumer.{name}")),
//!         )?;
//!         let tx = tx.clone();
//!         client.subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//!             let msg = String::from_utf8_lossy(m.payload()).into_owned();
//!             println!("[consumer] {name} received {msg}");
//!             let _ = tx.send((name.to_owned(), msg));
//!         })?;
//!         consumers.push(client);
//!     }
//! #     let publisher = Client::connect(url, Options::new())?;
//! #     for msg in MESSAGES {
//! #         publisher.publish(topic.as_str(), msg)?.wait()?;
//! #     }
//! #     let mut deliveries = Vec::new();
//! #     while deliveries.len() < NAMES.len() * MESSAGES.len() {
//! #         deliveries.push(rx.recv_timeout(Duration::from_secs(10))?);
//! #     }
//! #     publisher.disconnect()?;
//! #     for c in consumers {
//! #         c.disconnect()?;
//! #     }
//! #     // Anything beyond the eight expected deliveries arrived before the
//! #     // disconnects returned (they wait for every handler call).
//! #     deliveries.extend(rx.try_iter());
//! #     Ok(deliveries)
//! # }
//! #
//! # #[allow(dead_code)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "", "")?;
//! #     Ok(())
//! # }
//! ```
//!
//! **The publisher.** A fifth connection publishes both messages, waiting for
//! each acknowledgement. It publishes at QoS 1, but the subscribers asked for
//! QoS 0, so that is what they receive. The broker keeps one publisher's
//! messages in order for each subscriber (and this one waits for each
//! acknowledgement before the next publish): every consumer sees the first
//! score before the second.
//!
//! ```no_run
//! # // guide: examples/blabbr.rs
//! # use mqtt_std::{Client, Options, QoS};
//! # use std::sync::mpsc;
//! # use std::time::Duration;
//! #
//! # /// The guide's data (shared by every adapter's example and tests): the
//! # /// subscribers' names (client ids are `consumer.<name>`) and the two
//! # /// messages, in publish order.
//! # pub use mqtt_testkit::seed::{BLABBR_MESSAGES as MESSAGES, BLABBR_NAMES as NAMES};
//! #
//! # /// Runs the example against `url`; topics get `prefix`, client ids `id_prefix`.
//! # /// Returns every delivery as `(subscriber name, message)`, in arrival order.
//! # pub fn run(
//! #     url: &str,
//! #     prefix: &str,
//! #     id_prefix: &str,
//! # ) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}nba/scores");
//! #     let (tx, rx) = mpsc::channel();
//! #     let mut consumers = Vec::new();
//! #     for name in NAMES {
//! #         let client = Client::connect(
//! #             url,
//! #             Options::new().client_id(format!("{id_prefix}consumer.{name}")),
//! #         )?;
//! #         let tx = tx.clone();
//! #         client.subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #             let msg = String::from_utf8_lossy(m.payload()).into_owned();
//! #             println!("[consumer] {name} received {msg}");
//! #             let _ = tx.send((name.to_owned(), msg));
//! #         })?;
//! #         consumers.push(client);
//! #     }
//!     let publisher = Client::connect(url, Options::new())?;
//!     for msg in MESSAGES {
//!         publisher.publish(topic.as_str(), msg)?.wait()?;
//!     }
//! #     let mut deliveries = Vec::new();
//! #     while deliveries.len() < NAMES.len() * MESSAGES.len() {
//! #         deliveries.push(rx.recv_timeout(Duration::from_secs(10))?);
//! #     }
//! #     publisher.disconnect()?;
//! #     for c in consumers {
//! #         c.disconnect()?;
//! #     }
//! #     // Anything beyond the eight expected deliveries arrived before the
//! #     // disconnects returned (they wait for every handler call).
//! #     deliveries.extend(rx.try_iter());
//! #     Ok(deliveries)
//! # }
//! #
//! # #[allow(dead_code)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "", "")?;
//! #     Ok(())
//! # }
//! ```
//!
//! **Collecting and disconnecting.** The main thread waits for the eight
//! deliveries (at most 10 s each), disconnects the publisher and the
//! subscribers, and keeps anything that arrived beyond the eight (the tests
//! fail if anything did).
//!
//! ```no_run
//! # // guide: examples/blabbr.rs
//! # use mqtt_std::{Client, Options, QoS};
//! # use std::sync::mpsc;
//! # use std::time::Duration;
//! #
//! # /// The guide's data (shared by every adapter's example and tests): the
//! # /// subscribers' names (client ids are `consumer.<name>`) and the two
//! # /// messages, in publish order.
//! # pub use mqtt_testkit::seed::{BLABBR_MESSAGES as MESSAGES, BLABBR_NAMES as NAMES};
//! #
//! # /// Runs the example against `url`; topics get `prefix`, client ids `id_prefix`.
//! # /// Returns every delivery as `(subscriber name, message)`, in arrival order.
//! # pub fn run(
//! #     url: &str,
//! #     prefix: &str,
//! #     id_prefix: &str,
//! # ) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}nba/scores");
//! #     let (tx, rx) = mpsc::channel();
//! #     let mut consumers = Vec::new();
//! #     for name in NAMES {
//! #         let client = Client::connect(
//! #             url,
//! #             Options::new().client_id(format!("{id_prefix}consumer.{name}")),
//! #         )?;
//! #         let tx = tx.clone();
//! #         client.subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #             let msg = String::from_utf8_lossy(m.payload()).into_owned();
//! #             println!("[consumer] {name} received {msg}");
//! #             let _ = tx.send((name.to_owned(), msg));
//! #         })?;
//! #         consumers.push(client);
//! #     }
//! #     let publisher = Client::connect(url, Options::new())?;
//! #     for msg in MESSAGES {
//! #         publisher.publish(topic.as_str(), msg)?.wait()?;
//! #     }
//!     let mut deliveries = Vec::new();
//!     while deliveries.len() < NAMES.len() * MESSAGES.len() {
//!         deliveries.push(rx.recv_timeout(Duration::from_secs(10))?);
//!     }
//!     publisher.disconnect()?;
//!     for c in consumers {
//!         c.disconnect()?;
//!     }
//!     // Anything beyond the eight expected deliveries arrived before the
//!     // disconnects returned (they wait for every handler call).
//!     deliveries.extend(rx.try_iter());
//!     Ok(deliveries)
//! }
//! #
//! # #[allow(dead_code)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "", "")?;
//! #     Ok(())
//! # }
//! ```
//!
//! ```no_run
//! # // guide: examples/blabbr.rs
//! # use mqtt_std::{Client, Options, QoS};
//! # use std::sync::mpsc;
//! # use std::time::Duration;
//! #
//! # /// The guide's data (shared by every adapter's example and tests): the
//! # /// subscribers' names (client ids are `consumer.<name>`) and the two
//! # /// messages, in publish order.
//! # pub use mqtt_testkit::seed::{BLABBR_MESSAGES as MESSAGES, BLABBR_NAMES as NAMES};
//! #
//! # /// Runs the example against `url`; topics get `prefix`, client ids `id_prefix`.
//! # /// Returns every delivery as `(subscriber name, message)`, in arrival order.
//! # pub fn run(
//! #     url: &str,
//! #     prefix: &str,
//! #     id_prefix: &str,
//! # ) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}nba/scores");
//! #     let (tx, rx) = mpsc::channel();
//! #     let mut consumers = Vec::new();
//! #     for name in NAMES {
//! #         let client = Client::connect(
//! #             url,
//! #             Options::new().client_id(format!("{id_prefix}consumer.{name}")),
//! #         )?;
//! #         let tx = tx.clone();
//! #         client.subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #             let msg = String::from_utf8_lossy(m.payload()).into_owned();
//! #             println!("[consumer] {name} received {msg}");
//! #             let _ = tx.send((name.to_owned(), msg));
//! #         })?;
//! #         consumers.push(client);
//! #     }
//! #     let publisher = Client::connect(url, Options::new())?;
//! #     for msg in MESSAGES {
//! #         publisher.publish(topic.as_str(), msg)?.wait()?;
//! #     }
//! #     let mut deliveries = Vec::new();
//! #     while deliveries.len() < NAMES.len() * MESSAGES.len() {
//! #         deliveries.push(rx.recv_timeout(Duration::from_secs(10))?);
//! #     }
//! #     publisher.disconnect()?;
//! #     for c in consumers {
//! #         c.disconnect()?;
//! #     }
//! #     // Anything beyond the eight expected deliveries arrived before the
//! #     // disconnects returned (they wait for every handler call).
//! #     deliveries.extend(rx.try_iter());
//! #     Ok(deliveries)
//! # }
//! #
//! #[allow(dead_code)]
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let url = mqtt_testkit::example_broker()?;
//!     run(&url, "", "")?;
//!     Ok(())
//! }
//! ```
//!
//! # Weathr (n:m)
//!
//! Topic routing with two publishers and eight subscribers. The topics name
//! places, from continent down to city, and each subscriber holds one filter;
//! the broker gives each only the updates its filter matches.
//!
//! ```sh
//! cargo run -p mqtt-std --example weathr
//! ```
//!
//! **The data.** `UPDATES` are ten `(topic, payload)` pairs, published in this
//! order; the first five by publisher A, the last five by publisher B:
//!
//! | # | topic | payload |
//! |---|---|---|
//! | 1 | `americas/north/us/ca/sandiego` | San Diego update |
//! | 2 | `americas/north/us/ca/berkeley` | Berkeley update |
//! | 3 | `americas/north/us/ca/sanfrancisco` | SF update |
//! | 4 | `americas/north/us/ny/newyork` | NYC update |
//! | 5 | `americas/south/brazil/saopaolo` | São Paolo update |
//! | 6 | `asia/southeast/hk/hongkong` | Hong Kong update |
//! | 7 | `asia/southeast/japan/kyoto` | Kyoto update |
//! | 8 | `asia/southeast/prc/shanghai` | Shanghai update |
//! | 9 | `europe/italy/rome` | Rome update |
//! | 10 | `europe/france/paris` | Paris update |
//!
//! `FILTERS` are the eight subscriptions, one per connection, with what each
//! receives (18 deliveries in all, `EXPECTED_DELIVERIES`):
//!
//! | filter | receives updates | count |
//! |---|---|---|
//! | `americas/north/#` | 1, 2, 3, 4 | 4 |
//! | `americas/south/#` | 5 | 1 |
//! | `americas/north/us/ca/+` | 1, 2, 3 | 3 |
//! | `europe/italy/rome` | 9 | 1 |
//! | `asia/southeast/hk/+` | 6 | 1 |
//! | `asia/southeast/#` | 6, 7, 8 | 3 |
//! | `europe/#` | 9, 10 | 2 |
//! | `+/southeast/+/+` | 6, 7, 8 | 3 |
//!
//! Note `+/southeast/+/+`: each `+` matches exactly one level, so it matches
//! the topics of four levels whose second level is `southeast`, the three Asian
//! ones.
//!
//! ```no_run
//! # // guide: examples/weathr.rs
//! use mqtt_std::{Client, Options, QoS};
//! use std::sync::mpsc;
//! use std::time::Duration;
//!
//! /// The guide's tables (shared by every adapter's example and tests): the ten
//! /// updates `(topic, payload)` in publish order, the eight subscriptions (one
//! /// per connection), and how many deliveries they get in total.
//! pub use mqtt_testkit::seed::{
//!     WEATHR_DELIVERIES as EXPECTED_DELIVERIES, WEATHR_FILTERS as FILTERS, WEATHR_UPDATES as UPDATES,
//! };
//!
//! /// One delivery: `(filter, topic, payload)`, the prefix removed.
//! pub type Delivery = (String, String, String);
//! #
//! # /// Runs the example against `url`; topics and filters get `prefix`.
//! # /// Returns every delivery, in arrival order.
//! # pub fn run(url: &str, prefix: &str) -> Result<Vec<Delivery>, Box<dyn std::error::Error>> {
//! #     let (tx, rx) = mpsc::channel();
//! #     let mut subscribers = Vec::new();
//! #     for filter in FILTERS {
//! #         let client = Client::connect(url, Options::new())?;
//! #         let tx = tx.clone();
//! #         let strip = prefix.len();
//! #         client.subscribe([(format!("{prefix}{filter}"), QoS::AtMostOnce)], move |m| {
//! #             let topic = m.topic()[strip..].to_owned();
//! #             let payload = String::from_utf8_lossy(m.payload()).into_owned();
//! #             println!("[consumer] {filter} received {topic}: {payload}");
//! #             let _ = tx.send((filter.to_owned(), topic, payload));
//! #         })?;
//! #         subscribers.push(client);
//! #     }
//! #     let a = Client::connect(url, Options::new())?;
//! #     let b = Client::connect(url, Options::new())?;
//! #     for (i, (topic, payload)) in UPDATES.iter().enumerate() {
//! #         let publisher = if i < 5 { &a } else { &b };
//! #         publisher
//! #             .publish(format!("{prefix}{topic}"), *payload)?
//! #             .wait()?;
//! #     }
//! #     let mut deliveries = Vec::new();
//! #     while deliveries.len() < EXPECTED_DELIVERIES {
//! #         deliveries.push(rx.recv_timeout(Duration::from_secs(10))?);
//! #     }
//! #     a.disconnect()?;
//! #     b.disconnect()?;
//! #     for s in subscribers {
//! #         s.disconnect()?;
//! #     }
//! #     deliveries.extend(rx.try_iter());
//! #     Ok(deliveries)
//! # }
//! #
//! # #[allow(dead_code)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     let deliveries = run(&url, "")?;
//! #     println!("{} deliveries", deliveries.len());
//! #     Ok(())
//! # }
//! ```
//!
//! **The subscribers.** Each filter gets a connection and a handler. The handler
//! strips the test's prefix from the topic (`Message::topic` is the topic the
//! message was published to, not the filter) and sends `(filter, topic,
//! payload)` to the main thread.
//!
//! ```no_run
//! # // guide: examples/weathr.rs
//! # use mqtt_std::{Client, Options, QoS};
//! # use std::sync::mpsc;
//! # use std::time::Duration;
//! #
//! # /// The guide's tables (shared by every adapter's example and tests): the ten
//! # /// updates `(topic, payload)` in publish order, the eight subscriptions (one
//! # /// per connection), and how many deliveries they get in total.
//! # pub use mqtt_testkit::seed::{
//! #     WEATHR_DELIVERIES as EXPECTED_DELIVERIES, WEATHR_FILTERS as FILTERS, WEATHR_UPDATES as UPDATES,
//! # };
//! #
//! # /// One delivery: `(filter, topic, payload)`, the prefix removed.
//! # pub type Delivery = (String, String, String);
//! #
//! /// Runs the example against `url`; topics and filters get `prefix`.
//! /// Returns every delivery, in arrival order.
//! pub fn run(url: &str, prefix: &str) -> Result<Vec<Delivery>, Box<dyn std::error::Error>> {
//!     let (tx, rx) = mpsc::channel();
//!     let mut subscribers = Vec::new();
//!     for filter in FILTERS {
//!         let client = Client::connect(url, Options::new())?;
//!         let tx = tx.clone();
//!         let strip = prefix.len();
//!         client.subscribe([(format!("{prefix}{filter}"), QoS::AtMostOnce)], move |m| {
//!             let topic = m.topic()[strip..].to_owned();
//!             let payload = String::from_utf8_lossy(m.payload()).into_owned();
//!             println!("[consumer] {filter} received {topic}: {payload}");
//!             let _ = tx.send((filter.to_owned(), topic, payload));
//!         })?;
//!         subscribers.push(client);
//!     }
//! #     let a = Client::connect(url, Options::new())?;
//! #     let b = Client::connect(url, Options::new())?;
//! #     for (i, (topic, payload)) in UPDATES.iter().enumerate() {
//! #         let publisher = if i < 5 { &a } else { &b };
//! #         publisher
//! #             .publish(format!("{prefix}{topic}"), *payload)?
//! #             .wait()?;
//! #     }
//! #     let mut deliveries = Vec::new();
//! #     while deliveries.len() < EXPECTED_DELIVERIES {
//! #         deliveries.push(rx.recv_timeout(Duration::from_secs(10))?);
//! #     }
//! #     a.disconnect()?;
//! #     b.disconnect()?;
//! #     for s in subscribers {
//! #         s.disconnect()?;
//! #     }
//! #     deliveries.extend(rx.try_iter());
//! #     Ok(deliveries)
//! # }
//! #
//! # #[allow(dead_code)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     let deliveries = run(&url, "")?;
//! #     println!("{} deliveries", deliveries.len());
//! #     Ok(())
//! # }
//! ```
//!
//! **The publishers.** Two more connections. Topics here are `String`s built
//! with `format!`: `publish` takes anything that converts into a topic.
//!
//! ```no_run
//! # // guide: examples/weathr.rs
//! # use mqtt_std::{Client, Options, QoS};
//! # use std::sync::mpsc;
//! # use std::time::Duration;
//! #
//! # /// The guide's tables (shared by every adapter's example and tests): the ten
//! # /// updates `(topic, payload)` in publish order, the eight subscriptions (one
//! # /// per connection), and how many deliveries they get in total.
//! # pub use mqtt_testkit::seed::{
//! #     WEATHR_DELIVERIES as EXPECTED_DELIVERIES, WEATHR_FILTERS as FILTERS, WEATHR_UPDATES as UPDATES,
//! # };
//! #
//! # /// One delivery: `(filter, topic, payload)`, the prefix removed.
//! # pub type Delivery = (String, String, String);
//! #
//! # /// Runs the example against `url`; topics and filters get `prefix`.
//! # /// Returns every delivery, in arrival order.
//! # pub fn run(url: &str, prefix: &str) -> Result<Vec<Delivery>, Box<dyn std::error::Error>> {
//! #     let (tx, rx) = mpsc::channel();
//! #     let mut subscribers = Vec::new();
//! #     for filter in FILTERS {
//! #         let client = Client::connect(url, Options::new())?;
//! #         let tx = tx.clone();
//! #         let strip = prefix.len();
//! #         client.subscribe([(format!("{prefix}{filter}"), QoS::AtMostOnce)], move |m| {
//! #             let topic = m.topic()[strip..].to_owned();
//! #             let payload = String::from_utf8_lossy(m.payload()).into_owned();
//! #             println!("[consumer] {filter} received {topic}: {payload}");
//! #             let _ = tx.send((filter.to_owned(), topic, payload));
//! #         })?;
//! #         subscribers.push(client);
//! #     }
//!     let a = Client::connect(url, Options::new())?;
//!     let b = Client::connect(url, Options::new())?;
//!     for (i, (topic, payload)) in UPDATES.iter().enumerate() {
//!         let publisher = if i < 5 { &a } else { &b };
//!         publisher
//!             .publish(format!("{prefix}{topic}"), *payload)?
//!             .wait()?;
//!     }
//! #     let mut deliveries = Vec::new();
//! #     while deliveries.len() < EXPECTED_DELIVERIES {
//! #         deliveries.push(rx.recv_timeout(Duration::from_secs(10))?);
//! #     }
//! #     a.disconnect()?;
//! #     b.disconnect()?;
//! #     for s in subscribers {
//! #         s.disconnect()?;
//! #     }
//! #     deliveries.extend(rx.try_iter());
//! #     Ok(deliveries)
//! # }
//! #
//! # #[allow(dead_code)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     let deliveries = run(&url, "")?;
//! #     println!("{} deliveries", deliveries.len());
//! #     Ok(())
//! # }
//! ```
//!
//! **Collecting and disconnecting,** as in Blabbr:
//!
//! ```no_run
//! # // guide: examples/weathr.rs
//! # use mqtt_std::{Client, Options, QoS};
//! # use std::sync::mpsc;
//! # use std::time::Duration;
//! #
//! # /// The guide's tables (shared by every adapter's example and tests): the ten
//! # /// updates `(topic, payload)` in publish order, the eight subscriptions (one
//! # /// per connection), and how many deliveries they get in total.
//! # pub use mqtt_testkit::seed::{
//! #     WEATHR_DELIVERIES as EXPECTED_DELIVERIES, WEATHR_FILTERS as FILTERS, WEATHR_UPDATES as UPDATES,
//! # };
//! #
//! # /// One delivery: `(filter, topic, payload)`, the prefix removed.
//! # pub type Delivery = (String, String, String);
//! #
//! # /// Runs the example against `url`; topics and filters get `prefix`.
//! # /// Returns every delivery, in arrival order.
//! # pub fn run(url: &str, prefix: &str) -> Result<Vec<Delivery>, Box<dyn std::error::Error>> {
//! #     let (tx, rx) = mpsc::channel();
//! #     let mut subscribers = Vec::new();
//! #     for filter in FILTERS {
//! #         let client = Client::connect(url, Options::new())?;
//! #         let tx = tx.clone();
//! #         let strip = prefix.len();
//! #         client.subscribe([(format!("{prefix}{filter}"), QoS::AtMostOnce)], move |m| {
//! #             let topic = m.topic()[strip..].to_owned();
//! #             let payload = String::from_utf8_lossy(m.payload()).into_owned();
//! #             println!("[consumer] {filter} received {topic}: {payload}");
//! #             let _ = tx.send((filter.to_owned(), topic, payload));
//! #         })?;
//! #         subscribers.push(client);
//! #     }
//! #     let a = Client::connect(url, Options::new())?;
//! #     let b = Client::connect(url, Options::new())?;
//! #     for (i, (topic, payload)) in UPDATES.iter().enumerate() {
//! #         let publisher = if i < 5 { &a } else { &b };
//! #         publisher
//! #             .publish(format!("{prefix}{topic}"), *payload)?
//! #             .wait()?;
//! #     }
//!     let mut deliveries = Vec::new();
//!     while deliveries.len() < EXPECTED_DELIVERIES {
//!         deliveries.push(rx.recv_timeout(Duration::from_secs(10))?);
//!     }
//!     a.disconnect()?;
//!     b.disconnect()?;
//!     for s in subscribers {
//!         s.disconnect()?;
//!     }
//!     deliveries.extend(rx.try_iter());
//!     Ok(deliveries)
//! }
//! #
//! # #[allow(dead_code)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     let deliveries = run(&url, "")?;
//! #     println!("{} deliveries", deliveries.len());
//! #     Ok(())
//! # }
//! ```
//!
//! ```no_run
//! # // guide: examples/weathr.rs
//! # use mqtt_std::{Client, Options, QoS};
//! # use std::sync::mpsc;
//! # use std::time::Duration;
//! #
//! # /// The guide's tables (shared by every adapter's example and tests): the ten
//! # /// updates `(topic, payload)` in publish order, the eight subscriptions (one
//! # /// per connection), and how many deliveries they get in total.
//! # pub use mqtt_testkit::seed::{
//! #     WEATHR_DELIVERIES as EXPECTED_DELIVERIES, WEATHR_FILTERS as FILTERS, WEATHR_UPDATES as UPDATES,
//! # };
//! #
//! # /// One delivery: `(filter, topic, payload)`, the prefix removed.
//! # pub type Delivery = (String, String, String);
//! #
//! # /// Runs the example against `url`; topics and filters get `prefix`.
//! # /// Returns every delivery, in arrival order.
//! # pub fn run(url: &str, prefix: &str) -> Result<Vec<Delivery>, Box<dyn std::error::Error>> {
//! #     let (tx, rx) = mpsc::channel();
//! #     let mut subscribers = Vec::new();
//! #     for filter in FILTERS {
//! #         let client = Client::connect(url, Options::new())?;
//! #         let tx = tx.clone();
//! #         let strip = prefix.len();
//! #         client.subscribe([(format!("{prefix}{filter}"), QoS::AtMostOnce)], move |m| {
//! #             let topic = m.topic()[strip..].to_owned();
//! #             let payload = String::from_utf8_lossy(m.payload()).into_owned();
//! #             println!("[consumer] {filter} received {topic}: {payload}");
//! #             let _ = tx.send((filter.to_owned(), topic, payload));
//! #         })?;
//! #         subscribers.push(client);
//! #     }
//! #     let a = Client::connect(url, Options::new())?;
//! #     let b = Client::connect(url, Options::new())?;
//! #     for (i, (topic, payload)) in UPDATES.iter().enumerate() {
//! #         let publisher = if i < 5 { &a } else { &b };
//! #         publisher
//! #             .publish(format!("{prefix}{topic}"), *payload)?
//! #             .wait()?;
//! #     }
//! #     let mut deliveries = Vec::new();
//! #     while deliveries.len() < EXPECTED_DELIVERIES {
//! #         deliveries.push(rx.recv_timeout(Duration::from_secs(10))?);
//! #     }
//! #     a.disconnect()?;
//! #     b.disconnect()?;
//! #     for s in subscribers {
//! #         s.disconnect()?;
//! #     }
//! #     deliveries.extend(rx.try_iter());
//! #     Ok(deliveries)
//! # }
//! #
//! #[allow(dead_code)]
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let url = mqtt_testkit::example_broker()?;
//!     let deliveries = run(&url, "")?;
//!     println!("{} deliveries", deliveries.len());
//!     Ok(())
//! }
//! ```
//!
//! Each subscriber here has its own connection, so each gets its own copy of a
//! message. When one client holds several overlapping subscriptions (say
//! `europe/#` and `europe/italy/rome`), brokers differ in how many copies they
//! send it; the crate's "Routing" section says how the client hands those
//! copies to handlers.
//!
//! # Where next
//!
//! The [crate documentation](crate) describes every call, the threads the
//! client uses, acknowledgements (automatic after the handlers return, or
//! manual), bounded memory, and routing. The repository's `mqtt-std/examples`
//! also hold `pub` and `sub`, small tools with the flags of `mosquitto_pub` and
//! `mosquitto_sub`.
