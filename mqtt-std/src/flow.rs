//! Backpressure between the socket reader, the driver and the dispatcher.
//!
//! Memory for incoming data is bounded by pausing the reader thread, never by
//! dropping anything: the reader hands the driver one chunk at a time, and
//! reads the next one only when the driver has consumed it and the dispatcher
//! queue is below its bound. TCP flow control then pushes back on the broker.
//!
//! One exception keeps publishing free of deadlocks: while any thread is
//! blocked waiting for the broker (`PublishHandle::wait`, `subscribe`, a
//! `publish` waiting for room in a full queue), the answer it waits for may sit
//! behind messages nobody is reading yet (an unread `Messages` iterator, a
//! handler that itself waits for the broker). The reader then goes on past the
//! bound, up to a hard cap of [`HARD_CAP_FACTOR`] times it: memory stays
//! bounded, and acknowledgements keep flowing in every realistic case.

use std::sync::{Condvar, Mutex, MutexGuard};

/// Chunks a reader may hand over before the driver consumed them: enough to
/// keep the reader busy while the driver works, few enough to bound memory
/// (each is at most `io::READ_CHUNK` bytes).
pub(crate) const MAX_CHUNKS_PENDING: usize = 4;

/// The hard cap on queued items, as a multiple of the bound, while a thread
/// waits for the broker.
pub(crate) const HARD_CAP_FACTOR: usize = 16;

#[derive(Debug, Default)]
struct State {
    /// Items queued for the dispatcher thread and not yet taken.
    queued: usize,
    /// Chunks the reader of connection `generation` handed over and the
    /// driver has not consumed yet.
    chunks_pending: usize,
    /// The connection whose reader may read; readers of older ones stop.
    generation: u64,
    /// How many threads are blocked on the broker right now.
    bypass: usize,
    /// The client is shutting down: readers stop.
    shutdown: bool,
}

/// Shared flow-control state; one per client.
#[derive(Debug)]
pub(crate) struct Flow {
    state: Mutex<State>,
    changed: Condvar,
    /// Dispatcher queue length above which the reader pauses.
    bound: usize,
}

/// What a reader should do next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ReaderTurn {
    /// Read one more chunk.
    Read,
    /// The connection is obsolete or the client shut down: exit.
    Stop,
}

