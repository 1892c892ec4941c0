//! What the client hands out: publish handles and message iterators, each a
//! blocking view of its `mqtt-smol` counterpart.

use crate::{Error, Message, PublishAck, SubAck};
use futures_lite::future::{self, block_on};
use futures_lite::StreamExt;
use mqtt_smol::PublishId;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, OnceLock, TryLockError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

type PubResult = Result<PublishAck, Error>;

/// A publish accepted by the client. [`wait`](PublishHandle::wait) blocks
/// until the broker acknowledged it (PUBACK for QoS 1, PUBCOMP for QoS 2;
/// QoS 0 completes when written to the connection).
///
/// Dropping the handle does not cancel the publish. Several threads may wait
/// on one handle (it is `Sync`); each gets the same result.
#[must_use = "a publish handle reports whether the broker got the message: wait for it or drop it explicitly"]
pub struct PublishHandle {
    id: PublishId,
    /// The result, once any caller saw it: read without a lock.
    result: OnceLock<PubResult>,
    /// The async handle. Locked only while it is polled (never while a
    /// caller sleeps), so `try_result` finds it free but for a moment.
    handle: Mutex<mqtt_smol::PublishHandle>,
    /// Wakers of the threads waiting on this handle. The async handle keeps
    /// only the last waker it was polled with, so whoever sees the result
    /// wakes the others.
    waiters: Mutex<Vec<Waker>>,
}

impl std::fmt::Debug for PublishHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishHandle")
            .field("id", &self.id)
            .field("result", &self.result.get())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // No user code runs under these locks; a poisoned one still holds valid data.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl PublishHandle {
    pub(crate) fn new(handle: mqtt_smol::PublishHandle) -> PublishHandle {
        PublishHandle {
            id: handle.id(),
            result: OnceLock::new(),
            handle: Mutex::new(handle),
            waiters: Mutex::new(Vec::new()),
        }
    }

    /// The id of this publish (also given to [`Options::on_delivery_complete`](crate::Options::on_delivery_complete)).
    pub fn id(&self) -> PublishId {
        self.id
    }

    /// Blocks until the broker acknowledged the message. An MQTT 5 error
    /// reason code is [`Error::Rejected`]. When the connection is lost with no
    /// reconnect scheduled, returns [`Error::Connection`]: the message stays in
    /// the session and is sent again if the client reconnects; this handle
    /// keeps that error (as mqtt-smol's handle does), so the outcome of the
    /// resent publish is reported by [`Options::on_delivery_complete`](crate::Options::on_delivery_complete).
    pub fn wait(&self) -> Result<PublishAck, Error> {
        self.wait_deadline(None)
    }

    /// Like [`wait`](PublishHandle::wait), giving up with [`Error::Timeout`] after `timeout`.
    pub fn wait_timeout(&self, timeout: Duration) -> Result<PublishAck, Error> {
        self.wait_deadline(Instant::now().checked_add(timeout))
    }

    /// The result if already known, without blocking: it never waits for a
    /// lock (not the client's, nor this handle's while another thread polls
    /// it; the result is then reported by that thread's call).
    pub fn try_result(&self) -> Option<Result<PublishAck, Error>> {
        if let Some(r) = self.result.get() {
            return Some(r.clone());
        }
        let mut h = match self.handle.try_lock() {
            Ok(h) => h,
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        let r = h.try_result()?;
        drop(h);
        Some(self.completed(r))
    }

    /// Records the result (the first one wins; they are the same) and wakes
    /// every other waiter.
    fn completed(&self, r: PubResult) -> PubResult {
        let r = self.result.get_or_init(|| r).clone();
        for w in std::mem::take(&mut *lock(&self.waiters)) {
            w.wake();
        }
        r
    }

    fn poll_result(&self, cx: &mut Context<'_>) -> Poll<PubResult> {
        if let Some(r) = self.result.get() {
            return Poll::Ready(r.clone());
        }
        let mut h = lock(&self.handle);
        match Pin::new(&mut *h).poll(cx) {
            Poll::Ready(r) => {
                drop(h);
                Poll::Ready(self.completed(r))
            }
            Poll::Pending => {
                drop(h);
                let mut w = lock(&self.waiters);
                if !w.iter().any(|o| o.will_wake(cx.waker())) {
                    w.push(cx.waker().clone());
                }
                drop(w);
                // Completed by another caller between our poll and registering.
                match self.result.get() {
                    Some(r) => Poll::Ready(r.clone()),
                    None => Poll::Pending,
                }
            }
        }
    }

    fn wait_deadline(&self, deadline: Option<Instant>) -> Result<PublishAck, Error> {
        if let Some(r) = self.result.get() {
            return r.clone();
        }
        let answer = future::poll_fn(|cx| self.poll_result(cx));
        let r = match deadline {
            None => block_on(answer),
            Some(d) => block_on(future::or(answer, async {
                async_io::Timer::at(d).await;
                Err(Error::Timeout)
            })),
        };
        if matches!(r, Err(Error::Timeout)) && self.result.get().is_none() {
            // This thread's waker may be the one the async handle kept: let
            // the other waiters poll again, so one of them registers instead.
            let mine = std::mem::take(&mut *lock(&self.waiters));
            for w in mine {
                w.wake();
            }
        }
        r
    }
}

