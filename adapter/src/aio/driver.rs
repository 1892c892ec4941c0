//! The driver: one `async-io` task, on a thread of its own, that owns the
//! socket of the current connection and the protocol core's inputs.
//!
//! Its loop is the core's contract: after every input (bytes, a transport
//! event, a timer, a client call), drain every output (bytes to write,
//! transport requests, events), then wait for the next input. It makes no
//! protocol decision: events are routed to waiters and to the dispatcher.

use super::client::{Client, CoreAcker, Inner, Link, PubResult, State};
use super::flow::Flow;
use super::runtime::{Runtime, Socket, Task, Timer};
use crate::dispatch::{Dispatch, Dispatcher, Item};
use crate::event::{translate, Routed};
use crate::{Delivery, Error, Options, Server};
use async_channel::Sender;
use bytes::{Buf, BytesMut};
use event_listener::EventListener;
use mqtt_sansio::client::{Client as Core, Event, TransportCommand};
use mqtt_sansio::codec::{Properties, SubscribeFilter, SubscriptionOptions};
use mqtt_transport::{Transport, TransportError, TransportOptions};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Bytes waiting to be written above which the driver stops taking bytes from
/// the core (which then queues them, bounded by its own limits).
const MAX_UNWRITTEN: usize = 256 * 1024;

/// Items handed to the handlers in one trip to the `blocking` pool.
const DISPATCH_BATCH: usize = 64;

/// Size of one socket read.
const READ_CHUNK: usize = 16 * 1024;

/// How long a closing connection may take to flush its last bytes and see the
/// broker close its side.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// What woke the driver.
enum Input<S> {
    /// The connect attempt of connection `generation` to server `server` finished.
    Opened(u64, usize, io::Result<S>),
    /// Bytes were read into the read buffer.
    Data,
    /// The current connection ended (end of stream, or the error).
    Closed(Option<io::Error>),
    /// Something changed that needs no input for the core: a client call,
    /// written bytes, room for the dispatcher, a flushed closing connection.
    Progress,
    /// The timer fired.
    Timer,
}

type Opening<S> = Pin<Box<dyn Future<Output = io::Result<S>> + Send>>;

/// One open connection.
struct Conn<S> {
    stream: S,
    /// TLS / WebSocket layers; `None` for plain TCP.
    transport: Option<Transport>,
    /// `handle_connected` was called (the transport's handshakes are done).
    announced: bool,
    /// Bytes to write to the socket, in order.
    wbuf: BytesMut,
    /// The core may have more to send once `wbuf` drains below the limit.
    throttled: bool,
    /// Closing after our DISCONNECT: wait for the broker to close its side.
    await_server: bool,
    /// Our side is shut down for writing (closing gracefully).
    half_closed: bool,
}

struct Driver<R: Runtime> {
    inner: Arc<Inner>,
    flow: Arc<Flow>,
    servers: Vec<Server>,
    generation: u64,
    opening: Option<(u64, usize, Opening<R::Socket>)>,
    conn: Option<Conn<R::Socket>>,
    /// A connection the core asked to close, flushing its last bytes until the deadline.
    closing: Option<(Conn<R::Socket>, Instant)>,
    dispatch: Sender<Item>,
    /// Servers of the attempts opened whose end is not logged yet, oldest
    /// first (a fail-over opens the next before the loss is routed).
    attempts: std::collections::VecDeque<usize>,
    /// The dispatcher, shared with its task (see [`Driver::dispatch_items`]).
    dispatcher: Arc<Mutex<Dispatcher>>,
    /// Items sent to the dispatcher task and not yet handled.
    backlog: Arc<AtomicUsize>,
    /// Items for the dispatcher from this turn, given to it once the lock
    /// on the core is released: handling one may acknowledge a message
    /// through the core.
    items: Vec<Item>,
    wants_deliveries: bool,
    /// The socket error behind the next `ConnectionLost`, if any.
    io_error: Option<Arc<io::Error>>,
    /// The TLS / WebSocket error behind the next `ConnectionLost`, if any.
    transport_error: Option<TransportError>,
    transport_options: TransportOptions,
    /// Received bytes: each read is split off and handed to the core (plain
    /// TCP: no copy) or to the transport layers.
    read_buf: BytesMut,
    plain: BytesMut,
    out: BytesMut,
    timer: R::Timer,
    timer_at: Option<Instant>,
    flow_listener: Option<EventListener>,
    /// DISCONNECT was requested because every handle is gone.
    abandoning: bool,
}

