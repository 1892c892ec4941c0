//! The handler registry, the routing rule, and the dispatcher loop that runs
//! handlers and callbacks off the thread that drives the connection.
//!
//! # The routing rule
//! - A handler is attached by one `subscribe` call (or one
//!   [`Options::handler`](crate::Options::handler)) to its filters.
//! - Subscribing a filter again replaces that filter's handler (the other
//!   filters of the old handler keep it).
//! - Each delivered copy of a message is given to every distinct handler
//!   whose filters match it, once per handler even when several of its
//!   filters match. Which filters match is the core's subscription registry's
//!   decision (it honours MQTT 5 subscription identifiers).
//! - A copy that matches no handler goes to
//!   [`Options::on_unhandled`](crate::Options::on_unhandled).
//! - Every copy also goes to every `Client::messages` stream.
//!
//! Brokers may send one copy per matching subscription (rumqttd with 3.1.1;
//! MQTT 5 brokers per the spec, `[MQTT-3.3.4-2]`) or one per client
//! (Mosquitto and RabbitMQ with 3.1.1): with overlapping subscriptions a
//! handler may therefore see several copies of one publish, each copy once.
//! Give each subscription an MQTT 5 subscription identifier to have each copy
//! reach only its own handler.
//!
//! Handlers run one at a time, in arrival order, off the I/O path, so
//! a handler may block or call back into the client without stalling the
//! protocol. A handler that panics does not stop the dispatcher.

use crate::message::{AckHow, AckLink, AckOrder, PendingAck};
use crate::{Acker, ConnectInfo, ConnectionLost, Delivery, Message};
use mqtt_sansio::client::{AckToken, Subscriptions};
use mqtt_sansio::codec::{ByteStr, Properties};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

/// A message handler: a user closure called by the dispatcher, in order, for
/// every delivered copy of a message its filters match (once per copy), or
/// the queue of a per-subscription message stream.
///
/// Clones are the same handler (see [`same`](Handler::same)).
#[derive(Clone)]
pub struct Handler {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    /// A user closure: may block (see [`Dispatcher::must_unblock`]).
    User(Arc<Mutex<HandlerFn>>),
    /// A message stream's queue, which never waits: the message is pushed
    /// into it, moved rather than copied when nobody else gets it.
    Stream(Arc<dyn Sink>),
}

/// The closure behind a [`Handler`].
type HandlerFn = dyn FnMut(&Message) + Send;

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handler").finish_non_exhaustive()
    }
}

impl Handler {
    /// Wraps a user closure.
    pub fn new(f: impl FnMut(&Message) + Send + 'static) -> Handler {
        Handler {
            kind: Kind::User(Arc::new(Mutex::new(f))),
        }
    }

    /// The handler of a per-subscription stream: pushes every message into
    /// `queue`, whose `push` must return at once. It runs no user code, so an
    /// async dispatcher runs it on its own task instead of a blocking pool
    /// ([`Dispatcher::must_unblock`]).
    pub fn stream(queue: Arc<dyn Sink>) -> Handler {
        Handler {
            kind: Kind::Stream(queue),
        }
    }

