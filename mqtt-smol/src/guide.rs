//! Getting started on smol: what differs from the tokio guide.
//!
//! `mqtt-smol` and `mqtt-tokio` are one client, written once
//! (`mqtt_adapter::aio::Client`) and run on two runtimes, so the walk through
//! MQTT, brokers, hello world, Blabbr and Weathr is the tokio crate's
//! [guide](https://docs.rs/mqtt-tokio/0.1/mqtt_tokio/guide/index.html) (in a
//! checkout: `mqtt-tokio/src/guide.rs`); every call, option and behaviour it
//! describes is this crate's too. The examples of the two crates
//! (`mqtt-smol/examples/` and `mqtt-tokio/examples/`) differ only in the
//! runtime glue shown below. For blocking code, `mqtt-std` (a blocking facade
//! over this crate) has its own guide.
//!
//! Every code block below is a part of `mqtt-smol/examples/hello_world.rs`; a
//! test (`mqtt-smol/tests/guide.rs`) fails when the example and this page
//! disagree.
//!
//! # Adding the dependency
//!
//! ```toml
//! [dependencies]
//! mqtt-smol = "0.1"
//! smol = "2"
//! # The channel the examples pass messages through:
//! async-channel = "2"
//! ```
//!
//! The features are those of `mqtt-tokio` (and `mqtt-std`): `tls`,
//! `websocket` and `native-roots` on by default, `webpki-roots` to add
//! Mozilla's roots; `default-features = false` leaves plain TCP.
//!
//! # The differences
//!
//! The runtime type is [`Smol`](crate::Smol) instead of `Tokio`; the examples
//! need it only to tell the test kit's `deliveries` helper whose timer to use:
//!
//! ```no_run
//! # // guide: examples/hello_world.rs
//! use mqtt_smol::{Client, Options, QoS, Smol};
//! use mqtt_testkit::seed::deliveries;
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
//! // ...
//!     let received = deliveries::<Smol, _>(&rx, 1).await?;
//! #     // The disconnect comes from here, not from the handler.
//! #     client.disconnect().await?;
//! #     println!("[main] disconnected");
//! #     Ok(received)
//! # }
//! #
//! # #[allow(dead_code)] // The tests include this file for `run`.
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let url = mqtt_testkit::example_broker()?;
//! #     smol::block_on(run(&url, ""))?;
//! #     Ok(())
//! # }
//! ```
//!
//! `main` is a plain function that runs the program with `smol::block_on`
//! instead of an `async fn main` under `#[tokio::main]`.
//! [`Client::connect`](crate::Client::connect) spawns the client's two tasks
//! on smol's global executor, which runs on a thread smol starts for it (one
//! by default, `SMOL_THREADS` to change), so `block_on` alone can await the
//! client's futures;
//! [`Client::connect_with`](crate::Client::connect_with) spawns them on an
//! executor of yours instead. Handlers run on mqtt-smol's own pool of
//! blocking threads rather than on tokio's.
//!
//! ```no_run
//! # // guide: examples/hello_world.rs
//! # use mqtt_smol::{Client, Options, QoS, Smol};
//! # use mqtt_testkit::seed::deliveries;
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
//! #     let received = deliveries::<Smol, _>(&rx, 1).await?;
//! #     // The disconnect comes from here, not from the handler.
//! #     client.disconnect().await?;
//! #     println!("[main] disconnected");
//! #     Ok(received)
//! # }
//! #
//! #[allow(dead_code)] // The tests include this file for `run`.
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let url = mqtt_testkit::example_broker()?;
//!     smol::block_on(run(&url, ""))?;
//!     Ok(())
//! }
//! ```
//!
//! `blabbr.rs` and `weathr.rs` differ from their tokio versions in the same
//! places: the imports, the type given to `deliveries`, and `main` (and the
//! crate named in their `cargo run` line). A test
//! (`examples_differ_from_tokio_only_in_runtime_glue`) checks that nothing
//! else differs.