fn store_misuse(what: &str) -> Error {
    Error::Store(Arc::new(io::Error::new(
        io::ErrorKind::InvalidInput,
        what.to_owned(),
    )))
}

/// Durable sessions: opens the store and rebuilds the session it holds.
fn open_durable(
    config: mqtt_sansio::client::Config,
    p: crate::store::Persistence,
) -> Result<(Core<Instant>, crate::store::Durable), Error> {
    if config.client_id.is_empty() {
        return Err(store_misuse(
            "persistence needs a fixed client id (Options::client_id)",
        ));
    }
    if config.clean_start {
        return Err(store_misuse(
            "persistence needs a persistent session (Options::clean_session(false))",
        ));
    }
    let mut durable = p
        .open(&config.client_id)
        .map_err(|e| Error::Store(Arc::new(e)))?;
    let records = durable
        .store
        .load()
        .map_err(|e| Error::Store(Arc::new(e)))?;
    let core = Core::<Instant>::restore_stored(
        config.durable(true),
        records.iter().map(|(k, v)| (*k, &v[..])),
        Instant::now(),
    )
    .map_err(Error::Restore)?;
    Ok((core, durable))
}

/// Builds the client, spawns its two tasks with `spawn` and waits for the
/// first CONNACK. No thread of its own.
pub(crate) async fn start<R: Runtime>(
    url: &str,
    options: Options,
    spawn: &(dyn Fn(Task) + Send + Sync),
) -> Result<Client<R>, Error> {
    R::available().map_err(|needs| Error::NoRuntime { needs })?;
    let mut options = options.into_parts();
    let servers = crate::servers(url, &options.extra_servers)?;
    options.config.server_count = servers.len();
    // TLS options that cannot work (an unreadable CA file...) are the
    // caller's mistake: report them now rather than on every attempt.
    for s in &servers {
        s.transport(&options.transport).map_err(Error::Transport)?;
    }
    if options.config.seed == 0 {
        options.config.seed = seed();
    }
    let initial = std::mem::take(&mut options.initial_subscriptions);
    let how = crate::FirstConnect::new(
        &options.config,
        servers.len(),
        options.initial_connect_timeout,
    );
    let (mut core, durable) = match (options.session.take(), options.persistence.take()) {
        (Some(_), Some(_)) => {
            return Err(store_misuse(
                "restore_session and persistence cannot be used together",
            ))
        }
        (Some(snapshot), None) => (
            Core::<Instant>::restore(options.config, &snapshot, Instant::now())
                .map_err(Error::Restore)?,
            None,
        ),
        (None, Some(p)) => {
            let (core, durable) = open_durable(options.config, p)?;
            (core, Some(durable))
        }
        (None, None) => (Core::<Instant>::new(options.config)?, None),
    };
    let now = Instant::now();
    if !initial.is_empty() {
        // Handlers declared in the options: subscribe before CONNECT goes
        // out, so the SUBSCRIBE follows it on the wire and messages of a
        // persistent session find their handler from the first packet.
        let filters = initial
            .into_iter()
            .map(|(filter, qos)| SubscribeFilter {
                filter,
                options: SubscriptionOptions::new(qos),
            })
            .collect();
        core.subscribe(now, filters, Properties::default())?;
    }
    core.connect(now);

    let (dispatch_tx, dispatch_rx) = async_channel::unbounded();
    let flow = Arc::new(Flow::new(options.incoming_buffer));
    let shared = Arc::new(Dispatch::new(options.registry));
    let wants_deliveries = options.callbacks.wants_deliveries();
    let inner = Arc::new(Inner::new(
        core,
        flow.clone(),
        shared.clone(),
        options.request_timeout,
        durable,
    ));
    let client = Client::<R>::from_inner(inner.clone());
    shared.set_acker(
        Arc::new(CoreAcker(Arc::downgrade(&inner))),
        options.manual_acks,
    );

    let callbacks = options.callbacks;
    let dflow = flow.clone();
    // Handlers and callbacks are ordinary closures that may block, even on
    // this client's futures: they run on the runtime's blocking pool (shared
    // by the process, threads made on demand and ended when idle), one batch
    // at a time and in order, never on the executor that runs the driver.
    // Items that run no user code (messages for streams only, events without
    // a callback) are handled on this task: no trip to the pool.
    // The dispatcher, shared with the driver: an item that runs no user code
    // and finds nothing ahead of it (`backlog` is 0: every item sent to the
    // dispatcher task is handled) is handled by the driver itself, on its
    // own task, without the lock on the core: no channel, no task woken.
    let dispatcher = Arc::new(Mutex::new(Dispatcher::new(shared, callbacks)));
    let backlog = Arc::new(AtomicUsize::new(0));
    let (tdispatcher, tbacklog) = (dispatcher.clone(), backlog.clone());
    spawn(Box::pin(async move {
        let mut batch = Vec::with_capacity(DISPATCH_BATCH);
        while let Ok(first) = dispatch_rx.recv().await {
            batch.push(first);
            while batch.len() < DISPATCH_BATCH {
                match dispatch_rx.try_recv() {
                    Ok(item) => batch.push(item),
                    Err(_) => break,
                }
            }
            let n = batch.len();
            // In order: the items before the first one that runs user code
            // here, that one and the rest on the pool.
            let mut rest = Vec::new();
            {
                let mut d = lock(&tdispatcher);
                let mut items = batch.drain(..);
                for item in items.by_ref() {
                    if let Some(item) = d.try_handle(item) {
                        rest.push(item);
                        break;
                    }
                }
                rest.extend(items);
            }
            if !rest.is_empty() {
                let d = tdispatcher.clone();
                R::unblock(move || {
                    let mut d = lock(&d);
                    for item in rest {
                        d.handle(item);
                    }
                })
                .await;
            }
            tbacklog.fetch_sub(n, Ordering::Release);
            dflow.dequeued(n);
        }
        lock(&tdispatcher).finish();
    }));
    let driver = Driver::<R> {
        inner,
        flow,
        servers,
        generation: 0,
        opening: None,
        conn: None,
        closing: None,
        dispatch: dispatch_tx,
        attempts: std::collections::VecDeque::new(),
        dispatcher,
        backlog,
        items: Vec::new(),
        wants_deliveries,
        io_error: None,
        transport_error: None,
        transport_options: options.transport,
        read_buf: BytesMut::new(),
        plain: BytesMut::new(),
        out: BytesMut::new(),
        timer: R::timer(None),
        timer_at: None,
        flow_listener: None,
        abandoning: false,
    };
    spawn(Box::pin(driver.run()));

    match client.wait_connected(how).await {
        Ok(()) => Ok(client),
        Err(e) => {
            // Stop the threads; the failure is what the caller gets.
            let _ = client.disconnect_timeout(Duration::ZERO).await;
            Err(e)
        }
    }
}

