//! [`Client`]: the blocking handle, usable from any thread and from handlers.

use crate::bypass::Bypass;
use crate::driver::{self, Input};
use crate::flow::Flow;
use crate::handles::{Messages, PublishHandle, Subscription};
use crate::sink::Sink;
use crate::{ConnectInfo, Error, Message, Options, Publish, PublishAck, SubAck, Topic};
use bytes::Bytes;
use mqtt_adapter::dispatch::{Dispatch, Handler};
use mqtt_adapter::FirstConnect;
use mqtt_sansio::client::{Client as Core, DisconnectOptions, PublishError, PublishId, RequestId};
use mqtt_sansio::codec::{ByteStr, Properties, ReasonCode, SubscribeFilter};
use mqtt_sansio::QoS;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long [`Client::disconnect`] lets in-flight publishes finish (Paho's
/// default quiesce time).
pub const DEFAULT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) use mqtt_adapter::Link;

/// The result of one publish, as the driver records it for a live handle.
pub(crate) type PubResult = Result<PublishAck, Error>;

/// Where the driver puts a publish's result for its handle: a lock of its
/// own, so that `PublishHandle::try_result` never waits for the client's
/// lock (which the driver holds while it works).
#[derive(Default)]
pub(crate) struct PubSlot(Mutex<Option<PubResult>>);

impl PubSlot {
    pub(crate) fn get(&self) -> Option<PubResult> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    pub(crate) fn set(&self, r: PubResult) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
    }
}

/// The result of a SUBSCRIBE / UNSUBSCRIBE.
#[derive(Debug, Clone)]
pub(crate) struct ReqResult {
    pub(crate) codes: Vec<ReasonCode>,
    pub(crate) properties: Properties,
}

/// Everything behind the client's one lock: the core and what waiters wait for.
pub(crate) struct State {
    pub(crate) core: Core<Instant>,
    pub(crate) link: Link,
    /// Whether a CONNACK was ever accepted.
    pub(crate) ever_connected: bool,
    /// Connection attempts that failed before the first success.
    pub(crate) failed_attempts: usize,
    /// Publishes not yet completed, each with the result slot its handle
    /// shares; removed when the result is set.
    pub(crate) publishes: HashMap<PublishId, Arc<PubSlot>>,
    /// Subscribe / unsubscribe requests being waited for.
    pub(crate) requests: HashMap<RequestId, Option<ReqResult>>,
    /// `disconnect` was already given to the core.
    pub(crate) disconnect_sent: bool,
    /// The current connection's CONNACK facts (`None` while not connected).
    pub(crate) connection: Option<ConnectInfo>,
    /// Closing ran out of time with bytes of the core unsent.
    pub(crate) close_cut_short: bool,
}

/// What the client handles, the driver and the dispatcher share.
pub(crate) struct Inner {
    state: Mutex<State>,
    /// Signalled on every change a waiter may care about.
    pub(crate) changed: Condvar,
    pub(crate) tx: Sender<Input>,
    wake_pending: AtomicBool,
    pub(crate) flow: Arc<Flow>,
    pub(crate) dispatch: Arc<Dispatch>,
    pub(crate) incoming_buffer: usize,
    /// Bound of `subscribe` / `unsubscribe` waiting for their answer.
    pub(crate) request_timeout: Option<Duration>,
    threads: Mutex<Threads>,
}

#[derive(Default)]
struct Threads {
    driver: Option<JoinHandle<()>>,
    dispatcher: Option<JoinHandle<()>>,
}

impl Inner {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // No user code runs under this lock and the core does not panic on
        // any input; if it ever did, the state is still the core's own.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Blocks on [`Inner::changed`] (lifting the incoming bound on the dispatcher thread).
    pub(crate) fn wait<'a>(&'a self, g: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        let _bypass = Bypass::new(&self.flow);
        self.changed.wait(g).unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn wait_until<'a>(
        &'a self,
        g: MutexGuard<'a, State>,
        deadline: Option<Instant>,
    ) -> (MutexGuard<'a, State>, bool) {
        match deadline {
            None => (self.wait(g), false),
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return (g, true);
                }
                let _bypass = Bypass::new(&self.flow);
                let (g, _) = self
                    .changed
                    .wait_timeout(g, left)
                    .unwrap_or_else(|e| e.into_inner());
                (g, false)
            }
        }
    }

    /// Tells the driver that the core has new work (commands were queued).
    pub(crate) fn wake(&self) {
        if !self.wake_pending.swap(true, Ordering::AcqRel) {
            // The driver holds a sender itself, so this only fails once it exited.
            let _ = self.tx.send(Input::Wake);
        }
    }

    /// Called by the driver before it drains the core.
    pub(crate) fn clear_wake(&self) {
        self.wake_pending.store(false, Ordering::Release);
    }
}

