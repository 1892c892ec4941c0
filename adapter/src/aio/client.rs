//! [`Client`]: the async handle, usable from any task, thread or handler.

use super::flow::{Awaiting, Flow};
use super::inbox::{Inbox, Submitted};
use super::queue::{queue, Reader};
use super::runtime::{sleep, sleep_until, Runtime, Task};
use super::slot::{Answer, DriverWake, Slot};
use crate::dispatch::{Dispatch, Handler, Sink};
use crate::FirstConnect;
use crate::{ConnectInfo, Error, Message, Options, Publish, PublishAck, SubAck, Topic};
use async_channel::{Receiver, Sender};
use bytes::Bytes;
use event_listener::Event as Notify;
use futures_core::Stream;
use futures_lite::future;
use mqtt_sansio::client::{
    Client as Core, DisconnectError, DisconnectOptions, OutgoingPublish, PublishError, PublishId,
    RequestId,
};
use mqtt_sansio::codec::{ByteStr, Properties, SubscribeFilter};
use mqtt_sansio::QoS;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::hash::{BuildHasherDefault, Hasher};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// How long [`Client::disconnect`] lets in-flight publishes finish (Paho's
/// default quiesce time).
pub const DEFAULT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) use crate::Link;

/// The result of one publish.
pub(crate) type PubResult = Result<PublishAck, Error>;
/// The result of a SUBSCRIBE / UNSUBSCRIBE.
pub(crate) type ReqResult = Result<SubAck, Error>;

/// What [`Client::submit_or_keep`] did with a publish.
enum Attempt {
    Taken(Result<PublishHandle, Error>),
    NoRoom(Publish),
}

/// A map keyed by the core's own sequential ids ([`PublishId`],
/// [`RequestId`]): one multiplication per lookup instead of SipHash, whose
/// resistance to chosen keys these ids, counted by the core and never taken
/// from the network, do not need.
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// The hasher of [`IdMap`]: Fibonacci hashing of a `u64`, so that
/// consecutive ids spread over every bit the table looks at.
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Everything behind the client's one lock: the core and who waits for what.
pub(crate) struct State {
    pub(crate) core: Core<Instant>,
    pub(crate) link: Link,
    /// Whether a CONNACK was ever accepted.
    pub(crate) ever_connected: bool,
    /// Connection attempts that failed before the first success.
    pub(crate) failed_attempts: usize,
    /// Result slots of publishes whose handle may still be alive.
    pub(crate) publishes: IdMap<PublishId, Answer<PubResult>>,
    /// Result slots of subscribe / unsubscribe requests.
    pub(crate) requests: IdMap<RequestId, Sender<ReqResult>>,
    /// The current connection's CONNACK facts (`None` while not connected).
    pub(crate) connection: Option<ConnectInfo>,
    /// Closing ran out of time with bytes unsent.
    pub(crate) close_cut_short: bool,
    /// Publishes handed over through the [`Inbox`] that the core refused
    /// with `QueueFull`: they enter it first, in order, as room appears.
    pub(crate) held: VecDeque<Submitted>,
    /// Durable sessions: the store the core's changes go to.
    pub(crate) durable: Option<crate::store::Durable>,
}

impl State {
    /// Records who waits for request `id`, or answers at once when the link
    /// can no longer deliver the answer.
    pub(crate) fn register_request(&mut self, id: RequestId, tx: Sender<ReqResult>) {
        match self.link.terminal() {
            Some(e) => {
                let _ = tx.try_send(Err(e));
            }
            None => {
                self.requests.insert(id, tx);
            }
        }
    }

    /// Gives the core publish `id`, answered through `slot`: as
    /// [`Client::try_publish_with`] does under the lock, and for publishes
    /// that were handed over while it was busy.
    fn publish_as(
        &mut self,
        now: Instant,
        id: PublishId,
        publish: OutgoingPublish,
        slot: &Arc<Slot<PubResult>>,
    ) -> Result<(), Error> {
        if let Link::Closed = self.link {
            return Err(Error::Closed);
        }
        self.core
            .publish_as(now, id, publish)
            .map_err(|e| match e {
                PublishError::QueueFull { max } => Error::QueueFull { max },
                e => Error::Publish(e),
            })?;
        // On disk before this call returns (the core holds its bytes back
        // until then); a store that fails fails the publish, never sent.
        self.persist(now, crate::store::By::Caller)?;
        match self.link.terminal() {
            // Accepted into the session for a later `reconnect`, but nothing
            // will answer this handle on the current link.
            Some(e) => slot.complete(Err(e)),
            None => {
                self.publishes
                    .insert(id, Answer::new(slot, || Err(Error::Closed)));
            }
        }
        Ok(())
    }

    /// Moves the publishes handed over while the lock was busy into the
    /// core, oldest first; those the core has no room for yet stay in
    /// `held`. Returns whether any left the hand-over.
    fn take_inbox(&mut self, inbox: &Inbox) -> bool {
        let mut moved = false;
        loop {
            let Some(s) = self.held.pop_front().or_else(|| inbox.pop()) else {
                return moved;
            };
            let Submitted {
                id,
                publish,
                slot,
                accepted_at,
            } = s;
            // A clone only on this path (the lock was busy): `QueueFull`
            // gives the message back to `held`.
            match self.publish_as(accepted_at, id, publish.clone(), &slot) {
                Err(Error::QueueFull { .. }) => {
                    self.held.push_front(Submitted {
                        id,
                        publish,
                        slot,
                        accepted_at,
                    });
                    // Everything younger waits behind it.
                    while let Some(s) = inbox.pop() {
                        self.held.push_back(s);
                    }
                    return moved;
                }
                Err(e) => slot.complete(Err(e)),
                Ok(()) => {}
            }
            inbox.entered();
            moved = true;
        }
    }

