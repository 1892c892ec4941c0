//! [`Client`]: the blocking handle, usable from any thread and from handlers.
//!
//! Every call is the `mqtt-smol` client's, blocked on: the calling thread
//! parks in `futures_lite::future::block_on` and the waker of the future it
//! waits on unparks it directly.

use crate::handles::{Messages, PublishHandle, Subscription};
use crate::runtime;
use crate::{
    Bytes, ConnectInfo, DisconnectOptions, Error, Message, Options, Properties, Publish, QoS,
    SubAck, SubscribeFilter, Topic,
};
use futures_lite::future::block_on;
use std::time::{Duration, Instant};

pub use mqtt_smol::DEFAULT_DISCONNECT_TIMEOUT;

/// A connection to an MQTT broker, with blocking calls.
///
/// `Client` is a cheap handle (`Clone`); every clone drives the same
/// connection and may be used from any thread, including from inside message
/// handlers and callbacks. Dropping the last clone disconnects in the
/// background without waiting for in-flight publishes (a clone captured by a
/// handler keeps the client alive); call [`disconnect`](Client::disconnect)
/// to let them finish and for the handlers to return.
///
/// ```no_run
/// use mqtt_std::{Client, Options, QoS};
///
/// let client = Client::connect("mqtt://127.0.0.1:1883", Options::new())?;
/// client.subscribe([("hello", QoS::AtMostOnce)], |m| {
///     println!("{}: {:?}", m.topic(), m.payload_str());
/// })?;
/// client.publish("hello", "Hello, world")?.wait()?;
/// client.disconnect()?;
/// # Ok::<(), mqtt_std::Error>(())
/// ```
///
/// # Dropping the client
/// Dropping the last handle (or returning from `main`) does **not** wait:
/// the client sends DISCONNECT in the background and the process may exit
/// first. Publishes accepted and not yet acknowledged are then lost unless a
/// persistent session resends them, and if DISCONNECT did not reach the
/// broker it publishes the will. Measured: 50 QoS 1 publishes followed by
/// returning from `main` delivered 22, 20 and 0 in three runs. The drop is
/// logged (the `log` facade, target `mqtt`: a warning naming the client and
/// its unacknowledged publishes, `debug` when there are none). Call
/// [`disconnect`](Client::disconnect) before exiting: it waits for in-flight
/// publishes (bounded) and reports in its result what it could not finish.
///
/// # Threads
/// A client starts no thread: its connection is two tasks (driver and
/// dispatcher, from `mqtt-smol`) on the one executor thread the process
/// shares, and handlers run on the process's `blocking` pool. See the crate
/// docs' "Threads" section.
#[derive(Clone)]
pub struct Client {
    inner: mqtt_smol::Client,
    /// The connect timeout, bounding how long `reconnect` waits for CONNACK.
    connect_timeout: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl Client {
    /// Connects to `url` (`mqtt://host:port`, also `tcp://`; `mqtts://`,
    /// `ws://`, `wss://` with the transport layer) and returns after a
    /// successful CONNACK.
    ///
    /// Fails with [`Error::Connection`] when the broker refuses, the connect
    /// timeout passes, or the socket cannot be opened — after trying each
    /// fail-over server ([`Options::server`]) once, or, with a
    /// [reconnect policy](Options::reconnect), when
    /// [`Options::initial_connect_timeout`] passes.
    pub fn connect(url: &str, options: Options) -> Result<Client, Error> {
        let ex = runtime::executor().map_err(|e| Error::Io(std::sync::Arc::new(e)))?;
        let connect_timeout = options.config().connect_timeout;
        let inner = block_on(mqtt_smol::Client::connect_with(url, options, move |task| {
            runtime::spawn(ex, task)
        }))?;
        Ok(Client {
            inner,
            connect_timeout,
        })
    }

    /// Publishes `payload` to `topic` with QoS 1, not retained (Machine Head's
    /// defaults). Blocks only while the publish queue is full; returns a
    /// handle to wait for the broker's acknowledgement.
    ///
    /// ```no_run
    /// # let client = mqtt_std::Client::connect("mqtt://127.0.0.1:1883", Default::default())?;
    /// let ack = client.publish("sensors/temp", "21.5")?.wait()?;
    /// # Ok::<(), mqtt_std::Error>(())
    /// ```
    pub fn publish(
        &self,
        topic: impl Into<Topic>,
        payload: impl Into<Bytes>,
    ) -> Result<PublishHandle, Error> {
        self.publish_with(Publish::new(topic, payload))
    }

    /// Like [`publish`](Client::publish), but fails at once with
    /// [`Error::QueueFull`] instead of waiting for room.
    pub fn try_publish(
        &self,
        topic: impl Into<Topic>,
        payload: impl Into<Bytes>,
    ) -> Result<PublishHandle, Error> {
        self.try_publish_with(Publish::new(topic, payload))
    }

    /// Publishes a [`Publish`] (QoS, retain, MQTT 5 properties), waiting while
    /// the queue is full.
    ///
    /// ```no_run
    /// # let client = mqtt_std::Client::connect("mqtt://127.0.0.1:1883", Default::default())?;
    /// use mqtt_std::{Publish, QoS};
    /// client.publish_with(Publish::new("status", "up").qos(QoS::ExactlyOnce).retain(true))?.wait()?;
    /// # Ok::<(), mqtt_std::Error>(())
    /// ```
    pub fn publish_with(&self, publish: Publish) -> Result<PublishHandle, Error> {
        block_on(self.inner.publish_with(publish)).map(PublishHandle::new)
    }

    /// Like [`publish_with`](Client::publish_with), failing at once with
    /// [`Error::QueueFull`] when the queue is full.
    ///
    /// Never waits, not even for the client's lock: while the client's
    /// driver is busy with it, the publish is handed over (at most 64 at a
    /// time, and no more than the room the queue had) and the core checks
    /// it later, so an error it finds (an invalid topic, say) resolves the
    /// handle instead of failing this call.
    pub fn try_publish_with(&self, publish: Publish) -> Result<PublishHandle, Error> {
        self.inner.try_publish_with(publish).map(PublishHandle::new)
    }

    /// Subscribes to `filters` (each with its maximum QoS) and routes matching
    /// messages to `handler`; blocks until SUBACK and returns its codes.
    ///
    /// The routing rule (the same in `mqtt-smol`; see the crate docs'
    /// "Routing" section): `handler` is attached to these `filters`;
    /// subscribing a filter again replaces that filter's handler. Each
    /// delivered copy of a message is given to every distinct handler whose
    /// filters match it, once per handler even if several of its filters
    /// match; with MQTT 5 Subscription Identifiers the core narrows the
    /// match to the subscriptions the broker named. A copy that matches no
    /// handler goes to [`Options::on_unhandled`]. Brokers may send one copy
    /// per matching subscription (rumqttd with MQTT 3.1.1; MQTT 5 brokers per
    /// the spec), so with overlapping subscriptions a handler can see several
    /// copies of one publish; Mosquitto and RabbitMQ send one per client.
    ///
    /// Filters the broker refused get no handler (a handler they replaced is
    /// put back). Handlers run one message at a time, in arrival order, off
    /// the executor (see the crate docs' "Threads" section).
    ///
    /// ```no_run
    /// # let client = mqtt_std::Client::connect("mqtt://127.0.0.1:1883", Default::default())?;
    /// use mqtt_std::QoS;
    /// let ack = client.subscribe([("weather/#", QoS::AtLeastOnce)], |m| {
    ///     println!("{} {:?}", m.topic(), m.payload_str());
    /// })?;
    /// assert_eq!(ack.granted()[0], Some(QoS::AtLeastOnce));
    /// # Ok::<(), mqtt_std::Error>(())
    /// ```
    pub fn subscribe<I, T>(
        &self,
        filters: I,
        handler: impl FnMut(&Message) + Send + 'static,
    ) -> Result<SubAck, Error>
    where
        I: IntoIterator<Item = (T, QoS)>,
        T: Into<Topic>,
    {
        block_on(self.inner.subscribe(filters, handler))
    }

    /// Subscribes with full MQTT 5 subscription options (no local, retain as
    /// published, retain handling) and SUBSCRIBE properties (subscription
    /// identifier, user properties). See [`subscribe`](Client::subscribe).
    pub fn subscribe_with(
        &self,
        filters: Vec<SubscribeFilter>,
        properties: Properties,
        handler: impl FnMut(&Message) + Send + 'static,
    ) -> Result<SubAck, Error> {
        block_on(self.inner.subscribe_with(filters, properties, handler))
    }

    /// Subscribes to `filters` and returns their messages as a blocking
    /// iterator ([`Subscription`], which also holds the SUBACK) instead of
    /// calling a handler.
    ///
    /// ```no_run
    /// # let client = mqtt_std::Client::connect("mqtt://127.0.0.1:1883", Default::default())?;
    /// use mqtt_std::QoS;
    /// let temps = client.subscribe_stream([("sensors/+/temp", QoS::AtLeastOnce)])?;
    /// for m in temps.take(10) {
    ///     println!("{}: {:?}", m.topic(), m.payload_str());
    /// }
    /// # Ok::<(), mqtt_std::Error>(())
    /// ```
    pub fn subscribe_stream<I, T>(&self, filters: I) -> Result<Subscription, Error>
    where
        I: IntoIterator<Item = (T, QoS)>,
        T: Into<Topic>,
    {
        block_on(self.inner.subscribe_stream(filters)).map(Subscription)
    }

    /// [`subscribe_stream`](Client::subscribe_stream) with full subscription
    /// options and SUBSCRIBE properties.
    pub fn subscribe_stream_with(
        &self,
        filters: Vec<SubscribeFilter>,
        properties: Properties,
    ) -> Result<Subscription, Error> {
        block_on(self.inner.subscribe_stream_with(filters, properties)).map(Subscription)
    }

    /// Unsubscribes from `filters` and removes their handlers (at once: no
    /// handler of these filters runs after this call starts); blocks until
    /// UNSUBACK.
    pub fn unsubscribe<I, T>(&self, filters: I) -> Result<SubAck, Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<Topic>,
    {
        block_on(self.inner.unsubscribe(filters))
    }

    /// [`unsubscribe`](Client::unsubscribe) with MQTT 5 UNSUBSCRIBE properties.
    pub fn unsubscribe_with<I, T>(
        &self,
        filters: I,
        properties: Properties,
    ) -> Result<SubAck, Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<Topic>,
    {
        block_on(self.inner.unsubscribe_with(filters, properties))
    }

    /// Every message this client receives from now on (whether or not a
    /// handler also got it), as a blocking iterator. See [`Messages`] for its
    /// bound.
    ///
    /// ```no_run
    /// # let client = mqtt_std::Client::connect("mqtt://127.0.0.1:1883", Default::default())?;
    /// let messages = client.messages();
    /// client.subscribe([("hello", mqtt_std::QoS::AtMostOnce)], |_| {})?;
    /// client.publish("hello", "Hello, world")?;
    /// for m in messages.take(1) {
    ///     assert_eq!(m.payload_str(), Some("Hello, world"));
    /// }
    /// # Ok::<(), mqtt_std::Error>(())
    /// ```
    pub fn messages(&self) -> Messages {
        Messages(self.inner.messages())
    }

    /// Acknowledges a message received with [`Options::manual_acks`] on. A
    /// message that needs no ack (QoS 0, or automatic acks) is ignored.
    pub fn ack(&self, message: &Message) -> Result<(), Error> {
        self.inner.ack(message)
    }

    /// The id the next publish will get ([`PublishHandle::id`]). Ids count up
    /// from 1; with [`Options::persistence`] they continue across restarts,
    /// so a program killed at any moment can tell how many messages it handed
    /// over before: each one whose `publish` returned is in the store (or
    /// already delivered), and none after it is.
    pub fn next_publish_id(&self) -> crate::PublishId {
        self.inner.next_publish_id()
    }

    /// Saves the session (in-flight and queued publishes, inbound QoS 2 state,
    /// subscriptions) as bytes, for [`Options::restore_session`] in a later
    /// process. Take it after [`disconnect`](Client::disconnect) (with in-flight
    /// messages left, for example after a timeout) or at any time.
    pub fn snapshot(&self) -> Result<Vec<u8>, Error> {
        self.inner.snapshot()
    }

    /// The client identifier in use: configured, generated, or assigned by
    /// the broker (MQTT 5).
    pub fn client_id(&self) -> String {
        self.inner.client_id()
    }

    /// The facts of the current connection's CONNACK (session present, the
    /// server, the protocol version, and in MQTT 5 the broker's properties:
    /// assigned client id, server keep alive, Receive Maximum, Maximum
    /// Packet Size, ...); `None` while not connected.
    pub fn connection(&self) -> Option<ConnectInfo> {
        self.inner.connection()
    }

    /// Whether the client is connected right now.
    pub fn is_connected(&self) -> bool {
        self.inner.is_connected()
    }

    /// Publishes accepted and not yet acknowledged or failed (in flight and queued).
    pub fn pending_deliveries(&self) -> usize {
        self.inner.pending_deliveries()
    }

    /// Starts an MQTT 5 re-authentication (AUTH with reason Re-authenticate)
    /// with the [`Authenticator`](crate::Authenticator) set in the options
    /// (`Options::configure(|c| c.authenticator = ...)`); the exchange then
    /// runs in the background. Returns once the AUTH is queued. Its success
    /// is reported to [`Options::on_reauthenticated`](crate::Options::on_reauthenticated)
    /// with the broker's final AUTH properties. A broker or
    /// authenticator that refuses it ends the connection, reported like any
    /// other loss with [`ConnectionError::Auth`](crate::ConnectionError::Auth).
    ///
    /// Refused at once with [`Error::Reauth`] without an authenticator or
    /// MQTT 5, while not connected, or while an exchange is running.
    pub fn reauthenticate(&self) -> Result<(), Error> {
        self.inner.reauthenticate()
    }

    /// Connects again after the connection was lost with no automatic
    /// reconnect (Machine Head's manual recovery). Subscriptions and handlers
    /// are kept; with a persistent session the broker resends what is pending.
    /// Returns after CONNACK, or [`Error::Timeout`] when none came within
    /// the connect timeout (and a bit).
    pub fn reconnect(&self) -> Result<(), Error> {
        if self.inner.is_connected() {
            return Ok(());
        }
        self.inner.reconnect()?;
        // mqtt-smol's `reconnect` returns once the attempt is queued, and its
        // public API has no future for "connected, or the attempt failed": so
        // this waits for `is_connected`, checking at growing intervals, up to
        // the connect timeout. (A rare, manual call; see the crate docs.)
        let deadline = Instant::now()
            .checked_add(self.connect_timeout + Duration::from_secs(1))
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        let mut pause = Duration::from_millis(1);
        while !self.inner.is_connected() {
            if Instant::now() >= deadline {
                return Err(Error::Timeout);
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Disconnects gracefully: lets in-flight publishes finish (at most
    /// [`DEFAULT_DISCONNECT_TIMEOUT`]), sends DISCONNECT, closes the
    /// connection and waits for the broker to close its side (at most 5 s:
    /// the broker is then done with the session, so a new connection with
    /// the same client id cannot race the old one) and for the handler and
    /// callback calls already queued to return (all of them have returned
    /// when this returns, unless called from a handler or callback).
    pub fn disconnect(&self) -> Result<(), Error> {
        self.disconnect_timeout(DEFAULT_DISCONNECT_TIMEOUT)
    }

    /// Like [`disconnect`](Client::disconnect), waiting at most `timeout` for
    /// in-flight publishes. Publishes still pending then fail with
    /// [`Error::Closed`] (their handles report it).
    pub fn disconnect_timeout(&self, timeout: Duration) -> Result<(), Error> {
        self.disconnect_with(timeout, DisconnectOptions::default())
    }

    /// Disconnects with MQTT 5 DISCONNECT options (reason code, session
    /// expiry, user properties); use reason
    /// [`ReasonCode::DisconnectWithWillMessage`](crate::ReasonCode::DisconnectWithWillMessage)
    /// to have the broker publish the will.
    pub fn disconnect_with(
        &self,
        timeout: Duration,
        options: DisconnectOptions,
    ) -> Result<(), Error> {
        let r = block_on(self.inner.disconnect_with(timeout, options));
        // Refused DISCONNECT options leave the client open: nothing to wait for.
        if !matches!(r, Err(Error::Disconnect(_))) {
            self.handlers_returned();
        }
        r
    }

    /// Closes the connection at once, without DISCONNECT (the broker then
    /// publishes the will), and stops the client like
    /// [`disconnect`](Client::disconnect) without waiting for in-flight
    /// publishes: their handles report [`Error::Closed`]; QoS 1 and 2
    /// messages stay in the session if it persists.
    pub fn abort(&self) {
        block_on(self.inner.abort());
        self.handlers_returned();
    }

    /// After the driver exited: waits until the dispatcher has run every
    /// queued handler and callback and ended. It closes the message streams
    /// when it ends, and a stream opened after that ends at once, so a stream
    /// opened now (its few remaining messages taken) tells.
    ///
    /// Not on a thread of the `blocking` pool, where handlers and callbacks
    /// run: the caller may be the dispatcher's own handler, which the
    /// dispatcher waits for.
    fn handlers_returned(&self) {
        let on_pool = std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("blocking"));
        if on_pool {
            return;
        }
        let mut rest = self.inner.messages();
        block_on(async { while futures_lite::StreamExt::next(&mut rest).await.is_some() {} });
    }
}

#[cfg(test)]
mod tests {
    use crate::{Client, Options, Publish, QoS};
    use std::time::{Duration, Instant};

    /// `try_publish` returns at once while the client's lock is held (as by
    /// a driver turn the scheduler parked); the publish goes out when the
    /// lock is free. The async suite checks the bound and the order.
    #[test]
    fn try_publish_does_not_wait_for_the_client_lock() {
        let broker = mqtt_testkit::EmbeddedBroker::shared().expect("the embedded broker");
        let client = Client::connect(&broker.mqtt311_url(), Options::new()).unwrap();
        std::thread::scope(|s| {
            let (locked_tx, locked_rx) = std::sync::mpsc::channel();
            let inner = &client.inner;
            s.spawn(move || {
                inner.hold_lock_for_tests(Duration::from_secs(2), || {
                    let _ = locked_tx.send(());
                })
            });
            locked_rx.recv().unwrap();
            let started = Instant::now();
            let handle = client
                .try_publish_with(Publish::new("try-lock/std", "x").qos(QoS::AtLeastOnce))
                .unwrap();
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "try_publish waited {:?} for the client's lock",
                started.elapsed()
            );
            handle.wait_timeout(Duration::from_secs(10)).unwrap();
        });
        client.disconnect_timeout(Duration::from_secs(5)).unwrap();
    }
}