/// The dispatcher, locked. Handlers run under `catch_unwind`: nothing
/// poisons the lock but a bug of ours, and the dispatcher's state is still
/// whole then.
fn lock(d: &Mutex<Dispatcher>) -> std::sync::MutexGuard<'_, Dispatcher> {
    d.lock().unwrap_or_else(|e| e.into_inner())
}

/// A seed for the core's randomness (generated client ids, reconnect jitter),
/// from the standard library's per-process random hash keys and the clock.
fn seed() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish() | 1
}

impl<R: Runtime> Driver<R> {
    async fn run(mut self) {
        let inner = self.inner.clone();
        loop {
            let done = {
                let mut g = inner.lock_async().await;
                let now = Instant::now();
                if inner.abandoned.load(Ordering::Acquire)
                    && !self.abandoning
                    && !matches!(g.link, Link::Closed)
                {
                    self.abandoning = true;
                    crate::log_dropped(g.core.client_id(), g.core.pending_publishes());
                    // Default options are valid for every protocol version.
                    let _ = g.core.disconnect(now, Default::default());
                }
                if inner.aborted.swap(false, Ordering::AcqRel) {
                    self.abort(&mut g, now);
                }
                if g.core.poll_timeout().is_some_and(|d| d <= now) {
                    g.core.handle_timeout(now);
                }
                self.drain(&mut g, now);
                self.arm_timer(g.core.poll_timeout());
                matches!(g.link, Link::Closed) && self.conn.is_none() && self.closing.is_none()
            };
            self.dispatch_items();
            inner.changed.notify(usize::MAX);
            if done {
                break;
            }
            let input = futures_lite::future::poll_fn(|cx| self.poll_input(cx)).await;
            let mut g = inner.lock_async().await;
            self.handle(&mut g, input, Instant::now());
            drop(g);
            self.dispatch_items();
        }
        {
            let mut g = inner.lock();
            g.fail_waiters(&Error::Closed);
            let now = Instant::now();
            let _ = g.persist(now, crate::store::By::Driver);
            if let Some(d) = g.durable.as_mut() {
                d.close();
            }
        }
        inner.finished.store(true, Ordering::SeqCst);
        // A publish handed over before `finished` was set is taken here (it
        // fails with `Closed`); one handed over later sees `finished` and
        // takes the lock itself (`Client::try_publish_with`).
        std::sync::atomic::fence(Ordering::SeqCst);
        drop(inner.lock());
        inner.changed.notify(usize::MAX);
        inner.room.notify(usize::MAX);
        // Dropping `self.dispatch` lets the dispatcher finish and the streams end.
    }