    /// Whether `self` and `other` are the same handler (installed by the same call).
    pub fn same(&self, other: &Handler) -> bool {
        match (&self.kind, &other.kind) {
            (Kind::User(a), Kind::User(b)) => Arc::ptr_eq(a, b),
            (Kind::Stream(a), Kind::Stream(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Runs no user code.
    fn non_blocking(&self) -> bool {
        matches!(self.kind, Kind::Stream(_))
    }

    /// Runs the handler; returns whether it panicked.
    fn call(&self, m: &Message) -> bool {
        match &self.kind {
            Kind::User(f) => {
                // A handler that panicked earlier poisoned its own lock only;
                // keep calling it (its state is the user's business).
                let mut f = f.lock().unwrap_or_else(|e| e.into_inner());
                guard(|| (*f)(m))
            }
            Kind::Stream(q) => {
                // A dropped stream has already removed this handler from the registry.
                q.push(m.clone());
                false
            }
        }
    }

    /// [`call`](Self::call) for the message's last recipient: a stream takes it as it is.
    fn call_owned(&self, m: Message) -> bool {
        match &self.kind {
            Kind::User(_) => self.call(&m),
            Kind::Stream(q) => {
                q.push(m);
                false
            }
        }
    }
}

/// Filter → handler, one handler per filter (subscribing a filter again
/// replaces its handler).
#[derive(Default, Debug)]
pub struct Registry {
    entries: Vec<(ByteStr, Handler)>,
}

impl Registry {
    /// Installs `handler` for `filter`, returning the one it replaces.
    pub fn insert(&mut self, filter: &ByteStr, handler: Handler) -> Option<Handler> {
        if let Some(e) = self.entries.iter_mut().find(|(f, _)| f == filter) {
            return Some(core::mem::replace(&mut e.1, handler));
        }
        self.entries.push((filter.clone(), handler));
        None
    }

    /// Removes the handler of `filter`.
    pub fn remove(&mut self, filter: &str) -> Option<Handler> {
        let i = self.entries.iter().position(|(f, _)| f == filter)?;
        Some(self.entries.remove(i).1)
    }

    /// Removes the handler of `filter` only if it is still `handler`.
    pub fn remove_if(&mut self, filter: &str, handler: &Handler) {
        self.restore(filter, handler, None);
    }

    /// Puts `previous` back for `filter` if `current` is still installed
    /// there (a subscription the broker refused must not lose the old
    /// handler); with no `previous`, removes `current`.
    pub fn restore(&mut self, filter: &str, current: &Handler, previous: Option<Handler>) {
        let Some(i) = self
            .entries
            .iter()
            .position(|(f, h)| f == filter && h.same(current))
        else {
            return;
        };
        match previous {
            Some(p) => self.entries[i].1 = p,
            None => {
                self.entries.remove(i);
            }
        }
    }

    /// The routing rule: the distinct handlers of `filters` (the filters a
    /// copy matched), each once, in the order of `filters`, appended to `out`
    /// (tested in `tests/routing.rs`).
    pub fn route(&self, filters: &[ByteStr], out: &mut Vec<Handler>) {
        for f in filters {
            if let Some((_, h)) = self.entries.iter().find(|(name, _)| name == f) {
                if !out.iter().any(|o| o.same(h)) {
                    out.push(h.clone());
                }
            }
        }
    }
}

/// A queue the dispatcher feeds: a `Client::messages` stream, or the queue
/// behind a per-subscription stream. The runtime hook of the dispatcher:
/// each adapter implements it over its own waiting primitive. Unwind-safe,
/// so that a stream that holds one (through its handler) is too.
pub trait Sink: Send + Sync + std::panic::RefUnwindSafe + std::panic::UnwindSafe {
    /// Appends `m`, waiting while the queue is full (that is the
    /// backpressure). `false` when its reader is gone.
    fn push(&self, m: Message) -> bool;
    /// No more messages will come: the reader ends after draining.
    fn close(&self);
}

/// A user callback taking `&T`, run by the dispatcher.
type Callback<T> = Option<Box<dyn FnMut(&T) + Send>>;

/// The callbacks of [`Options`](crate::Options), run by the [`Dispatcher`].
#[derive(Default)]
pub struct Callbacks {
    pub(crate) on_connect: Callback<ConnectInfo>,
    pub(crate) on_connection_lost: Callback<ConnectionLost>,
    pub(crate) on_connect_failed: Callback<ConnectionLost>,
    pub(crate) on_delivery_complete: Callback<Delivery>,
    pub(crate) on_unhandled: Callback<Message>,
    pub(crate) on_reauthenticated: Callback<Properties>,
}

impl std::fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callbacks")
            .field("on_connect", &self.on_connect.is_some())
            .field("on_connection_lost", &self.on_connection_lost.is_some())
            .field("on_connect_failed", &self.on_connect_failed.is_some())
            .field("on_delivery_complete", &self.on_delivery_complete.is_some())
            .field("on_unhandled", &self.on_unhandled.is_some())
            .field("on_reauthenticated", &self.on_reauthenticated.is_some())
            .finish()
    }
}

impl Callbacks {
    /// Whether delivery reports must be queued at all (saves work per
    /// publish otherwise).
    pub fn wants_deliveries(&self) -> bool {
        self.on_delivery_complete.is_some()
    }
}

/// The filters a delivered copy matched: most copies match one, which is
/// kept inline (no allocation per message).
#[derive(Debug, Clone, Default)]
pub struct Filters(FiltersRepr);

#[derive(Debug, Clone, Default)]
enum FiltersRepr {
    #[default]
    None,
    One(ByteStr),
    Many(Vec<ByteStr>),
}

impl std::ops::Deref for Filters {
    type Target = [ByteStr];
    fn deref(&self) -> &[ByteStr] {
        match &self.0 {
            FiltersRepr::None => &[],
            FiltersRepr::One(f) => std::slice::from_ref(f),
            FiltersRepr::Many(v) => v,
        }
    }
}

impl FromIterator<ByteStr> for Filters {
    fn from_iter<T: IntoIterator<Item = ByteStr>>(iter: T) -> Filters {
        let mut it = iter.into_iter();
        let Some(first) = it.next() else {
            return Filters(FiltersRepr::None);
        };
        match it.next() {
            None => Filters(FiltersRepr::One(first)),
            Some(second) => {
                let mut v = vec![first, second];
                v.extend(it);
                Filters(FiltersRepr::Many(v))
            }
        }
    }
}

/// One item for the dispatcher.
#[derive(Debug)]
pub enum Item {
    /// A delivered copy of a message, and the filters of the subscriptions
    /// it matched (as the core's subscription registry decided).
    Message(Message, Filters),
    /// A CONNACK accepted the connection.
    Connected(ConnectInfo),
    /// An established connection was lost.
    ConnectionLost(ConnectionLost),
    /// A connection attempt failed before its CONNACK.
    ConnectFailed(ConnectionLost),
    /// A publish completed or failed.
    Delivery(Delivery),
    /// An MQTT 5 re-authentication succeeded (the broker's final AUTH's
    /// properties).
    Reauthenticated(Properties),
}

impl Item {
    /// The item for a message the core delivered (its `Event::Message`): the
    /// filters it is for are the core's subscription registry's decision
    /// (which honours MQTT 5 subscription identifiers), taken now, while the
    /// registry is the one the message arrived under.
    pub fn message(
        subscriptions: &Subscriptions,
        publish: mqtt_sansio::codec::Publish,
        ack: Option<AckToken>,
    ) -> Item {
        let filters = subscriptions
            .matching(&publish)
            .map(|s| s.filter.clone())
            .collect();
        Item::Message(Message::from_publish(publish, ack), filters)
    }
}

/// What the dispatcher shares with the client handles: the registry and the
/// message queues.
pub struct Dispatch {
    registry: Mutex<Registry>,
    /// Queues of `Client::messages`; `None` once the dispatcher has exited
    /// (new ones are then closed at once).
    sinks: Mutex<Option<Vec<Arc<dyn Sink>>>>,
    /// Queues of per-subscription streams: fed by their handler, closed with
    /// the client.
    streams: Mutex<Option<Vec<Weak<dyn Sink>>>>,
    /// How messages are acknowledged ([`Dispatch::set_acker`]).
    acks: Mutex<AckLink>,
    /// The order automatic acknowledgements go out in.
    order: Mutex<Option<Arc<AckOrder>>>,
}

impl std::fmt::Debug for Dispatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatch").finish_non_exhaustive()
    }
}