    /// Durable sessions: writes what the core asks to store (see
    /// [`crate::store`]). A no-op without persistence.
    pub(crate) fn persist(&mut self, now: Instant, by: crate::store::By) -> Result<(), Error> {
        match self.durable.as_mut() {
            Some(d) => d
                .persist(&mut self.core, now, by)
                .map_err(|e| Error::Store(Arc::new(e))),
            None => Ok(()),
        }
    }

    /// Fails every waiter with `e` (the link can no longer answer them).
    pub(crate) fn fail_waiters(&mut self, e: &Error) {
        for (_, a) in self.publishes.drain() {
            a.send(Err(e.clone()));
        }
        for (_, tx) in self.requests.drain() {
            let _ = tx.try_send(Err(e.clone()));
        }
    }
}

/// What the client handles, the driver and the dispatcher share.
pub(crate) struct Inner {
    state: Mutex<State>,
    /// Notified after every driver turn (link changes, completions).
    pub(crate) changed: Notify,
    /// Notified when publishes complete (room in the publish queue).
    pub(crate) room: Notify,
    /// Wakes the driver: client calls that gave the core work.
    pub(crate) driver: DriverWake,
    pub(crate) flow: Arc<Flow>,
    pub(crate) dispatch: Arc<Dispatch>,
    /// Bound of `subscribe` / `unsubscribe` waiting for their answer.
    pub(crate) request_timeout: Option<Duration>,
    /// Set when every user handle is gone: the driver disconnects.
    pub(crate) abandoned: AtomicBool,
    /// Set by [`Client::abort`]: drop the connection without DISCONNECT.
    pub(crate) aborted: AtomicBool,
    /// Set by the driver when it has exited (the socket is closed).
    pub(crate) finished: AtomicBool,
    /// Publishes handed over while the lock was busy, and the publish ids.
    pub(crate) inbox: Inbox,
    /// The core's `max_queued`, for a `QueueFull` told without the lock.
    max_queued: usize,
    /// Durable sessions: a publish is stored before the call returns, so
    /// it never takes the lock-free hand-over.
    durable: bool,
    /// Notified each time the lock is released: the driver waits for it
    /// here rather than blocking its executor's thread
    /// ([`Inner::lock_async`]).
    unlocked: Notify,
}

impl Inner {
    pub(crate) fn new(
        core: Core<Instant>,
        flow: Arc<Flow>,
        dispatch: Arc<Dispatch>,
        request_timeout: Option<Duration>,
        durable: Option<crate::store::Durable>,
    ) -> Inner {
        Inner {
            inbox: Inbox::new(core.next_publish_id(), core.config().max_queued),
            max_queued: core.config().max_queued,
            durable: durable.is_some(),
            state: Mutex::new(State {
                core,
                link: Link::Connecting,
                ever_connected: false,
                failed_attempts: 0,
                publishes: IdMap::default(),
                requests: IdMap::default(),
                connection: None,
                close_cut_short: false,
                held: VecDeque::new(),
                durable,
            }),
            changed: Notify::new(),
            room: Notify::new(),
            driver: DriverWake::default(),
            flow,
            dispatch,
            request_timeout,
            abandoned: AtomicBool::new(false),
            aborted: AtomicBool::new(false),
            finished: AtomicBool::new(false),
            unlocked: Notify::new(),
        }
    }

    /// The client's lock. Whoever takes it first moves the publishes handed
    /// over while it was busy into the core, so they keep their place
    /// before anything the holder does.
    pub(crate) fn lock(&self) -> Locked<'_> {
        // No user code runs under this lock and the core does not panic on
        // any input; if it ever did, the state is still the core's own.
        let g = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.took(g)
    }

    /// The client's lock for a task: while another thread holds it, the
    /// task waits without blocking its executor's thread. The driver takes
    /// it so: every connection on a shared executor (smol's global one, the
    /// one thread of mqtt-std) would otherwise stall, keep-alive pings
    /// included, while a user thread holds one client's lock.
    pub(crate) async fn lock_async(&self) -> Locked<'_> {
        loop {
            if let Some(g) = self.try_lock() {
                return g;
            }
            let listener = self.unlocked.listen();
            // Released between the first try and `listen`: take it now.
            if let Some(g) = self.try_lock() {
                return g;
            }
            listener.await;
        }
    }

    /// The client's lock if nobody holds it, without waiting.
    fn try_lock(&self) -> Option<Locked<'_>> {
        match self.state.try_lock() {
            Ok(g) => Some(self.took(g)),
            Err(TryLockError::Poisoned(e)) => Some(self.took(e.into_inner())),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    fn took<'a>(&'a self, mut g: MutexGuard<'a, State>) -> Locked<'a> {
        if !self.inbox.is_empty() && g.take_inbox(&self.inbox) {
            // Room in the hand-over for publishes that found it full.
            self.room.notify(usize::MAX);
            self.wake();
        }
        Locked {
            g,
            inner: self,
            _release: Release(&self.unlocked),
        }
    }

    /// Tells the driver that the core has new work.
    pub(crate) fn wake(&self) {
        self.driver.wake();
    }
}