    fn arm_timer(&mut self, core_deadline: Option<Instant>) {
        let grace = self.closing.as_ref().map(|(_, d)| *d);
        let at = match (core_deadline, grace) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // Lazy: keep-alive moves later with every packet sent, and moving a
        // timer costs the reactor work (async-io: a re-insert and a wake of
        // its thread). Re-arm only for an earlier deadline; a timer that then
        // fires early finds nothing due, and is armed for the real deadline
        // (`timer_at` is cleared when it fires). A timer no longer needed
        // fires once for nothing.
        let earlier = match (at, self.timer_at) {
            (Some(new), Some(armed)) => new < armed,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if earlier {
            self.timer_at = at;
            self.timer.set(at);
        }
    }

    /// Waits for the next input. Writes pending bytes meanwhile.
    fn poll_input(&mut self, cx: &mut Context<'_>) -> Poll<Input<R::Socket>> {
        if let Some((generation, server, fut)) = &mut self.opening {
            if let Poll::Ready(r) = fut.as_mut().poll(cx) {
                let input = Input::Opened(*generation, *server, r);
                self.opening = None;
                return Poll::Ready(input);
            }
        }
        if let Some((c, _)) = &mut self.closing {
            if poll_graceful_close(c, cx).is_ready() {
                self.closing = None;
                return Poll::Ready(Input::Progress);
            }
        }
        if let Some(conn) = &mut self.conn {
            match poll_flush(conn, cx) {
                Poll::Ready(Err(e)) => return Poll::Ready(Input::Closed(Some(e))),
                Poll::Ready(Ok(())) if conn.throttled => {
                    conn.throttled = false;
                    return Poll::Ready(Input::Progress);
                }
                _ => {}
            }
            if self.flow.may_read() {
                self.flow_listener = None;
                if self.read_buf.capacity() - self.read_buf.len() < READ_CHUNK / 4 {
                    // What was read before is split off (and may live on as
                    // message payloads): this takes a fresh allocation, or
                    // reclaims the old one once nothing refers to it.
                    self.read_buf.reserve(READ_CHUNK);
                }
                match conn.stream.poll_read_buf(cx, &mut self.read_buf) {
                    Poll::Ready(Ok(0)) => return Poll::Ready(Input::Closed(None)),
                    Poll::Ready(Ok(_)) => return Poll::Ready(Input::Data),
                    Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {
                        cx.waker().wake_by_ref();
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Input::Closed(Some(e))),
                    Poll::Pending => {}
                }
            } else {
                // Paused: wait until the dispatcher makes room (or the bound is lifted).
                let flow = &self.flow;
                let listener = self.flow_listener.get_or_insert_with(|| flow.listen());
                if flow.may_read() || Pin::new(listener).poll(cx).is_ready() {
                    self.flow_listener = None;
                    return Poll::Ready(Input::Progress);
                }
            }
        }
        if self.inner.driver.poll(cx).is_ready() {
            return Poll::Ready(Input::Progress);
        }
        if self.timer.poll_fired(cx).is_ready() {
            self.timer_at = None;
            return Poll::Ready(Input::Timer);
        }
        Poll::Pending
    }

    fn handle(&mut self, g: &mut State, input: Input<R::Socket>, now: Instant) {
        match input {
            Input::Opened(generation, server, result) => {
                if generation != self.generation {
                    return;
                }
                match result {
                    Ok(stream) => self.attach(g, server, stream, now),
                    Err(e) => self.lost_transport(g, now, Some(e)),
                }
            }
            Input::Data => {
                let Some(conn) = self.conn.as_mut() else {
                    self.read_buf.clear();
                    return;
                };
                let Some(t) = conn.transport.as_mut() else {
                    g.core.handle_data_owned(now, self.read_buf.split());
                    if self.read_buf.capacity() < READ_CHUNK / 4 {
                        // The next read needs a fresh buffer. Start it with the
                        // partial packet the core holds (a copy of a few bytes),
                        // so the core gets one contiguous buffer again rather
                        // than copying the whole next read to join the two.
                        self.read_buf = g.core.take_partial();
                        self.read_buf.reserve(READ_CHUNK);
                    }
                    return;
                };
                let r = t.handle_received(&self.read_buf);
                self.read_buf.clear();
                match r {
                    Ok(()) => self.pump_transport(g, now),
                    Err(e) => self.lost_layer(g, now, e),
                }
            }
            Input::Closed(e) => {
                // End of stream: let TLS tell a truncation attack from a clean close;
                // a reset during a TLS handshake: let the transport say so.
                let t = self.conn.as_mut().and_then(|c| c.transport.as_mut());
                let explained = match (&e, t) {
                    (None, Some(t)) => t.handle_eof().err(),
                    (Some(err), Some(t)) => t.handle_socket_error(err).err(),
                    (_, None) => None,
                };
                if let Some(te) = explained {
                    return self.lost_layer(g, now, te);
                }
                self.lost_transport(g, now, e)
            }
            Input::Progress => {}
            Input::Timer => {
                if let Some((c, d)) = &self.closing {
                    if *d <= now {
                        // The broker did not take the last bytes in time: drop them.
                        g.close_cut_short |= !c.wbuf.is_empty();
                        self.closing = None;
                    }
                }
            }
        }
    }

    /// The TCP connection is open: set up the transport layers.
    fn attach(&mut self, g: &mut State, server: usize, stream: R::Socket, now: Instant) {
        if let Some(s) = self.servers.get(server) {
            super::logs::socket_open(g.core.client_id(), s.url(), !s.is_plain_tcp());
        }
        let transport = match self.servers.get(server) {
            // Plain TCP: bytes pass unchanged, no transport layers.
            Some(s) if s.is_plain_tcp() => None,
            Some(s) => match s.transport(&self.transport_options) {
                Ok(t) => Some(t),
                Err(e) => return self.lost_layer(g, now, e),
            },
            // The core only asks for indices below `server_count`.
            None => return self.lost_transport(g, now, None),
        };
        self.conn = Some(Conn {
            stream,
            transport,
            announced: false,
            wbuf: BytesMut::new(),
            throttled: false,
            await_server: false,
            half_closed: false,
        });
        self.pump_transport(g, now);
    }

    /// Moves what the transport layers produced: plaintext to the core,
    /// handshake bytes to the socket; announces the connection to the core
    /// once the handshakes are done.
    fn pump_transport(&mut self, g: &mut State, now: Instant) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        let Some(t) = conn.transport.as_mut() else {
            if !conn.announced {
                conn.announced = true;
                g.core.handle_connected(now);
            }
            return;
        };
        if let Err(e) = t.poll_send(&mut conn.wbuf) {
            return self.lost_layer(g, now, e);
        }
        if !conn.announced && t.is_ready() {
            conn.announced = true;
            if let Some(s) = self.attempts.front().and_then(|&i| self.servers.get(i)) {
                super::logs::handshake_done(g.core.client_id(), s.url());
            }
            g.core.handle_connected(now);
        }
        match t.read_plaintext(&mut self.plain) {
            Ok(_) => {
                if !self.plain.is_empty() {
                    g.core.handle_data(now, &self.plain);
                    self.plain.clear();
                }
            }
            Err(e) => self.lost_layer(g, now, e),
        }
    }

