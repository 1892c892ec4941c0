//! Publishes handed over while the client's lock is busy, so that
//! [`try_publish`](super::Client::try_publish) never waits for a lock.
//!
//! The client's lock guards the core; the driver holds it for one turn
//! (decoding what it read, draining the core's output), and a turn can be
//! long when the scheduler parks the driver's thread in the middle of it.
//! A publish that finds the lock taken does not wait: it gets its id here,
//! goes into a lock-free queue and wakes the driver. Whoever takes the lock
//! next (the driver's next turn, or any other call on the client) moves the
//! queue into the core first, in order, so a thread's publishes keep their
//! order whichever path each one took.
//!
//! The core still decides: a publish it refuses here completes its handle
//! with the error the call would have returned (`QueueFull` excepted: that
//! one waits in [`State::held`](super::client::State) for room, as the call
//! would have). It rarely comes to that: the hand-over takes no more than
//! the room the core's queue had when the lock was last released, so
//! `max_queued` holds on this path too (within one publish per thread
//! racing that release).

use super::client::PubResult;
use super::slot::Slot;
use concurrent_queue::ConcurrentQueue;
use mqtt_sansio::client::{OutgoingPublish, PublishId};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// How many publishes may wait for the core at once, beyond its own
/// `max_queued`; more fail with `QueueFull` until the lock is taken.
pub(crate) const CAPACITY: usize = 64;

/// A publish accepted while the lock was busy, not yet in the core.
pub(crate) struct Submitted {
    pub(crate) id: PublishId,
    pub(crate) publish: OutgoingPublish,
    pub(crate) slot: Arc<Slot<PubResult>>,
    pub(crate) accepted_at: Instant,
}

/// The hand-over queue and the client's publish ids.
pub(crate) struct Inbox {
    queue: ConcurrentQueue<Submitted>,
    /// Publishes handed over and not yet in the core: those in `queue` plus
    /// those held back for room (`State::held`). Bounded by [`CAPACITY`].
    waiting: AtomicUsize,
    /// Room left in the core's publish queue as the last holder of the
    /// client's lock left it, less what was handed over since: a publish
    /// handed over takes one, and none is handed over at 0.
    room: AtomicUsize,
    /// The next publish id: every publish gets one here, lock or not, and
    /// the core takes it as given (`publish_as`).
    next_id: AtomicU64,
}

impl Inbox {
    /// Ids start at `first`, the core's next free id.
    /// `room` is the core's `max_queued` (its queue is empty).
    pub(crate) fn new(first: PublishId, room: usize) -> Inbox {
        Inbox {
            queue: ConcurrentQueue::unbounded(),
            waiting: AtomicUsize::new(0),
            room: AtomicUsize::new(room),
            next_id: AtomicU64::new(first.0),
        }
    }

    /// A fresh id, unique among this client's publishes.
    pub(crate) fn next_id(&self) -> PublishId {
        PublishId(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// The id the next publish gets.
    pub(crate) fn peek_id(&self) -> PublishId {
        PublishId(self.next_id.load(Ordering::Relaxed))
    }

    /// Whether anything waits to enter the core (cheap: one atomic load).
    pub(crate) fn is_empty(&self) -> bool {
        self.waiting.load(Ordering::Acquire) == 0
    }

    /// Records the room in the core's queue as a holder of the client's
    /// lock leaves it (0 while publishes are held back for room).
    /// Publishes handed over and not yet taken take their share of it.
    ///
    /// A publish handed over while this runs may be counted twice over, so
    /// racing threads can hand over one more each than the room: the core
    /// then refuses it, and it waits in `State::held` as `publish` would.
    pub(crate) fn set_room(&self, room: usize) {
        self.room
            .store(room.saturating_sub(self.queue.len()), Ordering::Release);
    }

    /// Hands `s` over, or gives it back when the core's queue had no room
    /// left or [`CAPACITY`] are waiting.
    pub(crate) fn push(&self, s: Submitted) -> Result<(), Submitted> {
        if self
            .room
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |r| r.checked_sub(1))
            .is_err()
        {
            return Err(s);
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= CAPACITY {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(s);
        }
        // Unbounded: only a closed queue refuses, and it is never closed.
        self.queue.push(s).map_err(|e| {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            e.into_inner()
        })
    }

    /// The oldest publish handed over (under the client's lock).
    pub(crate) fn pop(&self) -> Option<Submitted> {
        self.queue.pop().ok()
    }

    /// One publish left the hand-over: it is in the core, or completed.
    pub(crate) fn entered(&self) {
        self.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}
