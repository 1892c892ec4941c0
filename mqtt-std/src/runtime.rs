//! The process-wide executor that runs every client's connection tasks.
//!
//! One thread, started by the first [`Client::connect`](crate::Client::connect)
//! and kept for the life of the process, runs `async_io::block_on` over an
//! [`async_executor::Executor`]: it polls the connections' tasks (the driver
//! and the dispatcher of each client) and, while they are idle, waits in
//! async-io's reactor itself, so socket readiness and timers wake it without
//! a hand-off.

use async_executor::Executor;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

/// A connection's task, as `mqtt_smol::Client::connect_with` hands it over.
pub(crate) type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

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
        .name("mqtt-std".into())
        .spawn(move || async_io::block_on(ex.run(futures_lite::future::pending::<()>())))?;
    *slot = Some(ex);
    Ok(ex)
}

/// Spawns a connection's task on `ex`, detached: the task ends by itself once
/// its client is disconnected or every handle is dropped.
pub(crate) fn spawn(ex: &'static Executor<'static>, task: Task) {
    ex.spawn(task).detach();
}