impl Dispatch {
    /// A dispatcher state starting with the handlers of `registry`.
    pub fn new(registry: Registry) -> Dispatch {
        Dispatch {
            registry: Mutex::new(registry),
            sinks: Mutex::new(Some(Vec::new())),
            streams: Mutex::new(Some(Vec::new())),
            acks: Mutex::new(AckLink::default()),
            order: Mutex::new(None),
        }
    }

    /// Sets how received messages are acknowledged: through `acker` (the
    /// client's core), by the application (`manual`, see
    /// [`Message::ack`]) or by the dispatcher once every handler of a message
    /// returned. Without an acker nothing is acknowledged.
    pub fn set_acker(&self, acker: Arc<dyn Acker>, manual: bool) {
        *self.order.lock().unwrap_or_else(|e| e.into_inner()) = Some(AckOrder::new(acker.clone()));
        *self.acks.lock().unwrap_or_else(|e| e.into_inner()) = AckLink {
            how: Some(Arc::new(AckHow { acker, manual })),
            pending: None,
        };
    }

    /// The registry, locked. No user code runs under this lock.
    pub fn registry(&self) -> MutexGuard<'_, Registry> {
        // Handlers never run under this lock and every mutation is one step,
        // so the registry is consistent even if a panic ever poisoned it.
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn sinks(&self) -> MutexGuard<'_, Option<Vec<Arc<dyn Sink>>>> {
        self.sinks.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn streams(&self) -> MutexGuard<'_, Option<Vec<Weak<dyn Sink>>>> {
        self.streams.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a queue that gets every message (`Client::messages`); when the
    /// dispatcher has already exited it is closed at once.
    pub fn add_sink(&self, sink: Arc<dyn Sink>) {
        match &mut *self.sinks() {
            Some(v) => v.push(sink),
            None => sink.close(),
        }
    }