/// Acknowledges received messages through the core (the dispatcher's
/// automatic acks, and [`Message::ack`]). Weak: a message kept by the
/// application must not keep the client alive.
pub(crate) struct CoreAcker(pub(crate) std::sync::Weak<Inner>);

impl mqtt_adapter::Acker for CoreAcker {
    fn ack(&self, token: mqtt_sansio::client::AckToken) -> Result<(), Error> {
        let inner = self.0.upgrade().ok_or(Error::Closed)?;
        inner.lock().core.ack(Instant::now(), token)?;
        inner.wake();
        Ok(())
    }
}

/// A connection to an MQTT broker, with blocking calls.
///
/// `Client` is a cheap handle (`Clone`); every clone drives the same
/// connection and may be used from any thread, including from inside message
/// handlers and callbacks. Dropping the last clone disconnects in the
/// background without waiting for in-flight publishes (a clone captured by a
/// handler keeps the client alive); call [`disconnect`](Client::disconnect)
/// to let them finish and to wait for the threads.
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
/// returning from `main` delivered 22, 20 and 0 in three runs. Call
/// [`disconnect`](Client::disconnect) before exiting: it waits for in-flight
/// publishes (bounded) and reports in its result what it could not finish.
///
/// # Threads
/// A client runs a driver thread (owns the protocol core, sleeps until the
/// next deadline or input), a reader and a writer thread per connection (plain
/// blocking socket calls), and one dispatcher thread that runs handlers and
/// callbacks in order. No thread polls: each blocks until it has work.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    _user: Arc<UserToken>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let g = self.inner.lock();
        f.debug_struct("Client")
            .field("client_id", &g.core.client_id())
            .field("link", &g.link)
            .field("pending_publishes", &g.core.pending_publishes())
            .finish()
    }
}

/// Dropped with the last user handle: asks the driver to disconnect.
struct UserToken(Sender<Input>);

impl Drop for UserToken {
    fn drop(&mut self) {
        let _ = self.0.send(Input::Shutdown);
    }
}

impl Client {
    /// Connects to `url` (`mqtt://host:port`, also `tcp://`; `mqtts://`,
    /// `ws://`, `wss://` with the transport layer) and returns after a
    /// successful CONNACK.
    ///
    /// Fails with [`Error::Connection`] when the broker refuses, the connect
    /// timeout passes, or the socket cannot be opened — after trying each
    /// fail-over server ([`Options::server`]) once.
    pub fn connect(url: &str, options: Options) -> Result<Client, Error> {
        driver::start(url, options)
    }

    pub(crate) fn from_parts(
        core: Core<Instant>,
        tx: Sender<Input>,
        flow: Arc<Flow>,
        dispatch: Arc<Dispatch>,
        incoming_buffer: usize,
        request_timeout: Option<Duration>,
    ) -> Client {
        let inner = Arc::new(Inner {
            state: Mutex::new(State {
                core,
                link: Link::Connecting,
                ever_connected: false,
                failed_attempts: 0,
                publishes: HashMap::new(),
                requests: HashMap::new(),
                disconnect_sent: false,
                connection: None,
                close_cut_short: false,
            }),
            changed: Condvar::new(),
            tx: tx.clone(),
            wake_pending: AtomicBool::new(false),
            flow,
            dispatch,
            incoming_buffer,
            request_timeout,
            threads: Mutex::new(Threads::default()),
        });
        Client {
            inner,
            _user: Arc::new(UserToken(tx)),
        }
    }

    pub(crate) fn inner(&self) -> &Arc<Inner> {
        &self.inner
    }

