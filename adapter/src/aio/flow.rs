//! Backpressure between the driver (which reads the socket) and the
//! dispatcher (which runs handlers and feeds message streams).
//!
//! Incoming memory is bounded by not reading the socket, never by dropping a
//! message: the driver reads only while fewer than `bound` items wait for the
//! dispatcher, and TCP flow control then pushes back on the broker.
//!
//! One exception keeps a consumer that waits for the broker from deadlocking
//! itself: while some task awaits an answer from the broker (a
//! [`PublishHandle`](super::PublishHandle), a subscribe or unsubscribe), that
//! answer may sit in the socket behind messages nobody has consumed yet, so
//! the bound is lifted, up to a hard cap of `bound * BYPASS_FACTOR` items.

use event_listener::{Event, EventListener};
use std::sync::atomic::{AtomicUsize, Ordering};

/// How far past the soft bound the queue may grow while an answer is awaited.
pub(crate) const BYPASS_FACTOR: usize = 16;

/// Flow-control counters shared by the driver, the dispatcher and waiters.
#[derive(Debug)]
pub(crate) struct Flow {
    /// Items queued for the dispatcher and not yet taken.
    queued: AtomicUsize,
    /// Tasks currently awaiting an answer from the broker.
    awaiting: AtomicUsize,
    bound: usize,
    hard: usize,
    /// Notified whenever reading may have become allowed.
    changed: Event,
}

impl Flow {
    pub(crate) fn new(bound: usize) -> Flow {
        let bound = bound.max(1);
        Flow {
            queued: AtomicUsize::new(0),
            awaiting: AtomicUsize::new(0),
            bound,
            hard: bound.saturating_mul(BYPASS_FACTOR),
            changed: Event::new(),
        }
    }

    /// Whether the driver may read more from the socket now.
    pub(crate) fn may_read(&self) -> bool {
        let q = self.queued.load(Ordering::Acquire);
        q < self.bound || (self.awaiting.load(Ordering::Acquire) > 0 && q < self.hard)
    }

    /// A listener notified when [`may_read`](Self::may_read) may have changed.
    /// Check `may_read` again after creating it, before waiting on it.
    pub(crate) fn listen(&self) -> EventListener {
        self.changed.listen()
    }

    /// The driver queued one item for the dispatcher.
    pub(crate) fn queued(&self) {
        self.queued.fetch_add(1, Ordering::AcqRel);
    }

    /// The dispatcher took one item.
    /// The dispatcher took `n` items.
    pub(crate) fn dequeued(&self, n: usize) {
        let before = self.queued.fetch_sub(n, Ordering::AcqRel);
        let after = before.saturating_sub(n);
        // Wake the driver when the count crossed a bound it may wait on.
        if (after < self.bound && before >= self.bound)
            || (after < self.hard && before >= self.hard)
        {
            self.changed.notify(usize::MAX);
        }
    }

    fn start_awaiting(&self) {
        if self.awaiting.fetch_add(1, Ordering::AcqRel) == 0 {
            self.changed.notify(usize::MAX);
        }
    }

    fn stop_awaiting(&self) {
        self.awaiting.fetch_sub(1, Ordering::AcqRel);
    }

    #[cfg(test)]
    fn queued_now(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }
}

/// Marks one task as awaiting the broker while alive (see the module docs).
#[derive(Debug)]
pub(crate) struct Awaiting(std::sync::Arc<Flow>);

impl Awaiting {
    pub(crate) fn new(flow: &std::sync::Arc<Flow>) -> Awaiting {
        flow.start_awaiting();
        Awaiting(flow.clone())
    }
}

impl Drop for Awaiting {
    fn drop(&mut self) {
        self.0.stop_awaiting();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn reading_pauses_at_the_bound_and_resumes_below_it() {
        let f = Flow::new(2);
        assert!(f.may_read());
        f.queued();
        f.queued();
        assert!(!f.may_read());
        f.dequeued(1);
        assert!(f.may_read());
        assert_eq!(f.queued_now(), 1);
    }

    #[test]
    fn an_awaited_answer_lifts_the_bound_up_to_the_hard_cap() {
        let f = Arc::new(Flow::new(1));
        f.queued();
        assert!(!f.may_read());
        let guard = Awaiting::new(&f);
        assert!(f.may_read());
        for _ in 1..BYPASS_FACTOR {
            f.queued();
        }
        assert!(!f.may_read(), "the hard cap holds even while awaiting");
        drop(guard);
        f.dequeued(1);
        assert!(!f.may_read(), "back to the soft bound once nobody awaits");
    }

    #[test]
    fn a_listener_is_woken_when_the_queue_drops_below_the_bound() {
        let f = Flow::new(1);
        f.queued();
        let l = f.listen();
        f.dequeued(1);
        // The notification was sent before we wait: the listener completes at once.
        futures_lite::future::block_on(l);
        assert!(f.may_read());
    }
}