    /// [`Client::abort`]: close the socket without a word, then stop for good.
    fn abort(&mut self, g: &mut State, now: Instant) {
        // Dropping the socket closes it, as the end of the process would.
        self.conn = None;
        self.opening = None;
        self.closing = None;
        g.core.handle_closed(now);
        // Not connected any more, so this sends nothing; it ends any reconnect
        // and emits `Closed`. Default options are valid for every version.
        let _ = g.core.disconnect(now, Default::default());
    }

    /// A TLS or WebSocket error ended the current connection.
    fn lost_layer(&mut self, g: &mut State, now: Instant, e: TransportError) {
        self.transport_error = Some(e);
        self.lost_transport(g, now, None);
    }

    /// The transport of the current connection failed or closed: tell the core.
    fn lost_transport(&mut self, g: &mut State, now: Instant, err: Option<io::Error>) {
        self.io_error = err.map(Arc::new);
        self.conn = None;
        self.opening = None;
        g.core.handle_closed(now);
    }

    /// Drains every output of the core: bytes, transport requests, events.
    fn drain(&mut self, g: &mut State, now: Instant) {
        loop {
            // Durable sessions: what the core asks to store goes to the
            // store (synced per the policy) before any byte that depends on
            // it; a failure is logged and handled by the core.
            let _ = g.persist(now, crate::store::By::Driver);
            let mut progress = self.transmit(g, now);
            while let Some(cmd) = g.core.poll_transport() {
                progress = true;
                match cmd {
                    TransportCommand::Open { server } => {
                        if let Some(s) = self.servers.get(server) {
                            super::logs::attempt(g.core.client_id(), s.url());
                        }
                        self.attempts.push_back(server);
                        self.open(server)
                    }
                    TransportCommand::Close { await_server } => {
                        self.begin_close(g, now, await_server)
                    }
                    // A request this adapter does not know cannot be acted on.
                    _ => {}
                }
            }
            while let Some(ev) = g.core.poll_event() {
                progress = true;
                self.route(g, ev);
            }
            if !progress {
                break;
            }
        }
    }