/// `next_timeout` of an iterator over `stream`.
fn next_until<S: futures_core::Stream<Item = Message> + Unpin>(
    stream: &mut S,
    timeout: Duration,
) -> Option<Message> {
    let deadline = Instant::now().checked_add(timeout);
    block_on(future::or(stream.next(), async {
        match deadline {
            Some(d) => {
                async_io::Timer::at(d).await;
            }
            None => future::pending::<()>().await,
        }
        None
    }))
}

/// Every message the client receives, as a blocking iterator (see
/// [`Client::messages`](crate::Client::messages)). Ends when the client is disconnected.
///
/// Messages waiting unread (in the handlers' queue and in every iterator) are
/// bounded together by [`Options::incoming_buffer`](crate::Options::incoming_buffer):
/// when that many wait, the client stops reading from the socket (nothing is
/// dropped), except while a thread waits for an acknowledgement (see the crate
/// docs). Drop it when done: an unread iterator holds back incoming traffic.
#[derive(Debug)]
pub struct Messages(pub(crate) mqtt_smol::Messages);

impl Iterator for Messages {
    type Item = Message;
    /// The next message; `None` once the client is disconnected and every
    /// message received before that was taken.
    fn next(&mut self) -> Option<Message> {
        block_on(self.0.next())
    }
}

impl Messages {
    /// The next message, waiting at most `timeout`; `None` on timeout or when
    /// the client is closed.
    pub fn next_timeout(&mut self, timeout: Duration) -> Option<Message> {
        next_until(&mut self.0, timeout)
    }

    /// The next message if one is buffered, without blocking.
    pub fn try_next(&mut self) -> Option<Message> {
        self.0.try_next()
    }
}

/// The messages of one subscription, as a blocking iterator (see
/// [`Client::subscribe_stream`](crate::Client::subscribe_stream)), with the broker's [`SubAck`].
///
/// Bounded like [`Messages`]. Dropping it removes its handler: later messages
/// of its filters go to [`Options::on_unhandled`](crate::Options::on_unhandled).
/// It does not unsubscribe. The iterator ends when the client is disconnected.
#[derive(Debug)]
pub struct Subscription(pub(crate) mqtt_smol::Subscription);

impl Subscription {
    /// The broker's answer to the SUBSCRIBE.
    pub fn ack(&self) -> &SubAck {
        self.0.ack()
    }

    /// The next message, waiting at most `timeout`; `None` on timeout or when
    /// the client is closed.
    pub fn next_timeout(&mut self, timeout: Duration) -> Option<Message> {
        next_until(&mut self.0, timeout)
    }

    /// The next message if one is buffered, without blocking.
    pub fn try_next(&mut self) -> Option<Message> {
        self.0.try_next()
    }
}

impl Iterator for Subscription {
    type Item = Message;
    fn next(&mut self) -> Option<Message> {
        block_on(self.0.next())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Client, Options, QoS};
    use std::time::{Duration, Instant};

    /// `try_result` returns at once even while the handle is being polled by
    /// another thread (it used to wait for the client's lock, which the driver
    /// holds while it works; with many clients on few cores a descheduled
    /// driver held it for over a second, and `try_result` waited). mqtt-smol's
    /// `try_result` takes no client lock; this handle's only lock is the one
    /// around its async handle, held here for 2 s.
    #[test]
    fn try_result_does_not_wait_for_a_lock() {
        let broker = mqtt_testkit::EmbeddedBroker::shared().expect("the embedded broker");
        let client = Client::connect(&broker.mqtt311_url(), Options::new()).unwrap();
        let done = client
            .publish_with(crate::Publish::new("try-result", "x").qos(QoS::AtMostOnce))
            .unwrap();
        done.wait_timeout(Duration::from_secs(10)).unwrap();
        let pending = client
            .publish_with(crate::Publish::new("try-result", "y").qos(QoS::AtLeastOnce))
            .unwrap();
        std::thread::scope(|s| {
            let (locked_tx, locked_rx) = std::sync::mpsc::channel();
            let (pending_ref, done_ref) = (&pending, &done);
            s.spawn(move || {
                let _a = pending_ref.handle.lock().unwrap();
                let _b = done_ref.handle.lock().unwrap();
                locked_tx.send(()).unwrap();
                std::thread::sleep(Duration::from_secs(2));
            });
            locked_rx.recv().unwrap();
            let started = Instant::now();
            assert!(done.try_result().is_some_and(|r| r.is_ok()));
            let _ = pending.try_result();
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "try_result waited {:?} for a lock",
                started.elapsed()
            );
        });
        client.disconnect_timeout(Duration::from_secs(5)).unwrap();
    }
}