/// The client's lock, held. On release it leaves the room in the core's
/// publish queue where [`Client::try_publish_with`] can read it without the
/// lock, so a publish handed over while the lock is busy is refused with
/// `QueueFull` exactly when one given to the core would have been.
pub(crate) struct Locked<'a> {
    // Fields drop in this order: the lock is released, then `_release`
    // tells a waiting task.
    g: MutexGuard<'a, State>,
    inner: &'a Inner,
    _release: Release<'a>,
}

/// Notifies [`Inner::unlocked`] when dropped (after the guard before it).
struct Release<'a>(&'a Notify);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.notify(1);
    }
}

impl std::ops::Deref for Locked<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        &self.g
    }
}

impl std::ops::DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.g
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        let room = if self.g.held.is_empty() {
            self.inner
                .max_queued
                .saturating_sub(self.g.core.queued_publishes())
        } else {
            0
        };
        self.inner.inbox.set_room(room);
    }
}

/// Acknowledges received messages through the core (the dispatcher's
/// automatic acks, and [`Message::ack`]). Weak: a message kept by the
/// application must not keep the client alive.
pub(crate) struct CoreAcker(pub(crate) std::sync::Weak<Inner>);

impl crate::Acker for CoreAcker {
    fn ack(&self, token: mqtt_sansio::client::AckToken) -> Result<(), Error> {
        let inner = self.0.upgrade().ok_or(Error::Closed)?;
        {
            let mut g = inner.lock();
            let now = Instant::now();
            g.core.ack(now, token)?;
            // An inbound QoS 2 id is stored before its PUBREC, right after
            // the handler returned.
            g.persist(now, crate::store::By::Caller)?;
        }
        inner.wake();
        Ok(())
    }
}

/// A connection to an MQTT broker, with async calls.
///
/// `Client` is a cheap handle (`Clone`, `Send`, `Sync`); every clone drives
/// the same connection and may be used from any task or thread, including
/// from inside message handlers. Dropping the last clone disconnects in the
/// background; call [`disconnect`](Client::disconnect) to wait for that. (A
/// handler that holds a clone keeps the client alive until it is disconnected
/// explicitly.)
///
/// ```no_run
/// use futures_lite::StreamExt;
/// use mqtt_smol::{Client, Options, QoS};
///
/// smol::block_on(async {
///     let client = Client::connect("mqtt://127.0.0.1:1883", Options::new()).await?;
///     client.subscribe([("hello", QoS::AtMostOnce)], |m| {
///         println!("{}: {:?}", m.topic(), m.payload_str());
///     }).await?;
///     client.publish("hello", "Hello, world").await?.await?;
///     client.disconnect().await?;
///     Ok::<(), mqtt_smol::Error>(())
/// })?;
/// # Ok::<(), mqtt_smol::Error>(())
/// ```
///
/// # Dropping the client
/// Dropping the last handle (or returning from `main`) does **not** wait:
/// the client sends DISCONNECT in the background and the process may exit
/// first. Publishes accepted and not yet acknowledged are then lost unless a
/// persistent session resends them, and if DISCONNECT did not reach the
/// broker it publishes the will. Call [`disconnect`](Client::disconnect)
/// before exiting: it waits for in-flight publishes (bounded) and reports in
/// its result what it could not finish.
///
/// # Tasks, not threads
/// A client is two tasks on an executor — the runtime's default one with
/// [`connect`](Client::connect) (smol's global executor, tokio's current
/// runtime), yours with [`connect_with`](Client::connect_with) — and no
/// thread of its own: the driver (owns the socket, feeds the protocol core,
/// sleeps on the runtime's timer) and the dispatcher (runs handlers and
/// callbacks, in order, on the runtime's blocking pool). The futures this
/// type returns wait only on their own result slots, channels and the
/// runtime's timer (tested with `smol`, `futures_lite::future::block_on`
/// and tokio's current-thread and multi-thread runtimes).
///
/// `R` is the runtime: name the client by its runtime crate's alias,
/// `mqtt_smol::Client` or `mqtt_tokio::Client`.
pub struct Client<R> {
    inner: Arc<Inner>,
    _user: Arc<UserToken>,
    _runtime: PhantomData<fn() -> R>,
}

impl<R> Clone for Client<R> {
    fn clone(&self) -> Self {
        Client {
            inner: self.inner.clone(),
            _user: self._user.clone(),
            _runtime: PhantomData,
        }
    }
}

impl<R> std::fmt::Debug for Client<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let g = self.inner.lock();
        f.debug_struct("Client")
            .field("client_id", &g.core.client_id())
            .field("link", &g.link)
            .finish_non_exhaustive()
    }
}

/// Dropped with the last user handle: asks the driver to disconnect.
struct UserToken(Arc<Inner>);

impl Drop for UserToken {
    fn drop(&mut self) {
        self.0.abandoned.store(true, Ordering::Release);
        self.0.wake();
    }
}