impl Flow {
    pub(crate) fn new(bound: usize) -> Flow {
        Flow {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            bound: bound.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock would be a bug in this module (no
        // user code runs under it); recover the data rather than cascade.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new connection starts; readers of previous ones stop at their next turn.
    pub(crate) fn new_generation(&self) -> u64 {
        let mut s = self.lock();
        s.generation += 1;
        s.chunks_pending = 0;
        self.changed.notify_all();
        s.generation
    }

    /// Called by the reader of `generation` before each read: blocks until it
    /// may read (no chunk pending, dispatcher below its bound) or must stop.
    pub(crate) fn reader_turn(&self, generation: u64) -> ReaderTurn {
        let mut s = self.lock();
        loop {
            match decide(&s, self.bound, generation) {
                Some(ReaderTurn::Read) => {
                    s.chunks_pending += 1;
                    return ReaderTurn::Read;
                }
                Some(ReaderTurn::Stop) => return ReaderTurn::Stop,
                None => s = self.changed.wait(s).unwrap_or_else(|e| e.into_inner()),
            }
        }
    }

    /// The reader read nothing it hands over (end of stream, error): its turn ends.
    pub(crate) fn reader_gave_up(&self, generation: u64) {
        self.chunk_consumed(generation);
    }

    /// The driver consumed the chunk of `generation`.
    pub(crate) fn chunk_consumed(&self, generation: u64) {
        let mut s = self.lock();
        if s.generation == generation {
            s.chunks_pending = s.chunks_pending.saturating_sub(1);
            self.changed.notify_all();
        }
    }

    /// The driver queued `n` items for the dispatcher.
    pub(crate) fn queued(&self, n: usize) {
        if n > 0 {
            self.lock().queued += n;
        }
    }

    /// The dispatcher finished `n` items.
    pub(crate) fn dequeued(&self, n: usize) {
        let mut s = self.lock();
        let was = s.queued;
        s.queued = s.queued.saturating_sub(n);
        if was >= self.bound && s.queued < self.bound || s.queued == 0 || s.bypass > 0 {
            self.changed.notify_all();
        }
    }

    /// A thread starts (`true`) or stops (`false`) waiting on the broker.
    pub(crate) fn set_bypass(&self, on: bool) {
        let mut s = self.lock();
        if on {
            s.bypass += 1;
        } else {
            s.bypass = s.bypass.saturating_sub(1);
        }
        self.changed.notify_all();
    }

    /// The client is gone: every reader stops.
    pub(crate) fn shutdown(&self) {
        let mut s = self.lock();
        s.shutdown = true;
        self.changed.notify_all();
    }

    #[cfg(test)]
    fn decision(&self, generation: u64) -> Option<ReaderTurn> {
        decide(&self.lock(), self.bound, generation)
    }
}

/// The reader's next turn, or `None` when it must wait.
fn decide(s: &State, bound: usize, generation: u64) -> Option<ReaderTurn> {
    if s.shutdown || s.generation != generation {
        Some(ReaderTurn::Stop)
    } else if s.chunks_pending < MAX_CHUNKS_PENDING
        && (s.queued < bound || (s.bypass > 0 && s.queued < bound.saturating_mul(HARD_CAP_FACTOR)))
    {
        Some(ReaderTurn::Read)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn reader_waits_while_the_driver_has_not_consumed_its_chunks() {
        let flow = Flow::new(4);
        let g = flow.new_generation();
        for _ in 0..MAX_CHUNKS_PENDING {
            assert_eq!(flow.reader_turn(g), ReaderTurn::Read);
        }
        assert_eq!(flow.decision(g), None);
        flow.chunk_consumed(g);
        assert_eq!(flow.decision(g), Some(ReaderTurn::Read));
    }

    #[test]
    fn reader_pauses_while_the_dispatcher_queue_is_full() {
        let flow = Flow::new(2);
        let g = flow.new_generation();
        flow.queued(2);
        assert_eq!(flow.decision(g), None);
        flow.dequeued(1);
        assert_eq!(flow.decision(g), Some(ReaderTurn::Read));
    }

    #[test]
    fn a_paused_reader_wakes_when_the_dispatcher_takes_an_item() {
        let f = Arc::new(Flow::new(1));
        let g = f.new_generation();
        f.queued(1);
        let f2 = f.clone();
        let t = std::thread::spawn(move || f2.reader_turn(g));
        f.dequeued(1);
        assert_eq!(t.join().unwrap(), ReaderTurn::Read);
    }

    #[test]
    fn bypass_lets_the_reader_past_a_full_queue() {
        let f = Flow::new(1);
        let g = f.new_generation();
        f.queued(5);
        assert_eq!(f.decision(g), None);
        f.set_bypass(true);
        assert_eq!(f.decision(g), Some(ReaderTurn::Read));
        f.set_bypass(false);
        assert_eq!(f.decision(g), None);
    }

    #[test]
    fn bypass_stops_at_the_hard_cap() {
        let f = Flow::new(2);
        let g = f.new_generation();
        f.set_bypass(true);
        f.queued(2 * HARD_CAP_FACTOR - 1);
        assert_eq!(f.decision(g), Some(ReaderTurn::Read));
        f.queued(1);
        assert_eq!(f.decision(g), None);
    }

    #[test]
    fn readers_of_an_old_connection_stop() {
        let f = Flow::new(1);
        let g = f.new_generation();
        let _ = f.new_generation();
        assert_eq!(f.reader_turn(g), ReaderTurn::Stop);
    }

    #[test]
    fn shutdown_stops_a_waiting_reader() {
        let f = Arc::new(Flow::new(1));
        let g = f.new_generation();
        f.queued(1);
        let f2 = f.clone();
        let t = std::thread::spawn(move || f2.reader_turn(g));
        f.shutdown();
        assert_eq!(t.join().unwrap(), ReaderTurn::Stop);
    }
}
