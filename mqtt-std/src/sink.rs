//! The bounded queue behind [`Messages`](crate::Messages).
//!
//! The dispatcher blocks on a full queue (that is the backpressure), but never
//! past the end of the client: once the client shuts down the bound is lifted,
//! so `disconnect` cannot hang on an iterator nobody reads, and every message
//! already received still reaches the iterator.

use crate::Message;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[derive(Default)]
struct State {
    items: VecDeque<Message>,
    /// The client shut down: no more pushes; readers end after draining.
    closed: bool,
    /// The client is shutting down: pushes no longer wait for room.
    unbounded: bool,
    /// The iterator was dropped: pushes are discarded (nobody can read them).
    reader_gone: bool,
}

/// One iterator's queue, shared by the dispatcher (pushes) and the iterator (pops).
pub(crate) struct Sink {
    state: Mutex<State>,
    changed: Condvar,
    bound: usize,
}

impl Sink {
    pub(crate) fn new(bound: usize) -> Arc<Sink> {
        Arc::new(Sink {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            bound: bound.max(1),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code that can panic runs under this lock.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends `m`, waiting while the queue is full. `false` when the reader is gone.
    pub(crate) fn push(&self, m: Message) -> bool {
        let mut s = self.lock();
        while s.items.len() >= self.bound && !s.unbounded && !s.reader_gone {
            s = self.changed.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        if s.reader_gone {
            return false;
        }
        // Its automatic acknowledgement now waits for the reader too.
        mqtt_adapter::dispatch::hold_for_stream(&m);
        s.items.push_back(m);
        self.changed.notify_all();
        true
    }

    /// Lifts the bound (the client is shutting down).
    pub(crate) fn unbound(&self) {
        self.lock().unbounded = true;
        self.changed.notify_all();
    }

    /// No more messages will come.
    pub(crate) fn close(&self) {
        let mut s = self.lock();
        s.closed = true;
        s.unbounded = true;
        self.changed.notify_all();
    }

    /// The reading side is gone.
    pub(crate) fn drop_reader(&self) {
        let unread: Vec<Message> = {
            let mut s = self.lock();
            s.reader_gone = true;
            self.changed.notify_all();
            s.items.drain(..).collect()
        };
        // Discarded by the application: acknowledged, so they do not hold the
        // broker's in-flight window until the next connection.
        for m in &unread {
            mqtt_adapter::dispatch::taken_from_stream(m);
        }
    }

    /// The next message; waits until one arrives, the deadline passes, or the
    /// client is closed.
    pub(crate) fn pop(&self, deadline: Option<Instant>) -> Option<Message> {
        let m = self.pop_locked(deadline);
        if let Some(m) = &m {
            // Outside the queue's lock: this may acknowledge through the client.
            mqtt_adapter::dispatch::taken_from_stream(m);
        }
        m
    }

    fn pop_locked(&self, deadline: Option<Instant>) -> Option<Message> {
        let mut s = self.lock();
        loop {
            if let Some(m) = s.items.pop_front() {
                self.changed.notify_all();
                return Some(m);
            }
            if s.closed {
                return None;
            }
            s = match deadline {
                None => self.changed.wait(s).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left == Duration::ZERO {
                        return None;
                    }
                    self.changed
                        .wait_timeout(s, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }
}

/// The dispatcher's hook: it feeds and closes the queue through this.
impl mqtt_adapter::dispatch::Sink for Sink {
    fn push(&self, m: Message) -> bool {
        Sink::push(self, m)
    }
    fn close(&self) {
        Sink::close(self)
    }
    fn unbound(&self) {
        Sink::unbound(self)
    }
}