/// A publish accepted by the client; a future that resolves when the broker
/// acknowledged it (PUBACK for QoS 1, PUBCOMP for QoS 2; QoS 0 completes when
/// written to the connection).
///
/// An MQTT 5 error reason code resolves to [`Error::Rejected`]. When the
/// connection is lost with no reconnect scheduled it resolves to
/// [`Error::Connection`]: the message stays in the session and is sent again
/// if the client [reconnects](Client::reconnect).
///
/// Dropping the handle does not cancel the publish. Awaiting it again after
/// it resolved gives the same result.
#[derive(Debug)]
#[must_use = "a publish handle reports whether the broker got the message: await it or drop it explicitly"]
pub struct PublishHandle {
    id: PublishId,
    slot: Arc<Slot<PubResult>>,
    flow: Arc<Flow>,
    awaiting: Option<Awaiting>,
    /// The runtime's timer, for [`wait_timeout`](PublishHandle::wait_timeout).
    sleep: fn(Duration) -> Task,
}

/// [`sleep`] on runtime `R`, boxed (a `PublishHandle` is not generic).
fn boxed_sleep<R: Runtime>(d: Duration) -> Task {
    Box::pin(sleep::<R>(d))
}

impl PublishHandle {
    /// The id of this publish (also given to [`Options::on_delivery_complete`]).
    pub fn id(&self) -> PublishId {
        self.id
    }

    /// The result if already known, without waiting.
    pub fn try_result(&mut self) -> Option<PubResult> {
        self.slot.try_get()
    }

    /// Like awaiting the handle, giving up with [`Error::Timeout`] after
    /// `timeout` (the publish itself goes on).
    pub async fn wait_timeout(&mut self, timeout: Duration) -> PubResult {
        let sleep = self.sleep;
        let timer = async move {
            sleep(timeout).await;
            Err(Error::Timeout)
        };
        future::or(&mut *self, timer).await
    }
}

impl Future for PublishHandle {
    type Output = PubResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<PubResult> {
        let this = self.get_mut();
        match this.slot.poll(cx) {
            Poll::Ready(r) => {
                this.awaiting = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                if this.awaiting.is_none() {
                    this.awaiting = Some(Awaiting::new(&this.flow));
                }
                Poll::Pending
            }
        }
    }
}

/// Every message the client receives, as a [`Stream`] (see
/// [`Client::messages`]). Ends when the client is disconnected.
///
/// Messages waiting unread — in the handlers' queue and in every stream —
/// are bounded together by [`Options::incoming_buffer`]: when that many wait,
/// the client stops reading from the socket (nothing is dropped), so an
/// unread stream eventually stalls incoming traffic (while a task awaits an
/// acknowledgement the bound is lifted, up to a hard cap of 16 times the
/// buffer). Drop it when done.
#[derive(Debug)]
pub struct Messages {
    rx: Reader,
}

impl Messages {
    /// The next message if one is buffered, without waiting.
    pub fn try_next(&mut self) -> Option<Message> {
        self.rx.try_next()
    }
}

impl Stream for Messages {
    type Item = Message;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        self.rx.poll_next(cx)
    }
}

/// The messages of one subscription, as a [`Stream`] (see
/// [`Client::subscribe_stream`]), with the broker's [`SubAck`].
///
/// Buffered and bounded like [`Messages`]. Dropping it stops the routing to it
/// (later messages of its filters go to [`Options::on_unhandled`]); it does
/// not unsubscribe.
#[derive(Debug)]
pub struct Subscription {
    ack: SubAck,
    rx: Reader,
    filters: Vec<ByteStr>,
    handler: Handler,
    dispatch: Arc<Dispatch>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut reg = self.dispatch.registry();
        for f in &self.filters {
            reg.remove_if(f, &self.handler);
        }
    }
}

impl Subscription {
    /// The broker's answer to the SUBSCRIBE.
    pub fn ack(&self) -> &SubAck {
        &self.ack
    }

    /// The next message if one is buffered, without waiting.
    pub fn try_next(&mut self) -> Option<Message> {
        self.rx.try_next()
    }
}

impl Stream for Subscription {
    type Item = Message;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        self.rx.poll_next(cx)
    }
}

impl<R: Runtime> Client<R> {
    /// Connects to `url` (`mqtt://host:port`, also `tcp://`; `mqtts://`,
    /// `ws://`, `wss://`) and resolves after a successful CONNACK.
    ///
    /// The connection is driven by two tasks spawned with [`Runtime::spawn`]
    /// (`smol::spawn`, `tokio::spawn`): the driver (socket, timers, protocol core)
    /// and the dispatcher (handlers and callbacks). The client starts no
    /// thread of its own; a thousand clients are two thousand tasks. To run
    /// them on your own executor, use [`connect_with`](Client::connect_with).
    ///
    /// Fails with [`Error::Connection`] when the broker refuses, the connect
    /// timeout passes, or the socket cannot be opened — after trying each
    /// fail-over server ([`Options::server`]) once, or, with a
    /// [reconnect policy](Options::reconnect), when
    /// [`Options::initial_connect_timeout`] passes.
    pub async fn connect(url: &str, options: Options) -> Result<Client<R>, Error> {
        R::start().map_err(|needs| Error::NoRuntime { needs })?;
        super::driver::start::<R>(url, options, &R::spawn).await
    }

