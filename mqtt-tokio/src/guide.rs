//! Getting started: MQTT with the async client on tokio.
//!
//! This guide takes about a quarter of an hour. It explains what MQTT is, gets
//! you a broker, adds this crate to a project, and walks through three
//! programs line by line: *hello world* (one client talks to itself), *Blabbr*
//! (one publisher, four subscribers) and *Weathr* (two publishers, eight
//! subscribers that each receive only the topics they asked for). It uses
//! `mqtt-tokio`. On smol, `mqtt-smol` is the same client and the programs
//! differ only in how they start the runtime (see "On smol" at the end); for
//! blocking code, `mqtt-std` has the same guide (`mqtt_std::guide`).
//!
//! Every code block below is a part of the repository's examples
//! (`mqtt-tokio/examples/hello_world.rs`, `blabbr.rs` and `weathr.rs`), shown
//! whole and in order; a test (`mqtt-tokio/tests/guide.rs`) fails when an
//! example and this page disagree, so what you read is what `cargo run
//! --example` runs.
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
//! mqtt-tokio = "0.1"
//! tokio = { version = "1.38", features = ["macros", "rt-multi-thread"] }
//! # The channel the examples pass messages through:
//! async-channel = "2"
//! ```
//!
//! `mqtt-tokio` turns on the tokio features it needs itself (`net`, `time`,
//! `rt`, `io-util`); `macros` and `rt-multi-thread` are for `#[tokio::main]`.
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
//! mqtt-tokio = { version = "0.1", default-features = false }
//! # or:
//! # mqtt-tokio = { version = "0.1", default-features = false, features = ["tls", "webpki-roots"] }
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
//! cargo run -p mqtt-tokio --example hello_world
//! ```
//!
//! It prints the client id it was given, `[consumer] received Hello, world` and
//! `[main] disconnected`.
//!
//! **The imports.** `deliveries` is a helper of the repository's test kit that
//! the examples and their tests share: it waits for a number of messages on a
//! channel (at most 10 s each), then 300 ms more for any that should not come,
//! and returns them all. In a program of your own, `rx.recv().await` gives the
//! next message. [`Client`](crate::Client) is a connection,
//! [`Options`](crate::Options) its settings, [`QoS`](crate::QoS) the quality of
//! service; [`Tokio`](crate::Tokio) is the runtime type, needed here only to
//! tell `deliveries` whose timer to use.
//!
//! ```no_run
//! # // guide: examples/hello_world.rs
//! use mqtt_testkit::seed::deliveries;
//! use mqtt_tokio::{Client, Options, QoS, Tokio};
//! #
//! # /// Runs the example against `url` with topic `{prefix}hello`; returns the
//! # /// payloads received, in order.
//! # pub async fn run(url: &str, prefix: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}hello");
//! #     let client = Client::connect(url, Options::new()).await?;
//! #     println!("[main] connected to {url} as {}", client.client_id());
//! #
//! #     let (tx, rx) = async_channel::unbounded();
//! #     client
//! #         .subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #             let payload = String::from_utf8_lossy(m.payload()).into_owned();
//! #             println!("[consumer] received {payload}");
//! #             // The receiver lives until `run` returns.
//! #             let _ = tx.try_send(payload);
//! #         })
//! #         .await?;
//! #
//! #     client
//! #         .publish(topic.as_str(), "Hello, world")
//! #         .await?
//! #         .await?;
//! #
//! #     // The one delivery (waiting at most 10 s), then any extra one within 300 ms.
//! #     let received = deliveries::<Tokio, _>(&rx, 1).await?;
//! #     // The disconnect comes from here, not from the handler.
//! #     client.disconnect().await?;
//! #     println!("[main] disconnected");
//! #     Ok(received)
//! # }
//! #
//! # #[allow(dead_code)] // The tests include this file for `run`.
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "").await?;
//! #     Ok(())
//! # }
//! ```
//!
//! **Connecting.** `run` is the program; the repository's tests call it against
//! every broker they test, with a topic prefix of their own, and `main` calls it
//! with an empty prefix. [`Client::connect`](crate::Client::connect) resolves
//! once the broker has accepted the connection (its CONNACK), with the client
//! or an [`Error`](crate::Error). It spawns the client's two tasks (one drives
//! the connection, one calls the handlers) with `tokio::spawn`, so it must run
//! inside a tokio runtime with I/O and time enabled, as under `#[tokio::main]`;
//! outside one it fails with [`Error::NoRuntime`](crate::Error::NoRuntime).
//! [`Options::new`](crate::Options::new) gives the defaults: a client id
//! generated by the client (printed here with
//! [`Client::client_id`](crate::Client::client_id)), a clean session,
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
//! # use mqtt_testkit::seed::deliveries;
//! # use mqtt_tokio::{Client, Options, QoS, Tokio};
//! #
//! /// Runs the example against `url` with topic `{prefix}hello`; returns the
//! /// payloads received, in order.
//! pub async fn run(url: &str, prefix: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
//!     let topic = format!("{prefix}hello");
//!     let client = Client::connect(url, Options::new()).await?;
//!     println!("[main] connected to {url} as {}", client.client_id());
//! #
//! #     let (tx, rx) = async_channel::unbounded();
//! #     client
//! #         .subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #             let payload = String::from_utf8_lossy(m.payload()).into_owned();
//! #             println!("[consumer] received {payload}");
//! #             // The receiver lives until `run` returns.
//! #             let _ = tx.try_send(payload);
//! #         })
//! #         .await?;
//! #
//! #     client
//! #         .publish(topic.as_str(), "Hello, world")
//! #         .await?
//! #         .await?;
//! #
//! #     // The one delivery (waiting at most 10 s), then any extra one within 300 ms.
//! #     let received = deliveries::<Tokio, _>(&rx, 1).await?;
//! #     // The disconnect comes from here, not from the handler.
//! #     client.disconnect().await?;
//! #     println!("[main] disconnected");
//! #     Ok(received)
//! # }
//! #
//! # #[allow(dead_code)] // The tests include this file for `run`.
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "").await?;
//! #     Ok(())
//! # }
//! ```
//!
//! **Subscribing.** [`Client::subscribe`](crate::Client::subscribe) takes
//! filters with their QoS and a *handler*, and resolves at the broker's SUBACK
//! (with the granted QoS per filter, which this example does not need). The
//! handler is an ordinary closure, not an async one: the client calls it on
//! tokio's blocking pool (`spawn_blocking`), one call at a time per client, in
//! the order messages arrived, so it may block, and may call back into the
//! client. It stays installed across reconnects, and the client subscribes
//! again if the broker lost the session. This one decodes the payload (bytes)
//! as text, prints it and puts it on an unbounded channel, whose `try_send`
//! never waits; it can only fail once `run` has returned, so its result is
//! ignored. To read messages in async code instead of a closure, use
//! [`Client::subscribe_stream`](crate::Client::subscribe_stream), which gives a
//! `Stream` of them.
//!
//! ```no_run
//! # // guide: examples/hello_world.rs
//! # use mqtt_testkit::seed::deliveries;
//! # use mqtt_tokio::{Client, Options, QoS, Tokio};
//! #
//! # /// Runs the example against `url` with topic `{prefix}hello`; returns the
//! # /// payloads received, in order.
//! # pub async fn run(url: &str, prefix: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}hello");
//! #     let client = Client::connect(url, Options::new()).await?;
//! #     println!("[main] connected to {url} as {}", client.client_id());
//! #
//!     let (tx, rx) = async_channel::unbounded();
//!     client
//!         .subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//!             let payload = String::from_utf8_lossy(m.payload()).into_owned();
//!             println!("[consumer] received {payload}");
//!             // The receiver lives until `run` returns.
//!             let _ = tx.try_send(payload);
//!         })
//!         .await?;
//! #
//! #     client
//! #         .publish(topic.as_str(), "Hello, world")
//! #         .await?
//! #         .await?;
//! #
//! #     // The one delivery (waiting at most 10 s), then any extra one within 300 ms.
//! #     let received = deliveries::<Tokio, _>(&rx, 1).await?;
//! #     // The disconnect comes from here, not from the handler.
//! #     client.disconnect().await?;
//! #     println!("[main] disconnected");
//! #     Ok(received)
//! # }
//! #
//! # #[allow(dead_code)] // The tests include this file for `run`.
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "").await?;
//! #     Ok(())
//! # }
//! ```
//!
//! **Publishing.** [`Client::publish`](crate::Client::publish) sends at QoS 1,
//! not retained. It has two awaits: the first waits only while the client's
//! publish queue is full (by default 20 messages in flight and 1024 more
//! queued) and gives a [`PublishHandle`](crate::PublishHandle); the handle is a
//! future that resolves when the broker acknowledges the message. The payload
//! is anything that converts into [`Bytes`](crate::Bytes): a string literal, a
//! `String`, a `Vec<u8>`.
//!
//! ```no_run
//! # // guide: examples/hello_world.rs
//! # use mqtt_testkit::seed::deliveries;
//! # use mqtt_tokio::{Client, Options, QoS, Tokio};
//! #
//! # /// Runs the example against `url` with topic `{prefix}hello`; returns the
//! # /// payloads received, in order.
//! # pub async fn run(url: &str, prefix: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}hello");
//! #     let client = Client::connect(url, Options::new()).await?;
//! #     println!("[main] connected to {url} as {}", client.client_id());
//! #
//! #     let (tx, rx) = async_channel::unbounded();
//! #     client
//! #         .subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #             let payload = String::from_utf8_lossy(m.payload()).into_owned();
//! #             println!("[consumer] received {payload}");
//! #             // The receiver lives until `run` returns.
//! #             let _ = tx.try_send(payload);
//! #         })
//! #         .await?;
//! #
//!     client
//!         .publish(topic.as_str(), "Hello, world")
//!         .await?
//!         .await?;
//! #
//! #     // The one delivery (waiting at most 10 s), then any extra one within 300 ms.
//! #     let received = deliveries::<Tokio, _>(&rx, 1).await?;
//! #     // The disconnect comes from here, not from the handler.
//! #     client.disconnect().await?;
//! #     println!("[main] disconnected");
//! #     Ok(received)
//! # }
//! #
//! # #[allow(dead_code)] // The tests include this file for `run`.
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "").await?;
//! #     Ok(())
//! # }
//! ```
//!
//! **Receiving and disconnecting.** The main task takes the delivery from the
//! channel, then calls [`Client::disconnect`](crate::Client::disconnect) itself
//! (not from the handler). It lets publishes still in flight finish (for at
//! most 30 s), sends DISCONNECT and resolves once the broker has closed the
//! connection. Do not skip it: dropping the last handle of a client disconnects
//! in the background without waiting, and when `main` returns the runtime drops
//! the client's tasks: publishes the broker has not acknowledged are lost, and
//! if the DISCONNECT did not get out either, the broker publishes the client's
//! will.
//!
//! ```no_run
//! # // guide: examples/hello_world.rs
//! # use mqtt_testkit::seed::deliveries;
//! # use mqtt_tokio::{Client, Options, QoS, Tokio};
//! #
//! # /// Runs the example against `url` with topic `{prefix}hello`; returns the
//! # /// payloads received, in order.
//! # pub async fn run(url: &str, prefix: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}hello");
//! #     let client = Client::connect(url, Options::new()).await?;
//! #     println!("[main] connected to {url} as {}", client.client_id());
//! #
//! #     let (tx, rx) = async_channel::unbounded();
//! #     client
//! #         .subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #             let payload = String::from_utf8_lossy(m.payload()).into_owned();
//! #             println!("[consumer] received {payload}");
//! #             // The receiver lives until `run` returns.
//! #             let _ = tx.try_send(payload);
//! #         })
//! #         .await?;
//! #
//! #     client
//! #         .publish(topic.as_str(), "Hello, world")
//! #         .await?
//! #         .await?;
//! #
//!     // The one delivery (waiting at most 10 s), then any extra one within 300 ms.
//!     let received = deliveries::<Tokio, _>(&rx, 1).await?;
//!     // The disconnect comes from here, not from the handler.
//!     client.disconnect().await?;
//!     println!("[main] disconnected");
//!     Ok(received)
//! }
//! #
//! # #[allow(dead_code)] // The tests include this file for `run`.
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "").await?;
//! #     Ok(())
//! # }
//! ```
//!
//! **`main`.** The example asks the test kit for a broker (the `MQTT_URL`,
//! local broker, embedded broker order described above). In a program of your
//! own, name your broker instead: `run("mqtt://127.0.0.1:1883", "").await`. The
//! `#[allow(dead_code)]` is there because the tests include this file for `run`
//! and never call `main`.
//!
//! ```no_run
//! # // guide: examples/hello_world.rs
//! # use mqtt_testkit::seed::deliveries;
//! # use mqtt_tokio::{Client, Options, QoS, Tokio};
//! #
//! # /// Runs the example against `url` with topic `{prefix}hello`; returns the
//! # /// payloads received, in order.
//! # pub async fn run(url: &str, prefix: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}hello");
//! #     let client = Client::connect(url, Options::new()).await?;
//! #     println!("[main] connected to {url} as {}", client.client_id());
//! #
//! #     let (tx, rx) = async_channel::unbounded();
//! #     client
//! #         .subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #             let payload = String::from_utf8_lossy(m.payload()).into_owned();
//! #             println!("[consumer] received {payload}");
//! #             // The receiver lives until `run` returns.
//! #             let _ = tx.try_send(payload);
//! #         })
//! #         .await?;
//! #
//! #     client
//! #         .publish(topic.as_str(), "Hello, world")
//! #         .await?
//! #         .await?;
//! #
//! #     // The one delivery (waiting at most 10 s), then any extra one within 300 ms.
//! #     let received = deliveries::<Tokio, _>(&rx, 1).await?;
//! #     // The disconnect comes from here, not from the handler.
//! #     client.disconnect().await?;
//! #     println!("[main] disconnected");
//! #     Ok(received)
//! # }
//! #
//! #[allow(dead_code)] // The tests include this file for `run`.
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let url = mqtt_testkit::example_broker()?;
//!     run(&url, "").await?;
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
//! cargo run -p mqtt-tokio --example blabbr
//! ```
//!
//! **The data.** The names and the two messages come from the test kit, which
//! holds them once for the examples and tests of every adapter:
//! `NAMES` is `["joe", "aaron", "bob", "dee"]` and `MESSAGES` is
//! `["BOS 101, NYK 89", "ORL 85, ALT 88"]`.
//!
//! ```no_run
//! # // guide: examples/blabbr.rs
//! use mqtt_testkit::seed::deliveries;
//! use mqtt_tokio::{Client, Options, QoS, Tokio};
//!
//! /// The guide's data (shared by every adapter's example and tests): the
//! /// subscribers' names (client ids are `consumer.<name>`) and the two
//! /// messages, in publish order.
//! pub use mqtt_testkit::seed::{BLABBR_MESSAGES as MESSAGES, BLABBR_NAMES as NAMES};
//! #
//! # /// Runs the example against `url`: topics get `prefix`, client ids
//! # /// `id_prefix` (both empty when run as the example). Returns every delivery
//! # /// as `(subscriber name, message)`, in arrival order.
//! # pub async fn run(
//! #     url: &str,
//! #     prefix: &str,
//! #     id_prefix: &str,
//! # ) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}nba/scores");
//! #     let (tx, rx) = async_channel::unbounded();
//! #     let mut consumers = Vec::new();
//! #     for name in NAMES {
//! #         let id = format!("{id_prefix}consumer.{name}");
//! #         let client = Client::connect(url, Options::new().client_id(id)).await?;
//! #         let tx = tx.clone();
//! #         client
//! #             .subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #                 let msg = String::from_utf8_lossy(m.payload()).into_owned();
//! #                 println!("[consumer] {name} received {msg}");
//! #                 let _ = tx.try_send((name.to_owned(), msg));
//! #             })
//! #             .await?;
//! #         consumers.push(client);
//! #     }
//! #     let publisher = Client::connect(url, Options::new()).await?;
//! #     for msg in MESSAGES {
//! #         publisher.publish(topic.as_str(), msg).await?.await?;
//! #     }
//! #     // The eight deliveries (each within 10 s), then any extra one within 300 ms.
//! #     let got = deliveries::<Tokio, _>(&rx, NAMES.len() * MESSAGES.len()).await?;
//! #     publisher.disconnect().await?;
//! #     for c in consumers {
//! #         c.disconnect().await?;
//! #     }
//! #     Ok(got)
//! # }
//! #
//! # #[allow(dead_code)] // The tests include this file for `run`.
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "", "").await?;
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
//! # use mqtt_testkit::seed::deliveries;
//! # use mqtt_tokio::{Client, Options, QoS, Tokio};
//! #
//! # /// The guide's data (shared by every adapter's example and tests): the
//! # /// subscribers' names (client ids are `consumer.<name>`) and the two
//! # /// messages, in publish order.
//! # pub use mqtt_testkit::seed::{BLABBR_MESSAGES as MESSAGES, BLABBR_NAMES as NAMES};
//! #
//! /// Runs the example against `url`: topics get `prefix`, client ids
//! /// `id_prefix` (both empty when run as the example). Returns every delivery
//! /// as `(subscriber name, message)`, in arrival order.
//! pub async fn run(
//!     url: &str,
//!     prefix: &str,
//!     id_prefix: &str,
//! ) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
//!     let topic = format!("{prefix}nba/scores");
//!     let (tx, rx) = async_channel::unbounded();
//!     let mut consumers = Vec::new();
//! #     for name in NAMES {
//! #         let id = format!("{id_prefix}consumer.{name}");
//! #         let client = Client::connect(url, Options::new().client_id(id)).await?;
//! #         let tx = tx.clone();
//! #         client
//! #             .subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #                 let msg = String::from_utf8_lossy(m.payload()).into_owned();
//! #                 println!("[consumer] {name} received {msg}");
//! #                 let _ = tx.try_send((name.to_owned(), msg));
//! #             })
//! #             .await?;
//! #         consumers.push(client);
//! #     }
//! #     let publisher = Client::connect(url, Options::new()).await?;
//! #     for msg in MESSAGES {
//! #         publisher.publish(topic.as_str(), msg).await?.await?;
//! #     }
//! #     // The eight deliveries (each within 10 s), then any extra one within 300 ms.
//! #     let got = deliveries::<Tokio, _>(&rx, NAMES.len() * MESSAGES.len()).await?;
//! #     publisher.disconnect().await?;
//! #     for c in consumers {
//! #         c.disconnect().await?;
//! #     }
//! #     Ok(got)
//! # }
//! #
//! # #[allow(dead_code)] // The tests include this file for `run`.
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "", "").await?;
//! #     Ok(())
//! # }
//! ```
//!
//! Each subscriber is a connection of its own, with the client id
//! `consumer.<name>` set by [`Options::client_id`](crate::Options::client_id).
//! A client is two tasks on your runtime and no thread of its own, so four
//! clients cost four connections and eight tasks. Each handler gets its own
//! sender (`tx.clone()`), and the client is kept in `consumers` so that it can
//! be disconnected at the end.
//!
//! ```no_run
//! # // guide: examples/blabbr.rs
//! # use mqtt_testkit::seed::deliveries;
//! # use mqtt_tokio::{Client, Options, QoS, Tokio};
//! #
//! # /// The guide's data (shared by every adapter's example and tests): the
//! # /// subscribers' names (client ids are `consumer.<name>`) and the two
//! # /// messages, in publish order.
//! # pub use mqtt_testkit::seed::{BLABBR_MESSAGES as MESSAGES, BLABBR_NAMES as NAMES};
//! #
//! # /// Runs the example against `url`: topics get `prefix`, client ids
//! # /// `id_prefix` (both empty when run as the example). Returns every delivery
//! # /// as `(subscriber name, message)`, in arrival order.
//! # pub async fn run(
//! #     url: &str,
//! #     prefix: &str,
//! #     id_prefix: &str,
//! # ) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}nba/scores");
//! #     let (tx, rx) = async_channel::unbounded();
//! #     let mut consumers = Vec::new();
//!     for name in NAMES {
//!         let id = format!("{id_prefix}consumer.{name}");
//!         let client = Client::connect(url, Options::new().client_id(id)).await?;
//!         let tx = tx.clone();
//!         client
//!             .subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//!                 let msg = String::from_utf8_lossy(m.payload()).into_owned();
//!                 println!("[consumer] {name} received {msg}");
//!                 let _ = tx.try_send((name.to_owned(), msg));
//!             })
//!             .await?;
//!         consumers.push(client);
//!     }
//! #     let publisher = Client::connect(url, Options::new()).await?;
//! #     for msg in MESSAGES {
//! #         publisher.publish(topic.as_str(), msg).await?.await?;
//! #     }
//! #     // The eight deliveries (each within 10 s), then any extra one within 300 ms.
//! #     let got = deliveries::<Tokio, _>(&rx, NAMES.len() * MESSAGES.len()).await?;
//! #     publisher.disconnect().await?;
//! #     for c in consumers {
//! #         c.disconnect().await?;
//! #     }
//! #     Ok(got)
//! # }
//! #
//! # #[allow(dead_code)] // The tests include this file for `run`.
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "", "").await?;
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
//! # use mqtt_testkit::seed::deliveries;
//! # use mqtt_tokio::{Client, Options, QoS, Tokio};
//! #
//! # /// The guide's data (shared by every adapter's example and tests): the
//! # /// subscribers' names (client ids are `consumer.<name>`) and the two
//! # /// messages, in publish order.
//! # pub use mqtt_testkit::seed::{BLABBR_MESSAGES as MESSAGES, BLABBR_NAMES as NAMES};
//! #
//! # /// Runs the example against `url`: topics get `prefix`, client ids
//! # /// `id_prefix` (both empty when run as the example). Returns every delivery
//! # /// as `(subscriber name, message)`, in arrival order.
//! # pub async fn run(
//! #     url: &str,
//! #     prefix: &str,
//! #     id_prefix: &str,
//! # ) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}nba/scores");
//! #     let (tx, rx) = async_channel::unbounded();
//! #     let mut consumers = Vec::new();
//! #     for name in NAMES {
//! #         let id = format!("{id_prefix}consumer.{name}");
//! #         let client = Client::connect(url, Options::new().client_id(id)).await?;
//! #         let tx = tx.clone();
//! #         client
//! #             .subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #                 let msg = String::from_utf8_lossy(m.payload()).into_owned();
//! #                 println!("[consumer] {name} received {msg}");
//! #                 let _ = tx.try_send((name.to_owned(), msg));
//! #             })
//! #             .await?;
//! #         consumers.push(client);
//! #     }
//!     let publisher = Client::connect(url, Options::new()).await?;
//!     for msg in MESSAGES {
//!         publisher.publish(topic.as_str(), msg).await?.await?;
//!     }
//! #     // The eight deliveries (each within 10 s), then any extra one within 300 ms.
//! #     let got = deliveries::<Tokio, _>(&rx, NAMES.len() * MESSAGES.len()).await?;
//! #     publisher.disconnect().await?;
//! #     for c in consumers {
//! #         c.disconnect().await?;
//! #     }
//! #     Ok(got)
//! # }
//! #
//! # #[allow(dead_code)] // The tests include this file for `run`.
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "", "").await?;
//! #     Ok(())
//! # }
//! ```
//!
//! **Collecting and disconnecting.** The main task waits for the eight
//! deliveries, then disconnects the publisher and the subscribers. Anything
//! beyond the eight that arrives within 300 ms is returned too (the tests fail
//! if anything did).
//!
//! ```no_run
//! # // guide: examples/blabbr.rs
//! # use mqtt_testkit::seed::deliveries;
//! # use mqtt_tokio::{Client, Options, QoS, Tokio};
//! #
//! # /// The guide's data (shared by every adapter's example and tests): the
//! # /// subscribers' names (client ids are `consumer.<name>`) and the two
//! # /// messages, in publish order.
//! # pub use mqtt_testkit::seed::{BLABBR_MESSAGES as MESSAGES, BLABBR_NAMES as NAMES};
//! #
//! # /// Runs the example against `url`: topics get `prefix`, client ids
//! # /// `id_prefix` (both empty when run as the example). Returns every delivery
//! # /// as `(subscriber name, message)`, in arrival order.
//! # pub async fn run(
//! #     url: &str,
//! #     prefix: &str,
//! #     id_prefix: &str,
//! # ) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}nba/scores");
//! #     let (tx, rx) = async_channel::unbounded();
//! #     let mut consumers = Vec::new();
//! #     for name in NAMES {
//! #         let id = format!("{id_prefix}consumer.{name}");
//! #         let client = Client::connect(url, Options::new().client_id(id)).await?;
//! #         let tx = tx.clone();
//! #         client
//! #             .subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #                 let msg = String::from_utf8_lossy(m.payload()).into_owned();
//! #                 println!("[consumer] {name} received {msg}");
//! #                 let _ = tx.try_send((name.to_owned(), msg));
//! #             })
//! #             .await?;
//! #         consumers.push(client);
//! #     }
//! #     let publisher = Client::connect(url, Options::new()).await?;
//! #     for msg in MESSAGES {
//! #         publisher.publish(topic.as_str(), msg).await?.await?;
//! #     }
//!     // The eight deliveries (each within 10 s), then any extra one within 300 ms.
//!     let got = deliveries::<Tokio, _>(&rx, NAMES.len() * MESSAGES.len()).await?;
//!     publisher.disconnect().await?;
//!     for c in consumers {
//!         c.disconnect().await?;
//!     }
//!     Ok(got)
//! }
//! #
//! # #[allow(dead_code)] // The tests include this file for `run`.
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "", "").await?;
//! #     Ok(())
//! # }
//! ```
//!
//! ```no_run
//! # // guide: examples/blabbr.rs
//! # use mqtt_testkit::seed::deliveries;
//! # use mqtt_tokio::{Client, Options, QoS, Tokio};
//! #
//! # /// The guide's data (shared by every adapter's example and tests): the
//! # /// subscribers' names (client ids are `consumer.<name>`) and the two
//! # /// messages, in publish order.
//! # pub use mqtt_testkit::seed::{BLABBR_MESSAGES as MESSAGES, BLABBR_NAMES as NAMES};
//! #
//! # /// Runs the example against `url`: topics get `prefix`, client ids
//! # /// `id_prefix` (both empty when run as the example). Returns every delivery
//! # /// as `(subscriber name, message)`, in arrival order.
//! # pub async fn run(
//! #     url: &str,
//! #     prefix: &str,
//! #     id_prefix: &str,
//! # ) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
//! #     let topic = format!("{prefix}nba/scores");
//! #     let (tx, rx) = async_channel::unbounded();
//! #     let mut consumers = Vec::new();
//! #     for name in NAMES {
//! #         let id = format!("{id_prefix}consumer.{name}");
//! #         let client = Client::connect(url, Options::new().client_id(id)).await?;
//! #         let tx = tx.clone();
//! #         client
//! #             .subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
//! #                 let msg = String::from_utf8_lossy(m.payload()).into_owned();
//! #                 println!("[consumer] {name} received {msg}");
//! #                 let _ = tx.try_send((name.to_owned(), msg));
//! #             })
//! #             .await?;
//! #         consumers.push(client);
//! #     }
//! #     let publisher = Client::connect(url, Options::new()).await?;
//! #     for msg in MESSAGES {
//! #         publisher.publish(topic.as_str(), msg).await?.await?;
//! #     }
//! #     // The eight deliveries (each within 10 s), then any extra one within 300 ms.
//! #     let got = deliveries::<Tokio, _>(&rx, NAMES.len() * MESSAGES.len()).await?;
//! #     publisher.disconnect().await?;
//! #     for c in consumers {
//! #         c.disconnect().await?;
//! #     }
//! #     Ok(got)
//! # }
//! #
//! #[allow(dead_code)] // The tests include this file for `run`.
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let url = mqtt_testkit::example_broker()?;
//!     run(&url, "", "").await?;
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
//! cargo run -p mqtt-tokio --example weathr
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
//! receives (18 deliveries in all, `EXPECTED`):
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
//! use mqtt_testkit::seed::deliveries;
//! use mqtt_tokio::{Client, Options, QoS, Tokio};
//!
//! /// The guide's tables (shared by every adapter's example and tests): the ten
//! /// updates `(topic, payload)` (publisher A sends the first five, publisher B
//! /// the last five), the eight subscribers' filters (one connection each), and
//! /// how many deliveries they get in total.
//! pub use mqtt_testkit::seed::{
//!     WEATHR_DELIVERIES as EXPECTED, WEATHR_FILTERS as FILTERS, WEATHR_UPDATES as UPDATES,
//! };
//! #
//! # /// Runs the example against `url` with every topic and filter under
//! # /// `prefix`. Returns every delivery as `(filter, topic, payload)` (filter and
//! # /// topic without the prefix), in arrival order.
//! # pub async fn run(
//! #     url: &str,
//! #     prefix: &str,
//! # ) -> Result<Vec<(String, String, String)>, Box<dyn std::error::Error>> {
//! #     let (tx, rx) = async_channel::unbounded();
//! #     let mut subscribers = Vec::new();
//! #     for filter in FILTERS {
//! #         let client = Client::connect(url, Options::new()).await?;
//! #         let tx = tx.clone();
//! #         let prefix = prefix.to_owned();
//! #         client
//! #             .subscribe([(format!("{prefix}{filter}"), QoS::AtMostOnce)], move |m| {
//! #                 let topic = m.topic().strip_prefix(prefix.as_str()).unwrap_or(m.topic());
//! #                 let payload = String::from_utf8_lossy(m.payload()).into_owned();
//! #                 println!("[{filter}] received {payload} on {topic}");
//! #                 let _ = tx.try_send((filter.to_owned(), topic.to_owned(), payload));
//! #             })
//! #             .await?;
//! #         subscribers.push(client);
//! #     }
//! #     let a = Client::connect(url, Options::new()).await?;
//! #     let b = Client::connect(url, Options::new()).await?;
//! #     for (i, (topic, payload)) in UPDATES.iter().enumerate() {
//! #         let publisher = if i < 5 { &a } else { &b };
//! #         publisher
//! #             .publish(format!("{prefix}{topic}"), *payload)
//! #             .await?
//! #             .await?;
//! #     }
//! #     // The 18 deliveries (each within 10 s), then any extra one within 300 ms.
//! #     let got = deliveries::<Tokio, _>(&rx, EXPECTED).await?;
//! #     println!("[main] {} deliveries", got.len());
//! #     a.disconnect().await?;
//! #     b.disconnect().await?;
//! #     for c in subscribers {
//! #         c.disconnect().await?;
//! #     }
//! #     Ok(got)
//! # }
//! #
//! # #[allow(dead_code)] // The tests include this file for `run`.
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "").await?;
//! #     Ok(())
//! # }
//! ```
//!
//! **The subscribers.** Each filter gets a connection and a handler. The handler
//! owns a copy of the test's prefix (it must be `'static`), strips it from the
//! topic (`Message::topic` is the topic the message was published to, not the
//! filter) and sends `(filter, topic, payload)` to the main task.
//!
//! ```no_run
//! # // guide: examples/weathr.rs
//! # use mqtt_testkit::seed::deliveries;
//! # use mqtt_tokio::{Client, Options, QoS, Tokio};
//! #
//! # /// The guide's tables (shared by every adapter's example and tests): the ten
//! # /// updates `(topic, payload)` (publisher A sends the first five, publisher B
//! # /// the last five), the eight subscribers' filters (one connection each), and
//! # /// how many deliveries they get in total.
//! # pub use mqtt_testkit::seed::{
//! #     WEATHR_DELIVERIES as EXPECTED, WEATHR_FILTERS as FILTERS, WEATHR_UPDATES as UPDATES,
//! # };
//! #
//! /// Runs the example against `url` with every topic and filter under
//! /// `prefix`. Returns every delivery as `(filter, topic, payload)` (filter and
//! /// topic without the prefix), in arrival order.
//! pub async fn run(
//!     url: &str,
//!     prefix: &str,
//! ) -> Result<Vec<(String, String, String)>, Box<dyn std::error::Error>> {
//!     let (tx, rx) = async_channel::unbounded();
//!     let mut subscribers = Vec::new();
//!     for filter in FILTERS {
//!         let client = Client::connect(url, Options::new()).await?;
//!         let tx = tx.clone();
//!         let prefix = prefix.to_owned();
//!         client
//!             .subscribe([(format!("{prefix}{filter}"), QoS::AtMostOnce)], move |m| {
//!                 let topic = m.topic().strip_prefix(prefix.as_str()).unwrap_or(m.topic());
//!                 let payload = String::from_utf8_lossy(m.payload()).into_owned();
//!                 println!("[{filter}] received {payload} on {topic}");
//!                 let _ = tx.try_send((filter.to_owned(), topic.to_owned(), payload));
//!             })
//!             .await?;
//!         subscribers.push(client);
//!     }
//! #     let a = Client::connect(url, Options::new()).await?;
//! #     let b = Client::connect(url, Options::new()).await?;
//! #     for (i, (topic, payload)) in UPDATES.iter().enumerate() {
//! #         let publisher = if i < 5 { &a } else { &b };
//! #         publisher
//! #             .publish(format!("{prefix}{topic}"), *payload)
//! #             .await?
//! #             .await?;
//! #     }
//! #     // The 18 deliveries (each within 10 s), then any extra one within 300 ms.
//! #     let got = deliveries::<Tokio, _>(&rx, EXPECTED).await?;
//! #     println!("[main] {} deliveries", got.len());
//! #     a.disconnect().await?;
//! #     b.disconnect().await?;
//! #     for c in subscribers {
//! #         c.disconnect().await?;
//! #     }
//! #     Ok(got)
//! # }
//! #
//! # #[allow(dead_code)] // The tests include this file for `run`.
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "").await?;
//! #     Ok(())
//! # }
//! ```
//!
//! **The publishers.** Two more connections. Topics here are `String`s built
//! with `format!`: `publish` takes anything that converts into a topic.
//!
//! ```no_run
//! # // guide: examples/weathr.rs
//! # use mqtt_testkit::seed::deliveries;
//! # use mqtt_tokio::{Client, Options, QoS, Tokio};
//! #
//! # /// The guide's tables (shared by every adapter's example and tests): the ten
//! # /// updates `(topic, payload)` (publisher A sends the first five, publisher B
//! # /// the last five), the eight subscribers' filters (one connection each), and
//! # /// how many deliveries they get in total.
//! # pub use mqtt_testkit::seed::{
//! #     WEATHR_DELIVERIES as EXPECTED, WEATHR_FILTERS as FILTERS, WEATHR_UPDATES as UPDATES,
//! # };
//! #
//! # /// Runs the example against `url` with every topic and filter under
//! # /// `prefix`. Returns every delivery as `(filter, topic, payload)` (filter and
//! # /// topic without the prefix), in arrival order.
//! # pub async fn run(
//! #     url: &str,
//! #     prefix: &str,
//! # ) -> Result<Vec<(String, String, String)>, Box<dyn std::error::Error>> {
//! #     let (tx, rx) = async_channel::unbounded();
//! #     let mut subscribers = Vec::new();
//! #     for filter in FILTERS {
//! #         let client = Client::connect(url, Options::new()).await?;
//! #         let tx = tx.clone();
//! #         let prefix = prefix.to_owned();
//! #         client
//! #             .subscribe([(format!("{prefix}{filter}"), QoS::AtMostOnce)], move |m| {
//! #                 let topic = m.topic().strip_prefix(prefix.as_str()).unwrap_or(m.topic());
//! #                 let payload = String::from_utf8_lossy(m.payload()).into_owned();
//! #                 println!("[{filter}] received {payload} on {topic}");
//! #                 let _ = tx.try_send((filter.to_owned(), topic.to_owned(), payload));
//! #             })
//! #             .await?;
//! #         subscribers.push(client);
//! #     }
//!     let a = Client::connect(url, Options::new()).await?;
//!     let b = Client::connect(url, Options::new()).await?;
//!     for (i, (topic, payload)) in UPDATES.iter().enumerate() {
//!         let publisher = if i < 5 { &a } else { &b };
//!         publisher
//!             .publish(format!("{prefix}{topic}"), *payload)
//!             .await?
//!             .await?;
//!     }
//! #     // The 18 deliveries (each within 10 s), then any extra one within 300 ms.
//! #     let got = deliveries::<Tokio, _>(&rx, EXPECTED).await?;
//! #     println!("[main] {} deliveries", got.len());
//! #     a.disconnect().await?;
//! #     b.disconnect().await?;
//! #     for c in subscribers {
//! #         c.disconnect().await?;
//! #     }
//! #     Ok(got)
//! # }
//! #
//! # #[allow(dead_code)] // The tests include this file for `run`.
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "").await?;
//! #     Ok(())
//! # }
//! ```
//!
//! **Collecting and disconnecting,** as in Blabbr:
//!
//! ```no_run
//! # // guide: examples/weathr.rs
//! # use mqtt_testkit::seed::deliveries;
//! # use mqtt_tokio::{Client, Options, QoS, Tokio};
//! #
//! # /// The guide's tables (shared by every adapter's example and tests): the ten
//! # /// updates `(topic, payload)` (publisher A sends the first five, publisher B
//! # /// the last five), the eight subscribers' filters (one connection each), and
//! # /// how many deliveries they get in total.
//! # pub use mqtt_testkit::seed::{
//! #     WEATHR_DELIVERIES as EXPECTED, WEATHR_FILTERS as FILTERS, WEATHR_UPDATES as UPDATES,
//! # };
//! #
//! # /// Runs the example against `url` with every topic and filter under
//! # /// `prefix`. Returns every delivery as `(filter, topic, payload)` (filter and
//! # /// topic without the prefix), in arrival order.
//! # pub async fn run(
//! #     url: &str,
//! #     prefix: &str,
//! # ) -> Result<Vec<(String, String, String)>, Box<dyn std::error::Error>> {
//! #     let (tx, rx) = async_channel::unbounded();
//! #     let mut subscribers = Vec::new();
//! #     for filter in FILTERS {
//! #         let client = Client::connect(url, Options::new()).await?;
//! #         let tx = tx.clone();
//! #         let prefix = prefix.to_owned();
//! #         client
//! #             .subscribe([(format!("{prefix}{filter}"), QoS::AtMostOnce)], move |m| {
//! #                 let topic = m.topic().strip_prefix(prefix.as_str()).unwrap_or(m.topic());
//! #                 let payload = String::from_utf8_lossy(m.payload()).into_owned();
//! #                 println!("[{filter}] received {payload} on {topic}");
//! #                 let _ = tx.try_send((filter.to_owned(), topic.to_owned(), payload));
//! #             })
//! #             .await?;
//! #         subscribers.push(client);
//! #     }
//! #     let a = Client::connect(url, Options::new()).await?;
//! #     let b = Client::connect(url, Options::new()).await?;
//! #     for (i, (topic, payload)) in UPDATES.iter().enumerate() {
//! #         let publisher = if i < 5 { &a } else { &b };
//! #         publisher
//! #             .publish(format!("{prefix}{topic}"), *payload)
//! #             .await?
//! #             .await?;
//! #     }
//!     // The 18 deliveries (each within 10 s), then any extra one within 300 ms.
//!     let got = deliveries::<Tokio, _>(&rx, EXPECTED).await?;
//!     println!("[main] {} deliveries", got.len());
//!     a.disconnect().await?;
//!     b.disconnect().await?;
//!     for c in subscribers {
//!         c.disconnect().await?;
//!     }
//!     Ok(got)
//! }
//! #
//! # #[allow(dead_code)] // The tests include this file for `run`.
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     run(&url, "").await?;
//! #     Ok(())
//! # }
//! ```
//!
//! ```no_run
//! # // guide: examples/weathr.rs
//! # use mqtt_testkit::seed::deliveries;
//! # use mqtt_tokio::{Client, Options, QoS, Tokio};
//! #
//! # /// The guide's tables (shared by every adapter's example and tests): the ten
//! # /// updates `(topic, payload)` (publisher A sends the first five, publisher B
//! # /// the last five), the eight subscribers' filters (one connection each), and
//! # /// how many deliveries they get in total.
//! # pub use mqtt_testkit::seed::{
//! #     WEATHR_DELIVERIES as EXPECTED, WEATHR_FILTERS as FILTERS, WEATHR_UPDATES as UPDATES,
//! # };
//! #
//! # /// Runs the example against `url` with every topic and filter under
//! # /// `prefix`. Returns every delivery as `(filter, topic, payload)` (filter and
//! # /// topic without the prefix), in arrival order.
//! # pub async fn run(
//! #     url: &str,
//! #     prefix: &str,
//! # ) -> Result<Vec<(String, String, String)>, Box<dyn std::error::Error>> {
//! #     let (tx, rx) = async_channel::unbounded();
//! #     let mut subscribers = Vec::new();
//! #     for filter in FILTERS {
//! #         let client = Client::connect(url, Options::new()).await?;
//! #         let tx = tx.clone();
//! #         let prefix = prefix.to_owned();
//! #         client
//! #             .subscribe([(format!("{prefix}{filter}"), QoS::AtMostOnce)], move |m| {
//! #                 let topic = m.topic().strip_prefix(prefix.as_str()).unwrap_or(m.topic());
//! #                 let payload = String::from_utf8_lossy(m.payload()).into_owned();
//! #                 println!("[{filter}] received {payload} on {topic}");
//! #                 let _ = tx.try_send((filter.to_owned(), topic.to_owned(), payload));
//! #             })
//! #             .await?;
//! #         subscribers.push(client);
//! #     }
//! #     let a = Client::connect(url, Options::new()).await?;
//! #     let b = Client::connect(url, Options::new()).await?;
//! #     for (i, (topic, payload)) in UPDATES.iter().enumerate() {
//! #         let publisher = if i < 5 { &a } else { &b };
//! #         publisher
//! #             .publish(format!("{prefix}{topic}"), *payload)
//! #             .await?
//! #             .await?;
//! #     }
//! #     // The 18 deliveries (each within 10 s), then any extra one within 300 ms.
//! #     let got = deliveries::<Tokio, _>(&rx, EXPECTED).await?;
//! #     println!("[main] {} deliveries", got.len());
//! #     a.disconnect().await?;
//! #     b.disconnect().await?;
//! #     for c in subscribers {
//! #         c.disconnect().await?;
//! #     }
//! #     Ok(got)
//! # }
//! #
//! #[allow(dead_code)] // The tests include this file for `run`.
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let url = mqtt_testkit::example_broker()?;
//!     run(&url, "").await?;
//!     Ok(())
//! }
//! ```
//!
//! Each subscriber here has its own connection, so each gets its own copy of a
//! message. When one client holds several overlapping subscriptions (say
//! `europe/#` and `europe/italy/rome`), brokers differ in how many copies they
//! send it; `mqtt-std`'s and `mqtt-smol`'s crate docs ("Routing") say how the
//! client hands those copies to handlers, which is the same here.
//!
//! # On smol
//!
//! `mqtt-smol`'s `Client` is the same type as this crate's
//! (`mqtt_adapter::aio::Client`) on another runtime: every method, option and
//! behaviour above holds for it. Its examples differ from these in the runtime
//! glue only: they import `mqtt_smol::{Client, Options, QoS, Smol}`, pass
//! `Smol` to `deliveries`, and start with a plain `fn main` that runs the
//! program with `smol::block_on`; `Client::connect` spawns the two tasks on
//! smol's global executor. `mqtt_smol::guide` shows those lines, compiled.
//!
//! # Where next
//!
//! The [crate documentation](crate) describes the tasks, acknowledgements
//! (automatic after the handlers return, or manual), bounded memory, and
//! [`Client::connect_with`](crate::Client::connect_with) for your own spawner.
//! The repository's `mqtt-tokio/examples` also hold `pub` and `sub`, small
//! tools with the flags of `mosquitto_pub` and `mosquitto_sub`.
