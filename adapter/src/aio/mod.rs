//! The async client, written once for every async runtime.
//!
//! [`Client`] is generic over a [`Runtime`]: the few things that differ
//! between runtimes (a TCP socket, a timer, spawning a task, running
//! blocking code). Each runtime crate implements [`Runtime`] in one short
//! file and names the client with a type alias:
//!
//! - `mqtt_smol::Client` = `Client<mqtt_smol::Smol>` (async-io, smol or any
//!   executor that can run async-io futures);
//! - `mqtt_tokio::Client` = `Client<mqtt_tokio::Tokio>` (tokio's reactor and
//!   timer, inside a tokio runtime).
//!
//! A connection is two tasks spawned on the runtime's executor (or on yours,
//! with [`Client::connect_with`]), and no thread of its own:
//! - the **driver** owns the socket of the current connection, feeds the
//!   protocol core with bytes, time and transport events, drains every
//!   output (bytes to write, transport requests, events) and sleeps until
//!   the core's next deadline; it makes no protocol decision;
//! - the **dispatcher** hands messages to handlers and callbacks, in order,
//!   one batch at a time on the runtime's blocking pool ([`Runtime::unblock`]),
//!   so a handler may block, even on this client's futures.
//!
//! The futures returned by [`Client`] wait only on their own channels and
//! on the runtime's timer.

mod client;
mod driver;
mod flow;
mod inbox;
mod logs;
mod queue;
mod runtime;
mod slot;

pub use client::{Client, Messages, PublishHandle, Subscription, DEFAULT_DISCONNECT_TIMEOUT};
pub use runtime::{sleep, sleep_until, Runtime, Socket, Task, Timer};