    pub(crate) fn set_threads(&self, driver: JoinHandle<()>, dispatcher: JoinHandle<()>) {
        let mut t = self.inner.threads.lock().unwrap_or_else(|e| e.into_inner());
        t.driver = Some(driver);
        t.dispatcher = Some(dispatcher);
    }

    /// Waits for the first CONNACK, or until [`FirstConnect::verdict`] gives up.
    pub(crate) fn wait_connected(&self, how: FirstConnect) -> Result<(), Error> {
        let mut g = self.inner.lock();
        loop {
            if let Some(r) = how.verdict(&g.link, g.failed_attempts, Instant::now()) {
                return r;
            }
            // Past the deadline an attempt may still be running (bounded by
            // the connect timeout): wait for its outcome, do not spin.
            let deadline = how.deadline.filter(|d| *d > Instant::now());
            g = self.inner.wait_until(g, deadline).0;
        }
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
        self.publish_inner(publish, true)
    }

    /// Like [`publish_with`](Client::publish_with), failing at once with
    /// [`Error::QueueFull`] when the queue is full.
    pub fn try_publish_with(&self, publish: Publish) -> Result<PublishHandle, Error> {
        self.publish_inner(publish, false)
    }

    fn publish_inner(&self, p: Publish, block: bool) -> Result<PublishHandle, Error> {
        let msg = p.into_outgoing();
        let mut g = self.inner.lock();
        if matches!(g.link, Link::Closed) {
            return Err(Error::Closed);
        }
        if !block {
            let id = g.core.publish(Instant::now(), msg)?;
            return Ok(self.accepted(g, id));
        }
        loop {
            // Keep a copy for the retry (cheap: topic and payload are
            // reference-counted).
            match g.core.publish(Instant::now(), msg.clone()) {
                Ok(id) => return Ok(self.accepted(g, id)),
                Err(PublishError::QueueFull { .. }) => {
                    if let Some(e) = g.link.terminal() {
                        return Err(e);
                    }
                    g = self.inner.wait(g);
                    if matches!(g.link, Link::Closed) {
                        return Err(Error::Closed);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn accepted(&self, mut g: MutexGuard<'_, State>, id: PublishId) -> PublishHandle {
        let slot = Arc::new(PubSlot::default());
        g.publishes.insert(id, slot.clone());
        drop(g);
        self.inner.wake();
        PublishHandle {
            inner: self.inner.clone(),
            id,
            slot,
        }
    }

    /// Subscribes to `filters` (each with its maximum QoS) and routes matching
    /// messages to `handler`; blocks until SUBACK and returns its codes.
    ///
    /// The routing rule (the same in `mqtt-smol`, see
    /// [`mqtt_adapter::dispatch`]): `handler` is attached to these `filters`;
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
    /// put back). Handlers run on the dispatcher thread, one message at a
    /// time, in arrival order.
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
        self.subscribe_with(
            mqtt_adapter::subscribe_filters(filters),
            Properties::default(),
            handler,
        )
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
        self.subscribe_handler(filters, properties, Handler::new(handler))
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
        self.subscribe_stream_with(
            mqtt_adapter::subscribe_filters(filters),
            Properties::default(),
        )
    }

    /// [`subscribe_stream`](Client::subscribe_stream) with full subscription
    /// options and SUBSCRIBE properties.
    pub fn subscribe_stream_with(
        &self,
        filters: Vec<SubscribeFilter>,
        properties: Properties,
    ) -> Result<Subscription, Error> {
        let sink = Sink::new(self.inner.incoming_buffer);
        let queue: Arc<dyn mqtt_adapter::dispatch::Sink> = sink.clone();
        self.inner.dispatch.add_stream(&queue);
        let feed = sink.clone();
        let handler = Handler::new(move |m: &Message| {
            // Waits while the iterator is full (backpressure); a dropped
            // iterator has already removed this handler from the registry.
            feed.push(m.clone());
        });
        let names: Vec<ByteStr> = filters.iter().map(|f| f.filter.clone()).collect();
        let ack = self.subscribe_handler(filters, properties, handler.clone())?;
        Ok(Subscription {
            ack,
            sink,
            filters: names,
            handler,
            dispatch: self.inner.dispatch.clone(),
        })
    }

    fn subscribe_handler(
        &self,
        filters: Vec<SubscribeFilter>,
        properties: Properties,
        handler: Handler,
    ) -> Result<SubAck, Error> {
        let names: Vec<ByteStr> = filters.iter().map(|f| f.filter.clone()).collect();
        let mut g = self.inner.lock();
        if matches!(g.link, Link::Closed) {
            return Err(Error::Closed);
        }
        // Install the handlers first: retained messages may arrive right after SUBACK.
        let previous: Vec<Option<Handler>> = {
            let mut reg = self.inner.dispatch.registry();
            names
                .iter()
                .map(|f| reg.insert(f, handler.clone()))
                .collect()
        };
        let restore = |prev: Vec<Option<Handler>>| {
            let mut reg = self.inner.dispatch.registry();
            for (f, p) in names.iter().zip(prev) {
                reg.restore(f, &handler, p);
            }
        };
        let id = match g.core.subscribe(Instant::now(), filters, properties) {
            Ok(id) => id,
            Err(e) => {
                restore(previous);
                return Err(e.into());
            }
        };
        g.requests.insert(id, None);
        drop(g);
        self.inner.wake();
        let r = self.wait_request(id);
        if let Ok(ack) = &r {
            // Filters the broker refused get their previous handler back (or none).
            let mut reg = self.inner.dispatch.registry();
            for ((f, code), p) in names.iter().zip(&ack.codes).zip(previous) {
                if code.is_error() {
                    reg.restore(f, &handler, p);
                }
            }
        }
        r
    }

    /// Unsubscribes from `filters` and removes their handlers (at once: no
    /// handler of these filters runs after this call starts); blocks until
    /// UNSUBACK.
    pub fn unsubscribe<I, T>(&self, filters: I) -> Result<SubAck, Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<Topic>,
    {
        self.unsubscribe_with(filters, Properties::default())
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
        let filters: Vec<ByteStr> = filters.into_iter().map(|f| f.into().into_inner()).collect();
        let mut g = self.inner.lock();
        if matches!(g.link, Link::Closed) {
            return Err(Error::Closed);
        }
        let id = g
            .core
            .unsubscribe(Instant::now(), filters.clone(), properties)?;
        {
            let mut reg = self.inner.dispatch.registry();
            for f in &filters {
                reg.remove(f);
            }
        }
        g.requests.insert(id, None);
        drop(g);
        self.inner.wake();
        self.wait_request(id)
    }

    fn wait_request(&self, id: RequestId) -> Result<SubAck, Error> {
        let deadline = self
            .inner
            .request_timeout
            .and_then(|t| Instant::now().checked_add(t));
        let mut g = self.inner.lock();
        loop {
            if let Some(Some(r)) = g.requests.get(&id) {
                let r = r.clone();
                g.requests.remove(&id);
                return Ok(SubAck {
                    codes: r.codes,
                    properties: r.properties,
                });
            }
            if let Some(e) = g.link.terminal() {
                g.requests.remove(&id);
                return Err(e);
            }
            let (ng, timed_out) = self.inner.wait_until(g, deadline);
            g = ng;
            if timed_out {
                g.requests.remove(&id);
                return Err(Error::Timeout);
            }
        }
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
        let sink = Sink::new(self.inner.incoming_buffer);
        self.inner.dispatch.add_sink(sink.clone());
        Messages { sink }
    }

    /// Acknowledges a message received with [`Options::manual_acks`] on. A
    /// message that needs no ack (QoS 0, or automatic acks) is ignored.
    pub fn ack(&self, message: &Message) -> Result<(), Error> {
        let Some(token) = message.ack_token() else {
            return Ok(());
        };
        let mut g = self.inner.lock();
        g.core.ack(Instant::now(), token)?;
        drop(g);
        self.inner.wake();
        Ok(())
    }

    /// Saves the session (in-flight and queued publishes, inbound QoS 2 state,
    /// subscriptions) as bytes, for [`Options::restore_session`] in a later
    /// process. Take it after [`disconnect`](Client::disconnect) (with in-flight
    /// messages left, for example after a timeout) or at any time.
    pub fn snapshot(&self) -> Result<Vec<u8>, Error> {
        self.inner
            .lock()
            .core
            .snapshot(Instant::now())
            .map_err(Error::Snapshot)
    }

    /// The client identifier in use: configured, generated, or assigned by
    /// the broker (MQTT 5).
    pub fn client_id(&self) -> String {
        self.inner.lock().core.client_id().to_owned()
    }

    /// The facts of the current connection's CONNACK (session present, the
    /// server, the protocol version, and in MQTT 5 the broker's properties:
    /// assigned client id, server keep alive, Receive Maximum, Maximum
    /// Packet Size, ...); `None` while not connected.
    pub fn connection(&self) -> Option<ConnectInfo> {
        self.inner.lock().connection.clone()
    }

    /// Whether the client is connected right now.
    pub fn is_connected(&self) -> bool {
        matches!(self.inner.lock().link, Link::Connected)
    }

    /// Publishes accepted and not yet acknowledged or failed (in flight and queued).
    pub fn pending_deliveries(&self) -> usize {
        self.inner.lock().core.pending_publishes()
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
        self.inner.lock().core.reauthenticate(Instant::now())?;
        self.inner.wake();
        Ok(())
    }

    /// Connects again after the connection was lost with no automatic
    /// reconnect (Machine Head's manual recovery). Subscriptions and handlers
    /// are kept; with a persistent session the broker resends what is pending.
    /// Returns after CONNACK.
    pub fn reconnect(&self) -> Result<(), Error> {
        let mut g = self.inner.lock();
        match &g.link {
            Link::Connected => return Ok(()),
            Link::Closed => return Err(Error::Closed),
            Link::Down(c) if !c.will_reconnect => {
                g.link = Link::Connecting;
                g.failed_attempts = 0;
                g.core.connect(Instant::now());
            }
            _ => {}
        }
        drop(g);
        self.inner.wake();
        self.wait_connected(FirstConnect {
            servers: 1,
            retry: false,
            deadline: None,
        })
    }

    /// Disconnects gracefully: lets in-flight publishes finish (at most
    /// [`DEFAULT_DISCONNECT_TIMEOUT`]), sends DISCONNECT, closes the
    /// connection, waits for the broker to close its side (at most 5 s: the
    /// broker is then done with the session, so a new connection with the same
    /// client id cannot race the old one) and for the client's threads to
    /// finish (all handler calls have returned when this returns, unless
    /// called from a handler).
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
    /// [`ReasonCode::DisconnectWithWillMessage`] to have the broker publish
    /// the will.
    pub fn disconnect_with(
        &self,
        timeout: Duration,
        options: DisconnectOptions,
    ) -> Result<(), Error> {
        let deadline = Instant::now().checked_add(timeout);
        let mut g = self.inner.lock();
        // Let pending publishes finish while the link can finish them.
        let mut pending = 0;
        while g.core.pending_publishes() > 0 && g.link.terminal().is_none() {
            let (ng, timed_out) = self.inner.wait_until(g, deadline);
            g = ng;
            if timed_out {
                pending = g.core.pending_publishes();
                break;
            }
        }
        if !matches!(g.link, Link::Closed) && !g.disconnect_sent {
            g.core.disconnect(Instant::now(), options)?;
            g.disconnect_sent = true;
        }
        drop(g);
        let _ = self.inner.tx.send(Input::Shutdown);
        self.join();
        let unsent = self.inner.lock().close_cut_short;
        if pending > 0 || unsent {
            return Err(Error::DisconnectIncomplete { pending, unsent });
        }
        Ok(())
    }

    /// Closes the connection at once, without DISCONNECT (the broker then
    /// publishes the will), and stops the client like
    /// [`disconnect`](Client::disconnect) without waiting for in-flight
    /// publishes: their handles report [`Error::Closed`]; QoS 1 and 2
    /// messages stay in the session if it persists.
    pub fn abort(&self) {
        let _ = self.inner.tx.send(Input::Abort);
        self.join();
    }

    /// Waits for the driver and dispatcher threads to exit (never the current one).
    fn join(&self) {
        let (driver, dispatcher) = {
            let mut t = self.inner.threads.lock().unwrap_or_else(|e| e.into_inner());
            (t.driver.take(), t.dispatcher.take())
        };
        let me = std::thread::current().id();
        for h in [driver, dispatcher].into_iter().flatten() {
            if h.thread().id() == me {
                // Called from a handler: this thread ends by itself right after.
                continue;
            }
            let _ = h.join();
        }
    }
}