    /// Registers a per-subscription queue, so that it is unbounded and
    /// closed with the client (closed at once if the client is gone). Its
    /// handler feeds it; the registry does not keep it alive.
    pub fn add_stream(&self, sink: &Arc<dyn Sink>) {
        match &mut *self.streams() {
            Some(v) => {
                v.retain(|w| w.strong_count() > 0);
                v.push(Arc::downgrade(sink));
            }
            None => sink.close(),
        }
    }

    /// Closes every message queue: their readers end once they drained what
    /// they hold, and queues added later are closed at once.
    fn close_queues(&self) {
        if let Some(v) = self.sinks().take() {
            for s in v {
                s.close();
            }
        }
        if let Some(v) = self.streams().take() {
            for s in v.iter().filter_map(Weak::upgrade) {
                s.close();
            }
        }
    }

    /// Runs the handlers and callbacks for one item.
    fn handle(&self, item: Item, cb: &mut Callbacks, matched: &mut Vec<Handler>) {
        match item {
            Item::Message(mut m, filters) => {
                if let Some(token) = m.ack {
                    m.link = self.acks.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    let order = self.order.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    if let (false, Some(order)) = (m.link.manual(), order) {
                        m.link.pending = Some(PendingAck::new(token, &order));
                    }
                }
                // Routed already when the caller asked whether this runs
                // user code (`Dispatcher::try_handle`).
                if matched.is_empty() {
                    self.registry().route(&filters, matched);
                }
                let mut panicked = false;
                if matched.is_empty() {
                    if let Some(f) = &mut cb.on_unhandled {
                        panicked |= guard(|| f(&m));
                    }
                }
                let pending = m.link.pending.clone();
                // Taken before the handlers run: a stream a handler opens sees
                // the messages after this one.
                let sinks = self.live_sinks();
                match matched.split_last() {
                    Some((last, rest)) => {
                        for h in rest {
                            panicked |= h.call(&m);
                        }
                        if sinks.is_empty() {
                            panicked |= last.call_owned(m);
                        } else {
                            panicked |= last.call(&m);
                            self.feed_sinks(sinks, m);
                        }
                    }
                    None => self.feed_sinks(sinks, m),
                }
                matched.clear();
                // Automatic acks: once every handler returned and the
                // application took the message from every stream it entered
                // (each stream holds it until then, see `hold_for_stream`). A
                // panicking handler's message stays unacknowledged: a
                // persistent session redelivers it.
                if let Some(p) = pending {
                    if panicked {
                        p.poison();
                    }
                    p.release();
                }
            }
            Item::Connected(info) => {
                if let Some(f) = &mut cb.on_connect {
                    guard(|| f(&info));
                }
            }
            Item::ConnectionLost(cause) => {
                if let Some(f) = &mut cb.on_connection_lost {
                    guard(|| f(&cause));
                }
            }
            Item::ConnectFailed(cause) => {
                if let Some(f) = &mut cb.on_connect_failed {
                    guard(|| f(&cause));
                }
            }
            Item::Delivery(d) => {
                if let Some(f) = &mut cb.on_delivery_complete {
                    guard(|| f(&d));
                }
            }
            Item::Reauthenticated(p) => {
                if let Some(f) = &mut cb.on_reauthenticated {
                    guard(|| f(&p));
                }
            }
        }
    }

    /// The `Client::messages` queues now (no allocation when there is none).
    fn live_sinks(&self) -> Vec<Arc<dyn Sink>> {
        match &*self.sinks() {
            Some(v) => v.clone(),
            None => Vec::new(),
        }
    }

