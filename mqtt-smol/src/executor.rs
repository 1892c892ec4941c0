//! The process-wide executor that [`Client::connect`](crate::Client::connect)
//! runs every client's connection tasks on (mqtt-std's clients too).
//!
//! One thread, named `mqtt`, started by the first `connect` and kept for the
//! life of the process, runs `async_io::block_on` over an
//! [`async_executor::Executor`]: it polls the connections' tasks (the driver
//! and the dispatcher of each client) and, while they are idle, waits in
//! async-io's reactor itself, so socket readiness and timers wake it without
//! a hand-off. `Client::connect_with` runs the tasks on the caller's
//! executor instead, and never starts this thread.

use async_executor::Executor;
use mqtt_adapter::aio::Task;
use std::sync::Mutex;

/// Set once its thread runs; never unset (the thread lives as long as the process).
static EXECUTOR: Mutex<Option<&'static Executor<'static>>> = Mutex::new(None);

/// The process-wide executor, starting its thread on first use. Fails only
/// when the system refuses that one thread.
pub(crate) fn executor() -> std::io::Result<&'static Executor<'static>> {
    // Nothing panics under this lock; a poisoned one still holds a valid value.
    let mut slot = EXECUTOR.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(ex) = *slot {
        return Ok(ex);
    }
    // Leaked on purpose: it lives as long as the process, like its thread.
    let ex: &'static Executor<'static> = Box::leak(Box::new(Executor::new()));
    std::thread::Builder::new()
        .name("mqtt".into())
        .spawn(move || async_io::block_on(ex.run(futures_lite::future::pending::<()>())))?;
    *slot = Some(ex);
    Ok(ex)
}

/// Spawns a connection's task on the process-wide executor, detached: the
/// task ends by itself once its client is disconnected or every handle is
/// dropped. `Client::connect` started the executor (`Runtime::start`) before
/// spawning, so it exists here and the error branch is not taken.
pub(crate) fn spawn(task: Task) {
    match executor() {
        Ok(ex) => ex.spawn(task).detach(),
        Err(e) => log::error!(target: "mqtt", "the MQTT executor thread could not be started: {e}"),
    }
}