    /// Moves bytes from the core through the transport into the write buffer,
    /// while less than [`MAX_UNWRITTEN`] bytes wait. Returns whether any moved.
    fn transmit(&mut self, g: &mut State, now: Instant) -> bool {
        let Some(conn) = self.conn.as_mut() else {
            return false;
        };
        if !conn.announced {
            return false;
        }
        if conn.wbuf.len() >= MAX_UNWRITTEN {
            conn.throttled = true;
            return false;
        }
        let Some(t) = conn.transport.as_mut() else {
            return g.core.poll_transmit(&mut conn.wbuf) > 0;
        };
        self.out.clear();
        if g.core.poll_transmit(&mut self.out) == 0 {
            return false;
        }
        if let Err(e) = t
            .write(&self.out)
            .and_then(|()| t.poll_send(&mut conn.wbuf).map(drop))
        {
            self.lost_layer(g, now, e);
        }
        true
    }

    /// Starts connecting to server `index`.
    fn open(&mut self, index: usize) {
        self.conn = None;
        self.generation += 1;
        let (host, port) = match self.servers.get(index) {
            Some(s) => (s.parsed().host().to_owned(), s.parsed().port()),
            None => (String::new(), 0),
        };
        let fut: Opening<R::Socket> = Box::pin(async move {
            if host.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "no such server",
                ));
            }
            // An address is used as it is; a name is resolved on the
            // `blocking` pool, never on the executor's thread. The core's
            // connect timeout bounds the whole attempt.
            let addrs: Vec<std::net::SocketAddr> = match host.parse::<std::net::IpAddr>() {
                Ok(ip) => vec![std::net::SocketAddr::new(ip, port)],
                Err(_) => R::resolve(host, port).await?,
            };
            let mut last = io::Error::new(
                io::ErrorKind::NotFound,
                "the host name resolved to no address",
            );
            for addr in addrs {
                match R::connect(addr).await {
                    Ok(s) => return Ok(s),
                    Err(e) => last = e,
                }
            }
            Err(last)
        });
        self.opening = Some((self.generation, index, fut));
    }

    /// The core asked to close the transport: flush what it sent last
    /// (DISCONNECT), then close, within [`CLOSE_GRACE`].
    fn begin_close(&mut self, g: &mut State, now: Instant, await_server: bool) {
        self.opening = None;
        // Everything the core produced before asking to close goes out first
        // (its last publishes, then DISCONNECT), whatever the write-buffer
        // bound: the close waits for it within the grace period.
        if let Some(conn) = self.conn.as_mut().filter(|c| c.announced) {
            match conn.transport.as_mut() {
                None => {
                    g.core.poll_transmit(&mut conn.wbuf);
                }
                Some(t) => {
                    self.out.clear();
                    if g.core.poll_transmit(&mut self.out) > 0 {
                        let _ = t
                            .write(&self.out)
                            .and_then(|()| t.poll_send(&mut conn.wbuf).map(drop));
                    }
                }
            }
        }
        if let Some(mut conn) = self.conn.take() {
            if let Some(t) = conn.transport.as_mut() {
                // WebSocket Close frame and/or TLS close_notify, after the last bytes.
                if t.close().is_ok() {
                    let _ = t.poll_send(&mut conn.wbuf);
                }
            }
            // Nothing left to send and no close to wait for: dropping the
            // socket closes it.
            if !conn.wbuf.is_empty() || await_server {
                // Flush; after our DISCONNECT also half-close and wait for the
                // broker to close its side (see `TransportCommand::Close`).
                // An unrepresentable deadline (never in practice) closes at once.
                conn.await_server = await_server;
                let deadline = now.checked_add(CLOSE_GRACE).unwrap_or(now);
                self.closing = Some((conn, deadline));
            }
        }
    }

    fn send_item(&mut self, item: Item) {
        self.items.push(item);
    }

    /// Gives this turn's items to the dispatcher, in order. Called without
    /// the lock on the core. While nothing sent to the dispatcher task
    /// waits, an item that runs no user code (a message for streams only,
    /// an event without a callback) is handled here; from the first one that
    /// cannot be, the rest go to the task, behind it.
    fn dispatch_items(&mut self) {
        if self.items.is_empty() {
            return;
        }
        let mut items = std::mem::take(&mut self.items);
        let mut drained = items.drain(..);
        if self.backlog.load(Ordering::Acquire) == 0 {
            if let Ok(mut d) = self.dispatcher.try_lock() {
                for item in drained.by_ref() {
                    if let Some(item) = d.try_handle(item) {
                        self.to_task(item);
                        break;
                    }
                }
            }
        }
        for item in drained {
            self.to_task(item);
        }
        self.items = items;
    }

    fn to_task(&self, item: Item) {
        self.flow.queued();
        self.backlog.fetch_add(1, Ordering::AcqRel);
        // The dispatcher exits only after this sender is dropped.
        let _ = self.dispatch.try_send(item);
    }

    /// Routes one core event to waiters, the dispatcher and the callbacks.
    fn route(&mut self, g: &mut State, ev: Event) {
        if let Event::SessionLost { affected, resent } = &ev {
            super::logs::session_lost(g.core.client_id(), affected.len(), *resent);
        }
        let routed = translate(
            ev,
            &self.servers,
            g.core.subscriptions(),
            &mut self.io_error,
            &mut self.transport_error,
        );
        match routed {
            Routed::Connected(info) => {
                super::logs::connected(g.core.client_id(), &info);
                g.link = Link::Connected;
                g.ever_connected = true;
                g.connection = Some(info.clone());
                self.send_item(Item::Connected(info));
            }
            Routed::Lost(lost) => {
                // The transport is already gone or asked to close; a fail-over
                // attempt the core started meanwhile (`Open`) must survive.
                // An established connection is lost once; attempts that fail
                // before CONNACK are reported as such.
                let server = self.attempts.pop_front();
                super::logs::lost(
                    g.core.client_id(),
                    server.and_then(|i| self.servers.get(i)).map(Server::url),
                    &lost,
                    matches!(g.link, Link::Connected),
                    g.core
                        .reconnect_at()
                        .map(|t| t.saturating_duration_since(Instant::now())),
                );
                if matches!(g.link, Link::Connected) {
                    self.send_item(Item::ConnectionLost(lost.clone()));
                } else {
                    g.failed_attempts += 1;
                    self.send_item(Item::ConnectFailed(lost.clone()));
                }
                g.connection = None;
                if let Some(e) = Link::Down(lost.clone()).terminal() {
                    g.fail_waiters(&e);
                }
                g.link = Link::Down(lost);
            }
            Routed::Message(item) => self.send_item(item),
            Routed::Publish(id, result) => self.complete(g, id, result),
            Routed::Request(id, ack) => {
                if let Some(tx) = g.requests.remove(&id) {
                    let _ = tx.try_send(Ok(ack));
                }
            }
            Routed::Reauthenticated(p) => self.send_item(Item::Reauthenticated(p)),
            Routed::Closed => {
                self.attempts.clear();
                super::logs::closed(g.core.client_id());
                g.connection = None;
                g.link = Link::Closed;
                g.fail_waiters(&Error::Closed);
            }
            Routed::Nothing => {}
        }
    }

    fn complete(&mut self, g: &mut State, id: mqtt_sansio::client::PublishId, result: PubResult) {
        self.inner.room.notify(usize::MAX);
        let waiter = g.publishes.remove(&id);
        if self.wants_deliveries {
            if let Some(a) = waiter {
                a.send(result.clone());
            }
            self.send_item(Item::Delivery(Delivery { id, result }));
        } else if let Some(a) = waiter {
            a.send(result);
        }
    }
}

