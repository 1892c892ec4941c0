//! A sans-IO MQTT client core for MQTT 3.1, 3.1.1 and 5.0.
//!
//! `mqtt-sansio` never touches a socket, a clock, a thread or a random number
//! generator. The library never calls `Instant::now()`. It consumes received
//! bytes, the current time and user commands; it produces bytes to send,
//! events for the application, the next deadline and requests to open or
//! close the transport. Adapters (`mqtt-std`, `mqtt-smol`, or one you write
//! for tokio or an embedded runtime) only move bytes and sleep.
//!
//! The crate is `#![no_std]` with `alloc`; the default `std` feature adds only
//! `std::error::Error` impls and [`Instant`] for
//! `std::time::Instant`. Nothing uses a hash map with random state.
//!
//! Modules:
//! - [`client`]: the state machine ([`Client`]): connection, keep alive, QoS
//!   0/1/2 both ways, sessions, flow control, reconnect, MQTT 5.
//! - [`codec`]: the wire format (frame split, decode, encode) for every packet.
//! - [`topic`]: topic-name and topic-filter rules and matching.
//! - [`time`]: the clock abstraction the core is generic over.
//!
//! # The run loop
//!
//! One [`Client`] per connection-to-be. An adapter runs this loop:
//!
//! 1. Create the client with a [`Config`] (fill [`Config::seed`] from the
//!    platform's randomness) and call [`Client::connect`] — or any command:
//!    [`publish`](Client::publish), [`subscribe`](Client::subscribe),
//!    [`unsubscribe`](Client::unsubscribe), [`ack`](Client::ack),
//!    [`disconnect`](Client::disconnect). Commands answer at once with a
//!    typed `Result`; an `Err` is the caller's mistake and changed nothing.
//! 2. Drain the outputs, in this order, until each is empty:
//!    - [`poll_transmit`](Client::poll_transmit): write every byte to the
//!      transport, in order;
//!    - [`poll_transport`](Client::poll_transport): on
//!      [`Open { server }`](client::TransportCommand::Open) open a transport
//!      to that entry of your server list; on
//!      [`Close`](client::TransportCommand::Close) flush and close it;
//!    - [`poll_event`](Client::poll_event): hand each [`Event`] to the
//!      application (route messages with
//!      [`subscriptions().matching(..)`](client::Subscriptions::matching)).
//! 3. Ask [`poll_timeout`](Client::poll_timeout) for the next deadline.
//! 4. Wait for whichever comes first: bytes from the transport, the transport
//!    opening, closing or failing, the deadline, or an application command.
//! 5. Feed it in with the current time: [`handle_data`](Client::handle_data),
//!    [`handle_connected`](Client::handle_connected),
//!    [`handle_closed`](Client::handle_closed),
//!    [`handle_timeout`](Client::handle_timeout), or the command itself.
//! 6. Go to step 2.
//!
//! **The one invariant: drain every output after every input.** Any input
//! (a command included) may produce bytes, events, a new deadline or a
//! transport request; an adapter that skips a drain sends late, sleeps past a
//! keep-alive deadline or loses track of the connection. Spurious wake-ups
//! are harmless: `handle_timeout` before a deadline does nothing.
//!
//! Two more rules: the core treats a transport as gone as soon as it asks
//! for `Close` (do not report `handle_closed` for it), and `now` must never go
//! backwards.
//!
//! # How to write an adapter for another runtime
//!
//! The adapters in this workspace are thin: `mqtt-std` runs the loop above on
//! a thread over `std::net::TcpStream` with read timeouts as the sleep;
//! `mqtt-smol` runs it as a task over `async-io` with a `Timer` as the sleep.
//! A tokio, embassy or RTIC adapter is the same loop with that runtime's
//! socket and timer. No protocol decision belongs in an adapter: if two
//! adapters need the same logic, it belongs in the core.
//!
//! The worked example is the smallest adapter there is: `no_std`, a
//! hand-written millisecond clock, and an in-memory byte pipe standing in for
//! a UART or a TCP socket. (The crate's `tests/no_std_client.rs` runs the
//! same loop in a `#![no_std]` test crate through subscribe, a QoS 1 publish
//! and keep alive.)
//!
//! ```
//! use core::time::Duration;
//! use bytes::BytesMut;
//! use mqtt_sansio::client::{Client, Config, Event, OutgoingPublish, TransportCommand};
//! use mqtt_sansio::time::Instant;
//! use mqtt_sansio::QoS;
//!
//! /// Milliseconds since boot: the only clock an MCU may have.
//! #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
//! struct Millis(u64);
//! impl Instant for Millis {
//!     fn checked_add(self, d: Duration) -> Option<Self> {
//!         self.0.checked_add(u64::try_from(d.as_millis()).ok()?).map(Millis)
//!     }
//!     fn saturating_duration_since(self, earlier: Self) -> Duration {
//!         Duration::from_millis(self.0.saturating_sub(earlier.0))
//!     }
//! }
//!
//! /// Step 2 of the run loop: drain every output. `wire` is the byte pipe
//! /// to the broker; opening the "transport" succeeds at once.
//! fn drain(c: &mut Client<Millis>, now: Millis, wire: &mut BytesMut, events: &mut Vec<Event>) {
//!     loop {
//!         let mut busy = c.poll_transmit(wire) > 0;
//!         while let Some(cmd) = c.poll_transport() {
//!             busy = true;
//!             match cmd {
//!                 TransportCommand::Open { server: _ } => c.handle_connected(now),
//!                 TransportCommand::Close { .. } => {} // close the UART / socket here
//!                 _ => {}
//!             }
//!         }
//!         while let Some(e) = c.poll_event() {
//!             busy = true;
//!             events.push(e);
//!         }
//!         if !busy {
//!             return;
//!         }
//!     }
//! }
//!
//! let config = Config::default().client_id("mcu-7").keep_alive(Duration::from_secs(30));
//! let mut client = Client::<Millis>::new(config).unwrap();
//! let (mut wire, mut events) = (BytesMut::new(), Vec::new());
//! let mut now = Millis(5);
//!
//! client.connect(now);                                   // 1. a command
//! drain(&mut client, now, &mut wire, &mut events);        // 2. outputs: Open, CONNECT
//! assert_eq!(wire[0] >> 4, 1);                           //    CONNECT went out
//! wire.clear();
//! client.handle_data(now, &[0x20, 0x02, 0x00, 0x00]);    // 5. CONNACK arrives
//! drain(&mut client, now, &mut wire, &mut events);
//! assert!(matches!(events[0], Event::Connected { .. }));
//!
//! let id = client.publish(now, OutgoingPublish::new("t", &b"21.5"[..], QoS::AtLeastOnce)).unwrap();
//! drain(&mut client, now, &mut wire, &mut events);
//! assert_eq!(wire[0], 0x32);                             // PUBLISH, QoS 1
//! wire.clear();
//! client.handle_data(now, &[0x40, 0x02, 0x00, 0x01]);    // PUBACK for packet id 1
//! drain(&mut client, now, &mut wire, &mut events);
//! assert!(matches!(events[1], Event::PublishComplete { id: i, .. } if i == id));
//!
//! now = client.poll_timeout().unwrap();                  // 3-4. sleep until the deadline
//! assert_eq!(now, Millis(30_005));
//! client.handle_timeout(now);                            // 5. time passed
//! drain(&mut client, now, &mut wire, &mut events);
//! assert_eq!(&wire[..], &[0xC0, 0x00]);                  // PINGREQ
//! ```
//!
//! # Design notes
//!
//! - **Errors by fault.** A command's `Err` is the caller's misuse
//!   ([`client::PublishError`], [`client::SubscribeError`]...). A broker
//!   that breaks the protocol ends the connection with
//!   [`client::ConnectionError::Protocol`] naming the
//!   [`client::ProtocolViolation`] (and, in MQTT 5, a DISCONNECT with the
//!   matching reason code). Nothing the network sends can panic the core or
//!   make it buffer more than the configured maximum packet size.
//! - **Nothing is dropped silently.** Every accepted publish ends with
//!   exactly one `PublishComplete` or `PublishFailed`; a full window and queue
//!   make `publish` return `QueueFull` instead.
//! - **Zero-copy, allocation-free hot path.** Inbound messages are slices of
//!   the receive buffer; a QoS 0 publish and an inbound QoS 0 message
//!   allocate nothing in steady state (`tests/client_alloc.rs` counts).
//! - **Deterministic.** Time comes in as `now`, randomness from the seed, so
//!   every scenario test replays exactly with a virtual clock.
#![no_std]
#![warn(missing_docs)]
#![deny(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod client;
pub mod codec;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod time;
pub mod topic;

pub use client::{Client, Config, Event};
pub use codec::{Packet, ProtocolVersion, QoS};
pub use time::Instant;