    /// Gives `m` to every queue of `sinks` (pushing never waits), dropping
    /// the ones whose reader is gone.
    fn feed_sinks(&self, sinks: Vec<Arc<dyn Sink>>, m: Message) {
        let Some((last, rest)) = sinks.split_last() else {
            return;
        };
        let mut gone = Vec::new();
        for s in rest {
            if !s.push(m.clone()) {
                gone.push(s.clone());
            }
        }
        if !last.push(m) {
            gone.push(last.clone());
        }
        if !gone.is_empty() {
            if let Some(v) = &mut *self.sinks() {
                v.retain(|s| !gone.iter().any(|g| Arc::ptr_eq(g, s)));
            }
        }
    }
}

/// A stream's queue is taking `m`: its automatic acknowledgement (if any)
/// now also waits until the application takes it from there
/// ([`taken_from_stream`]). Called by the adapters' stream queues, which are
/// the only places a message waits for the application.
pub fn hold_for_stream(m: &Message) {
    if let Some(p) = &m.link.pending {
        p.hold();
    }
}

/// The application took `m` from a stream, or dropped the stream with `m`
/// unread (discarding it: it is acknowledged all the same, so that it does not
/// hold the broker's in-flight window until the next connection).
pub fn taken_from_stream(m: &Message) {
    if let Some(p) = &m.link.pending {
        p.release();
    }
}

/// The dispatcher loop, driven by the async client one item at a time (its
/// dispatcher task on the caller's executor).
///
/// Handlers and callbacks are ordinary closures: they run inside
/// [`handle`](Dispatcher::handle), so a handler that blocks holds up the
/// task (and, on an executor, its worker thread) while it runs. [`Sink`]s fed
/// here must not block either.
pub struct Dispatcher {
    dispatch: Arc<Dispatch>,
    callbacks: Callbacks,
    matched: Vec<Handler>,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher").finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// A dispatcher of `dispatch`'s handlers and queues, with `callbacks`.
    pub fn new(dispatch: Arc<Dispatch>, callbacks: Callbacks) -> Dispatcher {
        Dispatcher {
            dispatch,
            callbacks,
            matched: Vec::new(),
        }
    }

    /// Runs the handlers and callbacks of one item, in order.
    pub fn handle(&mut self, item: Item) {
        self.dispatch
            .handle(item, &mut self.callbacks, &mut self.matched);
    }

    /// Whether handling `item` may run user code (a handler or callback,
    /// which may block); `false` when it only feeds message streams (or
    /// nothing), so an async dispatcher can handle it on its own task and
    /// save a trip to the blocking pool.
    pub fn must_unblock(&mut self, item: &Item) -> bool {
        let cb = &self.callbacks;
        match item {
            Item::Message(_, filters) => {
                self.dispatch.registry().route(filters, &mut self.matched);
                let user_code = self.matched_run_user_code();
                self.matched.clear();
                user_code
            }
            Item::Connected(_) => cb.on_connect.is_some(),
            Item::ConnectionLost(_) => cb.on_connection_lost.is_some(),
            Item::ConnectFailed(_) => cb.on_connect_failed.is_some(),
            Item::Delivery(_) => cb.on_delivery_complete.is_some(),
            Item::Reauthenticated(_) => cb.on_reauthenticated.is_some(),
        }
    }

    /// Handles `item` here unless that may run user code
    /// ([`must_unblock`](Dispatcher::must_unblock)): then gives it back, to
    /// be handled where blocking is allowed. Routes a message once for both.
    pub fn try_handle(&mut self, item: Item) -> Option<Item> {
        let Item::Message(_, filters) = &item else {
            if self.must_unblock(&item) {
                return Some(item);
            }
            self.handle(item);
            return None;
        };
        self.dispatch.registry().route(filters, &mut self.matched);
        if self.matched_run_user_code() {
            self.matched.clear();
            return Some(item);
        }
        self.dispatch
            .handle(item, &mut self.callbacks, &mut self.matched);
        None
    }

    /// Whether the handlers just routed to (`matched`) would run user code:
    /// one that is not the adapter's own, or `on_unhandled` when none.
    fn matched_run_user_code(&self) -> bool {
        if self.matched.is_empty() {
            self.callbacks.on_unhandled.is_some()
        } else {
            self.matched.iter().any(|h| !h.non_blocking())
        }
    }

    /// No more items will come (the driver is gone): closes every queue.
    pub fn finish(&mut self) {
        self.dispatch.close_queues();
    }
}

/// Runs user code; a panic in it (reported on stderr by the panic hook) must
/// not stop the dispatcher, or every later message would be lost.
/// Returns whether it panicked.
fn guard(f: impl FnOnce()) -> bool {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err()
}