/// Closes `conn` gracefully: writes what is left and, after our DISCONNECT,
/// half-closes (the broker sees the end of the stream) and reads, discarding,
/// until the broker closes its side. Ready when that is done or the socket failed; the
/// caller bounds it with [`CLOSE_GRACE`].
fn poll_graceful_close<S: Socket>(conn: &mut Conn<S>, cx: &mut Context<'_>) -> Poll<()> {
    match poll_flush(conn, cx) {
        Poll::Pending => return Poll::Pending,
        Poll::Ready(Err(_)) => return Poll::Ready(()),
        Poll::Ready(Ok(())) => {}
    }
    if !conn.await_server {
        return Poll::Ready(());
    }
    if !conn.half_closed {
        match conn.stream.poll_shutdown_write(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(_)) => return Poll::Ready(()),
            Poll::Ready(Ok(())) => conn.half_closed = true,
        }
    }
    loop {
        let mut scratch = [0u8; 1024];
        match conn.stream.poll_read(cx, &mut scratch) {
            Poll::Ready(Ok(0)) => return Poll::Ready(()),
            Poll::Ready(Ok(_)) => {}
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            Poll::Ready(Err(_)) => return Poll::Ready(()),
            Poll::Pending => return Poll::Pending,
        }
    }
}

fn poll_flush<S: Socket>(conn: &mut Conn<S>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    while !conn.wbuf.is_empty() {
        match conn.stream.poll_write(cx, &conn.wbuf) {
            Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
            Poll::Ready(Ok(n)) => conn.wbuf.advance(n),
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
    }
    Poll::Ready(Ok(()))
}
