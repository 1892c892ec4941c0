//! What the client hands out: publish handles and message iterators.

use crate::client::{Inner, PubSlot};
use crate::sink::Sink;
use crate::{Error, Message, PublishAck, SubAck};
use mqtt_adapter::dispatch::{Dispatch, Handler};
use mqtt_sansio::client::PublishId;
use mqtt_sansio::codec::ByteStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A publish accepted by the client. [`wait`](PublishHandle::wait) blocks
/// until the broker acknowledged it (PUBACK for QoS 1, PUBCOMP for QoS 2;
/// QoS 0 completes when written to the connection).
///
/// Dropping the handle does not cancel the publish.
#[must_use = "a publish handle reports whether the broker got the message: wait for it or drop it explicitly"]
pub struct PublishHandle {
    pub(crate) inner: Arc<Inner>,
    pub(crate) id: PublishId,
    pub(crate) slot: Arc<PubSlot>,
}

impl std::fmt::Debug for PublishHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishHandle")
            .field("id", &self.id)
            .finish()
    }
}

impl PublishHandle {
    /// The id of this publish (also given to [`Options::on_delivery_complete`](crate::Options::on_delivery_complete)).
    pub fn id(&self) -> PublishId {
        self.id
    }

    /// Blocks until the broker acknowledged the message. An MQTT 5 error
    /// reason code is [`Error::Rejected`]. When the connection is lost with no
    /// reconnect scheduled, returns [`Error::Connection`]: the message stays in
    /// the session and is sent again if the client reconnects.
    pub fn wait(&self) -> Result<PublishAck, Error> {
        self.wait_deadline(None)
    }

    /// Like [`wait`](PublishHandle::wait), giving up with [`Error::Timeout`] after `timeout`.
    pub fn wait_timeout(&self, timeout: Duration) -> Result<PublishAck, Error> {
        self.wait_deadline(Instant::now().checked_add(timeout))
    }

    /// The result if already known, without blocking: it never waits for
    /// the client's lock (only for the handle's own result slot, which the
    /// driver holds just long enough to fill it).
    pub fn try_result(&self) -> Option<Result<PublishAck, Error>> {
        self.slot.get()
    }

    fn wait_deadline(&self, deadline: Option<Instant>) -> Result<PublishAck, Error> {
        let mut g = self.inner.lock();
        loop {
            // Set under the client's lock before waiters are notified.
            if let Some(r) = self.slot.get() {
                return r;
            }
            if let Some(e) = g.link.terminal() {
                return Err(e);
            }
            let (ng, timed_out) = self.inner.wait_until(g, deadline);
            g = ng;
            if timed_out {
                return Err(Error::Timeout);
            }
        }
    }
}

/// Every message the client receives, as a blocking iterator (see
/// [`Client::messages`](crate::Client::messages)). Ends when the client is disconnected.
///
/// The iterator buffers at most [`Options::incoming_buffer`](crate::Options::incoming_buffer) messages; when it
/// is full and not read, the client stops reading from the socket (nothing is
/// dropped) except while a thread waits for an acknowledgement (see the crate
/// docs). Drop it when done: an unread iterator holds back incoming traffic.
pub struct Messages {
    pub(crate) sink: Arc<Sink>,
}

impl std::fmt::Debug for Messages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messages").finish_non_exhaustive()
    }
}

impl Iterator for Messages {
    type Item = Message;
    /// The next message; `None` once the client is disconnected and every
    /// message received before that was taken.
    fn next(&mut self) -> Option<Message> {
        self.sink.pop(None)
    }
}

impl Messages {
    /// The next message, waiting at most `timeout`; `None` on timeout or when
    /// the client is closed.
    pub fn next_timeout(&mut self, timeout: Duration) -> Option<Message> {
        self.sink.pop(Some(
            Instant::now()
                .checked_add(timeout)
                .unwrap_or_else(Instant::now),
        ))
    }

    /// The next message if one is buffered, without blocking.
    pub fn try_next(&mut self) -> Option<Message> {
        self.sink.pop(Some(Instant::now()))
    }
}

impl Drop for Messages {
    fn drop(&mut self) {
        self.sink.drop_reader();
    }
}

/// The messages of one subscription, as a blocking iterator (see
/// [`Client::subscribe_stream`](crate::Client::subscribe_stream)), with the broker's [`SubAck`].
///
/// Bounded like [`Messages`]. Dropping it removes its handler: later messages
/// of its filters go to [`Options::on_unhandled`](crate::Options::on_unhandled).
/// It does not unsubscribe. The iterator ends when the client is disconnected.
pub struct Subscription {
    pub(crate) ack: SubAck,
    pub(crate) sink: Arc<Sink>,
    pub(crate) filters: Vec<ByteStr>,
    pub(crate) handler: Handler,
    pub(crate) dispatch: Arc<Dispatch>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("ack", &self.ack)
            .field("filters", &self.filters)
            .finish_non_exhaustive()
    }
}

impl Subscription {
    /// The broker's answer to the SUBSCRIBE.
    pub fn ack(&self) -> &SubAck {
        &self.ack
    }

    /// The next message, waiting at most `timeout`; `None` on timeout or when
    /// the client is closed.
    pub fn next_timeout(&mut self, timeout: Duration) -> Option<Message> {
        self.sink.pop(Some(
            Instant::now()
                .checked_add(timeout)
                .unwrap_or_else(Instant::now),
        ))
    }

    /// The next message if one is buffered, without blocking.
    pub fn try_next(&mut self) -> Option<Message> {
        self.sink.pop(Some(Instant::now()))
    }
}

impl Iterator for Subscription {
    type Item = Message;
    fn next(&mut self) -> Option<Message> {
        self.sink.pop(None)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut reg = self.dispatch.registry();
        for f in &self.filters {
            reg.remove_if(f, &self.handler);
        }
        drop(reg);
        self.sink.drop_reader();
    }
}

#[cfg(test)]
mod tests {
    use crate::{Client, Options, QoS};
    use std::time::{Duration, Instant};

    /// `try_result` returns at once even while the client's lock is held
    /// (the driver holds it while it works; with many clients on few cores a
    /// descheduled driver held it for over a second, and `try_result` waited).
    #[test]
    fn try_result_does_not_wait_for_the_client_lock() {
        let broker = mqtt_testkit::EmbeddedBroker::shared().expect("the embedded broker");
        let client = Client::connect(&broker.mqtt311_url(), Options::new()).unwrap();
        let done = client
            .publish_with(crate::Publish::new("try-result", "x").qos(QoS::AtMostOnce))
            .unwrap();
        done.wait_timeout(Duration::from_secs(10)).unwrap();
        let pending = client
            .publish_with(crate::Publish::new("try-result", "y").qos(QoS::AtLeastOnce))
            .unwrap();
        let inner = client.inner().clone();
        let (locked_tx, locked_rx) = std::sync::mpsc::channel();
        let holder = std::thread::spawn(move || {
            let _g = inner.lock();
            locked_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_secs(2));
        });
        locked_rx.recv().unwrap();
        let started = Instant::now();
        assert!(done.try_result().is_some_and(|r| r.is_ok()));
        let _ = pending.try_result();
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "try_result waited {:?} for the client's lock",
            started.elapsed()
        );
        holder.join().unwrap();
        client.disconnect_timeout(Duration::from_secs(5)).unwrap();
    }
}