    /// Like [`connect`](Client::connect), spawning the connection's two
    /// tasks with `spawn` (any executor that can run `async-io` futures).
    /// The tasks end by themselves once the client is disconnected or every
    /// handle is dropped.
    ///
    /// Handlers and callbacks are called from the runtime's blocking pool (one batch
    /// at a time, in order), never on the executor's threads, so a handler
    /// may block, even on this client's futures.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use mqtt_smol::{Client, Options};
    ///
    /// let ex = Arc::new(smol::Executor::new());
    /// let spawner = ex.clone();
    /// smol::block_on(ex.run(async {
    ///     let client = Client::connect_with("mqtt://127.0.0.1:1883", Options::new(), move |task| {
    ///         spawner.spawn(task).detach()
    ///     })
    ///     .await?;
    ///     client.publish("hello", "Hello, world").await?.await?;
    ///     client.disconnect().await
    /// }))?;
    /// # Ok::<(), mqtt_smol::Error>(())
    /// ```
    pub async fn connect_with(
        url: &str,
        options: Options,
        spawn: impl Fn(Pin<Box<dyn Future<Output = ()> + Send + 'static>>) + Send + Sync,
    ) -> Result<Client<R>, Error> {
        super::driver::start::<R>(url, options, &spawn).await
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Client<R> {
        Client {
            _runtime: PhantomData,
            _user: Arc::new(UserToken(inner.clone())),
            inner,
        }
    }

    /// Waits for the first CONNACK, or until [`FirstConnect::verdict`] gives up.
    pub(crate) async fn wait_connected(&self, how: FirstConnect) -> Result<(), Error> {
        loop {
            let listener = self.inner.changed.listen();
            {
                let g = self.inner.lock();
                if let Some(r) = how.verdict(&g.link, g.failed_attempts, Instant::now()) {
                    return r;
                }
            }
            // Past the deadline an attempt may still be running (bounded by
            // the connect timeout): wait for its outcome, do not spin.
            match how.deadline.filter(|d| *d > Instant::now()) {
                Some(d) => {
                    future::or(listener, async {
                        sleep_until::<R>(d).await;
                    })
                    .await
                }
                None => listener.await,
            }
        }
    }

    /// Publishes `payload` to `topic` with QoS 1, not retained (Machine Head's
    /// defaults). Waits only for room in the publish queue (never for a
    /// message reader); the returned [`PublishHandle`] resolves at the
    /// broker's acknowledgement.
    ///
    /// Caller mistakes (an invalid topic, ...) fail here, at once.
    pub async fn publish(
        &self,
        topic: impl Into<Topic>,
        payload: impl Into<Bytes>,
    ) -> Result<PublishHandle, Error> {
        self.publish_with(Publish::new(topic, payload)).await
    }

    /// Like [`publish`](Client::publish), but fails at once with
    /// [`Error::QueueFull`] when the publish queue is full.
    pub fn try_publish(
        &self,
        topic: impl Into<Topic>,
        payload: impl Into<Bytes>,
    ) -> Result<PublishHandle, Error> {
        self.try_publish_with(Publish::new(topic, payload))
    }

    /// Publishes a message built with [`Publish`] (QoS, retain, MQTT 5
    /// properties), waiting for room in the publish queue.
    pub async fn publish_with(&self, publish: Publish) -> Result<PublishHandle, Error> {
        // This call may wait, so it waits for the lock too: the hand-over is
        // for calls that may not. Without room the publish comes back
        // untouched: no copy of it is made to try.
        let mut publish = match self.submit_or_keep(publish) {
            Attempt::Taken(r) => return r,
            Attempt::NoRoom(p) => p,
        };
        // Room comes with acknowledgements, which may sit behind messages
        // nobody reads yet: lift the incoming bound meanwhile.
        let _awaiting = Awaiting::new(&self.inner.flow);
        loop {
            // Listening before trying again: room made in between is not missed.
            let listener = self.inner.room.listen();
            publish = match self.submit_or_keep(publish) {
                Attempt::Taken(r) => return r,
                Attempt::NoRoom(p) => p,
            };
            listener.await;
        }
    }

    /// Gives `publish` to the core under the client's lock, unless the core
    /// has no room for it (or older publishes wait for room): then it is
    /// given back, as it was.
    fn submit_or_keep(&self, publish: Publish) -> Attempt {
        let inner = &self.inner;
        let slot = Slot::new();
        let id = {
            let mut g = inner.lock();
            if !g.held.is_empty() || !g.core.has_room_for(publish.qos) {
                return Attempt::NoRoom(publish);
            }
            let id = inner.inbox.next_id();
            if let Err(e) = g.publish_as(Instant::now(), id, publish.into_outgoing(), &slot) {
                return Attempt::Taken(Err(e));
            }
            id
        };
        inner.wake();
        Attempt::Taken(Ok(self.handle(id, slot)))
    }

    /// Like [`publish_with`](Client::publish_with), but fails at once with
    /// [`Error::QueueFull`] when the publish queue is full.
    ///
    /// Never waits, not even for the client's lock: while another task or
    /// thread is inside the client (the driver decoding what it read, say),
    /// the publish is handed over through a lock-free queue of 64 and the
    /// next holder of the lock gives it to the protocol core, before
    /// anything else and in the order handed over. Then the core's checks
    /// come later: a publish it refuses (an invalid topic, a QoS the broker
    /// does not allow, ...) resolves its handle with that error instead of
    /// failing this call. It fails with [`Error::QueueFull`] when the
    /// core's queue is full, as the lock's last holder left it (so while
    /// the lock is busy, no more are handed over than that queue had room
    /// for), and when 64 are handed over and not yet taken.
    ///
    /// With [`Options::persistence`] it does wait for the lock (briefly: no
    /// lock holder waits for I/O but the store's), since the publish must be
    /// in the store when this returns.
    pub fn try_publish_with(&self, publish: Publish) -> Result<PublishHandle, Error> {
        self.submit(publish)
    }

    /// Gives `publish` to the core under the client's lock; when the lock
    /// is busy, through the hand-over instead.
    fn submit(&self, publish: Publish) -> Result<PublishHandle, Error> {
        let inner = &self.inner;
        let id = inner.inbox.next_id();
        let slot = Slot::new();
        let now = Instant::now();
        // With persistence the publish must be on disk when this returns:
        // wait for the lock rather than hand it over.
        let lock = if inner.durable {
            Some(inner.lock())
        } else {
            inner.try_lock()
        };
        match lock {
            Some(mut g) => {
                if !g.held.is_empty() {
                    // Older publishes wait for room: this one may not pass them.
                    return Err(Error::QueueFull {
                        max: g.core.config().max_queued,
                    });
                }
                g.publish_as(now, id, publish.into_outgoing(), &slot)?;
            }
            None => {
                // The lock is busy (the driver is in a turn): hand it over
                // rather than wait; the next holder gives it to the core.
                let s = Submitted {
                    id,
                    publish: publish.into_outgoing(),
                    slot: slot.clone(),
                    accepted_at: now,
                };
                if inner.inbox.push(s).is_err() {
                    return Err(Error::QueueFull {
                        max: inner.max_queued,
                    });
                }
                // The driver may have left for good after its last look at
                // the inbox: then nobody else will take the lock.
                std::sync::atomic::fence(Ordering::SeqCst);
                if inner.finished.load(Ordering::SeqCst) {
                    drop(inner.lock());
                }
            }
        }
        inner.wake();
        Ok(self.handle(id, slot))
    }

    /// The handle of the publish `id`, answered through `slot`.
    fn handle(&self, id: PublishId, slot: Arc<Slot<PubResult>>) -> PublishHandle {
        PublishHandle {
            id,
            slot,
            flow: self.inner.flow.clone(),
            awaiting: None,
            sleep: boxed_sleep::<R>,
        }
    }

    /// Subscribes to `filters` (each with its maximum QoS) and routes their
    /// messages to `handler`, run by the dispatcher. Resolves with the
    /// broker's SUBACK codes (granted QoS or failure per filter).
    ///
    /// The routing rule (the same in every adapter): `handler` is attached to these `filters`;
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
    /// put back). Handlers run on the blocking pool, one message at a
    /// time, in arrival order; they survive reconnects, and the
    /// subscriptions are restored when a reconnect finds the session gone.
    pub async fn subscribe<I, T>(
        &self,
        filters: I,
        handler: impl FnMut(&Message) + Send + 'static,
    ) -> Result<SubAck, Error>
    where
        I: IntoIterator<Item = (T, QoS)>,
        T: Into<Topic>,
    {
        self.subscribe_with(
            crate::subscribe_filters(filters),
            Properties::default(),
            handler,
        )
        .await
    }

    /// Subscribes with full MQTT 5 subscription options (no local, retain as
    /// published, retain handling) and SUBSCRIBE properties (a subscription
    /// identifier, user properties).
    pub async fn subscribe_with(
        &self,
        filters: Vec<SubscribeFilter>,
        properties: Properties,
        handler: impl FnMut(&Message) + Send + 'static,
    ) -> Result<SubAck, Error> {
        self.subscribe_handler(filters, properties, Handler::new(handler))
            .await
    }

    /// Subscribes to `filters` and returns their messages as a [`Stream`]
    /// (together with the SUBACK), instead of calling a handler.
    ///
    /// ```no_run
    /// use futures_lite::StreamExt;
    /// use mqtt_smol::{Client, Options, QoS};
    /// # smol::block_on(async {
    /// let client = Client::connect("mqtt://127.0.0.1:1883", Options::new()).await?;
    /// let mut temps = client.subscribe_stream([("sensors/+/temp", QoS::AtLeastOnce)]).await?;
    /// while let Some(m) = temps.next().await {
    ///     println!("{}: {:?}", m.topic(), m.payload_str());
    /// }
    /// # Ok::<(), mqtt_smol::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn subscribe_stream<I, T>(&self, filters: I) -> Result<Subscription, Error>
    where
        I: IntoIterator<Item = (T, QoS)>,
        T: Into<Topic>,
    {
        self.subscribe_stream_with(crate::subscribe_filters(filters), Properties::default())
            .await
    }

    /// [`subscribe_stream`](Client::subscribe_stream) with full subscription
    /// options and SUBSCRIBE properties.
    pub async fn subscribe_stream_with(
        &self,
        filters: Vec<SubscribeFilter>,
        properties: Properties,
    ) -> Result<Subscription, Error> {
        let (tx, rx) = queue(&self.inner.flow);
        let queue: Arc<dyn Sink> = Arc::new(tx);
        self.inner.dispatch.add_stream(&queue);
        // Never waits (see `Queue`).
        let handler = Handler::stream(queue);
        let names: Vec<ByteStr> = filters.iter().map(|f| f.filter.clone()).collect();
        let ack = self
            .subscribe_handler(filters, properties, handler.clone())
            .await?;
        Ok(Subscription {
            ack,
            rx,
            filters: names,
            handler,
            dispatch: self.inner.dispatch.clone(),
        })
    }

    async fn subscribe_handler(
        &self,
        filters: Vec<SubscribeFilter>,
        properties: Properties,
        handler: Handler,
    ) -> Result<SubAck, Error> {
        let names: Vec<ByteStr> = filters.iter().map(|f| f.filter.clone()).collect();
        let (rx, previous) = {
            let mut g = self.inner.lock();
            if let Link::Closed = g.link {
                return Err(Error::Closed);
            }
            // Install the handlers first: a persistent session may deliver
            // before SUBACK, and those messages must find them.
            let previous: Vec<Option<Handler>> = {
                let mut reg = self.inner.dispatch.registry();
                names
                    .iter()
                    .map(|f| reg.insert(f, handler.clone()))
                    .collect()
            };
            let id = match g.core.subscribe(Instant::now(), filters, properties) {
                Ok(id) => id,
                Err(e) => {
                    let mut reg = self.inner.dispatch.registry();
                    for (f, p) in names.iter().zip(previous) {
                        reg.restore(f, &handler, p);
                    }
                    return Err(e.into());
                }
            };
            let (tx, rx) = async_channel::bounded(1);
            g.register_request(id, tx);
            drop(g);
            self.inner.wake();
            (rx, previous)
        };
        let result = self.await_request(rx).await;
        if let Ok(ack) = &result {
            // Filters the broker refused get their previous handler back (or none).
            let mut reg = self.inner.dispatch.registry();
            for ((f, code), p) in names.iter().zip(&ack.codes).zip(previous) {
                if code.is_error() {
                    reg.restore(f, &handler, p);
                }
            }
        }
        result
    }

    async fn await_request(&self, rx: Receiver<ReqResult>) -> ReqResult {
        let _awaiting = Awaiting::new(&self.inner.flow);
        let answer = async {
            match rx.recv().await {
                Ok(r) => r,
                Err(_) => Err(Error::Closed),
            }
        };
        match self.inner.request_timeout {
            Some(t) => {
                future::or(answer, async {
                    sleep::<R>(t).await;
                    Err(Error::Timeout)
                })
                .await
            }
            None => answer.await,
        }
    }

    /// Unsubscribes from `filters` and removes their handlers (at once, as in
    /// `mqtt-std`: no handler of these filters runs after this call starts;
    /// copies still in flight go to [`Options::on_unhandled`]).
    /// Resolves with the UNSUBACK reason codes (MQTT 5; empty before).
    pub async fn unsubscribe<I, T>(&self, filters: I) -> Result<SubAck, Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<Topic>,
    {
        self.unsubscribe_with(filters, Properties::default()).await
    }

    /// [`unsubscribe`](Client::unsubscribe) with MQTT 5 UNSUBSCRIBE properties.
    pub async fn unsubscribe_with<I, T>(
        &self,
        filters: I,
        properties: Properties,
    ) -> Result<SubAck, Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<Topic>,
    {
        let names: Vec<ByteStr> = filters.into_iter().map(|f| f.into().into_inner()).collect();
        let rx = {
            let mut g = self.inner.lock();
            if let Link::Closed = g.link {
                return Err(Error::Closed);
            }
            let id = g
                .core
                .unsubscribe(Instant::now(), names.clone(), properties)?;
            {
                let mut reg = self.inner.dispatch.registry();
                for f in &names {
                    reg.remove(f);
                }
            }
            let (tx, rx) = async_channel::bounded(1);
            g.register_request(id, tx);
            drop(g);
            self.inner.wake();
            rx
        };
        self.await_request(rx).await
    }

    /// A stream of every message this client receives, whether or not a
    /// handler matched it. Each call returns a new stream that sees the
    /// messages from then on.
    pub fn messages(&self) -> Messages {
        let (tx, rx) = queue(&self.inner.flow);
        // When the dispatcher already exited, the stream ends at once.
        self.inner.dispatch.add_sink(Arc::new(tx));
        Messages { rx }
    }

    /// Acknowledges a message received with [`Options::manual_acks`] on
    /// (PUBACK for QoS 1, PUBREC for QoS 2). A message that needs no
    /// acknowledgement (QoS 0, or automatic acks) is accepted as a no-op.
    pub fn ack(&self, message: &Message) -> Result<(), Error> {
        let Some(token) = message.ack_token() else {
            return Ok(());
        };
        self.inner.lock().core.ack(Instant::now(), token)?;
        self.inner.wake();
        Ok(())
    }

    /// The id the next publish will get ([`PublishHandle::id`]). Ids count up
    /// from 1; with [`Options::persistence`] they continue across restarts,
    /// so a program killed at any moment can tell how many messages it handed
    /// over before: each one whose `publish` returned is in the store (or
    /// already delivered), and none after it is.
    pub fn next_publish_id(&self) -> PublishId {
        self.inner.inbox.peek_id()
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

    /// The facts of the current connection's CONNACK (session present, the
    /// server, the protocol version, and in MQTT 5 the broker's properties:
    /// assigned client id, server keep alive, Receive Maximum, Maximum
    /// Packet Size, ...); `None` while not connected.
    pub fn connection(&self) -> Option<ConnectInfo> {
        self.inner.lock().connection.clone()
    }

    /// Test support (feature `testing`): holds the client's lock for `d` on
    /// the calling thread, as a driver turn that the scheduler parked
    /// would, calling `locked` once it holds it. Not for applications.
    #[cfg(feature = "testing")]
    #[doc(hidden)]
    pub fn hold_lock_for_tests(&self, d: Duration, locked: impl FnOnce()) {
        // Dropped in reverse order: the lock, then the release's notification.
        let _release = Release(&self.inner.unlocked);
        let _g = self.inner.state.lock().unwrap_or_else(|e| e.into_inner());
        locked();
        std::thread::sleep(d);
    }

    /// Whether the broker accepted the current connection (CONNACK) and it
    /// has not been lost since.
    pub fn is_connected(&self) -> bool {
        matches!(self.inner.lock().link, Link::Connected)
    }

    /// Publishes accepted and not yet completed (in flight or queued).
    pub fn pending_deliveries(&self) -> usize {
        self.inner.lock().core.pending_publishes()
    }

    /// The client identifier in use (configured, generated, or assigned by an
    /// MQTT 5 broker).
    pub fn client_id(&self) -> String {
        self.inner.lock().core.client_id().to_owned()
    }

    /// Starts an MQTT 5 re-authentication (AUTH with reason Re-authenticate)
    /// with the [`Authenticator`](crate::api::Authenticator) set in the options
    /// (`Options::configure(|c| c.authenticator = ...)`); the exchange then
    /// runs in the background. Returns once the AUTH is queued. Its success
    /// is reported to [`Options::on_reauthenticated`](crate::Options::on_reauthenticated)
    /// with the broker's final AUTH properties. A broker or
    /// authenticator that refuses it ends the connection, reported like any
    /// other loss with [`ConnectionError::Auth`](crate::api::ConnectionError::Auth).
    ///
    /// Refused at once with [`Error::Reauth`] without an authenticator or
    /// MQTT 5, while not connected, or while an exchange is running.
    pub fn reauthenticate(&self) -> Result<(), Error> {
        self.inner.lock().core.reauthenticate(Instant::now())?;
        self.inner.wake();
        Ok(())
    }

    /// Connects again after the connection was lost with no automatic
    /// reconnect scheduled (a no-op while connecting or connected). Queued and
    /// in-flight publishes of the session go out after CONNACK.
    pub fn reconnect(&self) -> Result<(), Error> {
        let mut g = self.inner.lock();
        if let Link::Closed = g.link {
            return Err(Error::Closed);
        }
        g.core.connect(Instant::now());
        drop(g);
        self.inner.wake();
        Ok(())
    }

    /// Disconnects gracefully: waits up to [`DEFAULT_DISCONNECT_TIMEOUT`] for
    /// in-flight publishes to complete, sends DISCONNECT and closes the
    /// connection. Resolves once the broker has closed its side too (at most
    /// 5 s: the broker is then done with the session, so a new connection
    /// with the same client id cannot race the old one).
    pub async fn disconnect(&self) -> Result<(), Error> {
        self.disconnect_timeout(DEFAULT_DISCONNECT_TIMEOUT).await
    }

    /// Like [`disconnect`](Client::disconnect), waiting at most `timeout` for
    /// in-flight publishes (they stay in the session if it runs out).
    pub async fn disconnect_timeout(&self, timeout: Duration) -> Result<(), Error> {
        self.disconnect_with(timeout, DisconnectOptions::default())
            .await
    }

    /// Like [`disconnect_timeout`](Client::disconnect_timeout), with an MQTT 5
    /// reason code and properties (for example
    /// [`ReasonCode::DisconnectWithWillMessage`](crate::api::ReasonCode::DisconnectWithWillMessage)).
    pub async fn disconnect_with(
        &self,
        timeout: Duration,
        options: DisconnectOptions,
    ) -> Result<(), Error> {
        let deadline = Instant::now().checked_add(timeout);
        // Let publishes in flight finish, while they still can; their
        // acknowledgements may sit behind unread messages.
        let _awaiting = Awaiting::new(&self.inner.flow);
        let mut pending = 0;
        loop {
            let listener = self.inner.changed.listen();
            {
                let g = self.inner.lock();
                if g.core.pending_publishes() == 0 || g.link.terminal().is_some() {
                    break;
                }
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    pending = g.core.pending_publishes();
                    break;
                }
            }
            match deadline {
                Some(d) if Instant::now() >= d => break,
                Some(d) => {
                    future::or(listener, async {
                        sleep_until::<R>(d).await;
                    })
                    .await
                }
                None => listener.await,
            }
        }
        {
            let mut g = self.inner.lock();
            if !matches!(g.link, Link::Closed) {
                match g.core.disconnect(Instant::now(), options) {
                    // Already closing (the core was told before): wait for it.
                    Ok(()) | Err(DisconnectError::AlreadyClosed) => {}
                    Err(e) => return Err(Error::Disconnect(e)),
                }
            }
        }
        self.inner.wake();
        self.closed().await;
        let unsent = self.inner.lock().close_cut_short;
        if pending > 0 || unsent {
            return Err(Error::DisconnectIncomplete { pending, unsent });
        }
        Ok(())
    }

    /// Drops the connection at once, without DISCONNECT, as if the process had
    /// died: the broker publishes the will. Nothing more is sent; in-flight
    /// publishes fail with [`Error::Closed`]. Resolves once the socket is
    /// closed. Meant for tests and for simulating failures.
    pub async fn abort(&self) {
        self.inner.aborted.store(true, Ordering::Release);
        self.inner.wake();
        self.closed().await;
    }

    /// Resolves when the driver has exited (after DISCONNECT, the socket closed).
    pub(crate) async fn closed(&self) {
        loop {
            let listener = self.inner.changed.listen();
            if self.inner.finished.load(Ordering::Acquire) {
                return;
            }
            listener.await;
        }
    }
}
