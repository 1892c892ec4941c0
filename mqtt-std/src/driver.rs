//! The driver thread: owns the sockets of the current connection and feeds
//! the core (under the client's lock) with bytes, time and transport events,
//! then drains every output after every input, as the core requires.
//!
//! It never blocks on I/O: socket reads, writes and connects happen on their
//! own threads (see [`crate::io`]); handlers run on the dispatcher thread. It
//! sleeps in one place, `recv_timeout(core.poll_timeout())`.

use crate::client::{Inner, Link, PubResult, ReqResult, State};
use crate::flow::Flow;
use crate::io;
use crate::{Client, Delivery, Error, Options};
use bytes::{Bytes, BytesMut};
use mqtt_adapter::dispatch::{Dispatch, Item};
use mqtt_adapter::event::{translate, Routed};
use mqtt_adapter::Server;
use mqtt_sansio::client::{Client as Core, Event, TransportCommand};
use mqtt_sansio::codec::{Properties, SubscribeFilter, SubscriptionOptions};
use mqtt_transport::{Transport, TransportError, TransportOptions};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Bytes handed to the writer thread and not yet written, above which the
/// driver stops taking bytes from the core (which then queues, bounded).
const MAX_UNWRITTEN: usize = 256 * 1024;

/// Inputs handled under one lock (each followed by a drain) before the
/// dispatcher gets their items as one batch.
const MAX_INPUTS_PER_DRAIN: usize = 16;

/// How long a closing connection may take to flush DISCONNECT and see the
/// broker close, before its threads give up.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// What wakes the driver.
pub(crate) enum Input {
    /// The connector of connection `gen` finished.
    Opened(u64, std::io::Result<TcpStream>),
    /// Bytes received on connection `gen`.
    Data(u64, Bytes),
    /// A writer has room again (a stale connection's wake-up is harmless).
    Writable,
    /// Connection `gen` ended (end of stream, or the error).
    Closed(u64, Option<std::io::Error>),
    /// A client call queued work in the core.
    Wake,
    /// Disconnect and exit (after `disconnect`, or when every handle is gone).
    Shutdown,
    /// Close the socket without DISCONNECT and exit.
    Abort,
}

/// Why a transport ended, as the adapter saw it.
enum Cause {
    Io(std::io::Error),
    Transport(TransportError),
    Eof,
}

/// The sockets of one connection.
struct Conn {
    generation: u64,
    /// Set once the connector succeeded.
    stream: Option<TcpStream>,
    writer: Option<Sender<Bytes>>,
    writer_thread: Option<JoinHandle<()>>,
    /// Disconnects when the reader thread has ended.
    reader_done: Option<Receiver<()>>,
    /// Bytes handed to the writer and not yet written (the writer counts down).
    unwritten: Arc<AtomicUsize>,
    transport: Transport,
    /// `handle_connected` was called (the transport's handshakes are done).
    announced: bool,
}

struct Driver {
    inner: Arc<Inner>,
    rx: Receiver<Input>,
    tx: Sender<Input>,
    flow: Arc<Flow>,
    servers: Vec<Server>,
    connect_timeout: Duration,
    conn: Option<Conn>,
    /// Threads of closed connections still flushing; joined on exit.
    closing: Vec<JoinHandle<()>>,
    /// Gracefully closed connections whose broker may not have closed its
    /// side yet: the reader's end signal and the socket; awaited on exit.
    draining: Vec<(Receiver<()>, TcpStream)>,
    dispatch_tx: Sender<Vec<Item>>,
    /// Items of the current drain, sent to the dispatcher together.
    batch: Vec<Item>,
    wants_deliveries: bool,
    /// The I/O error behind the next `ConnectionLost`, if any.
    io_error: Option<Arc<std::io::Error>>,
    /// The TLS / WebSocket error behind the next `ConnectionLost`, if any.
    transport_error: Option<TransportError>,
    transport_options: TransportOptions,
    send: BytesMut,
    out: BytesMut,
    plain: BytesMut,
    shutdown: bool,
}

/// Builds the client, starts its threads and waits for the first CONNACK.
pub(crate) fn start(url: &str, options: Options) -> Result<Client, Error> {
    let mut options = options.into_parts();
    let servers = mqtt_adapter::servers(url, &options.extra_servers)?;
    // Check the TLS / WebSocket settings now (CA files readable, keys valid)
    // rather than at the first connection attempt.
    for s in &servers {
        s.transport(&options.transport).map_err(Error::Transport)?;
    }
    options.config.server_count = servers.len();
    if options.config.seed == 0 {
        options.config.seed = seed();
    }
    let connect_timeout = options.config.connect_timeout;
    let initial = std::mem::take(&mut options.initial_subscriptions);
    let core = match options.session.take() {
        Some(snapshot) => Core::<Instant>::restore(options.config, &snapshot, Instant::now())
            .map_err(Error::Restore)?,
        None => Core::<Instant>::new(options.config)?,
    };

    let (tx, rx) = mpsc::channel();
    let (dispatch_tx, dispatch_rx) = mpsc::channel();
    let flow = Arc::new(Flow::new(options.incoming_buffer));
    let shared = Arc::new(Dispatch::new(options.registry));
    let wants_deliveries = options.callbacks.wants_deliveries();
    let client = Client::from_parts(
        core,
        tx.clone(),
        flow.clone(),
        shared.clone(),
        options.incoming_buffer,
        options.request_timeout,
    );
    let inner = client.inner().clone();
    shared.set_acker(
        Arc::new(crate::client::CoreAcker(Arc::downgrade(&inner))),
        options.manual_acks,
    );

    {
        let mut g = inner.lock();
        let now = Instant::now();
        if !initial.is_empty() {
            // Handlers declared in the options: subscribe before CONNECT goes
            // out, so the SUBSCRIBE follows it on the wire and messages of a
            // persistent session find their handler from the first packet.
            let filters = initial
                .iter()
                .map(|(f, qos)| SubscribeFilter {
                    filter: f.clone(),
                    options: SubscriptionOptions::new(*qos),
                })
                .collect();
            g.core.subscribe(now, filters, Properties::default())?;
        }
        g.core.connect(now);
    }

    let callbacks = options.callbacks;
    let dflow = flow.clone();
    let dispatcher = thread::Builder::new()
        .name("mqtt-std-dispatch".into())
        .spawn(move || shared.run(dispatch_rx, callbacks, |n| dflow.dequeued(n)))
        .map_err(|e| Error::Io(Arc::new(e)))?;
    let driver = Driver {
        inner: inner.clone(),
        rx,
        tx,
        flow,
        servers,
        connect_timeout,
        conn: None,
        closing: Vec::new(),
        draining: Vec::new(),
        dispatch_tx,
        batch: Vec::new(),
        wants_deliveries,
        io_error: None,
        transport_error: None,
        transport_options: options.transport,
        send: BytesMut::new(),
        out: BytesMut::with_capacity(io::READ_CHUNK),
        plain: BytesMut::new(),
        shutdown: false,
    };
    let server_count = driver.servers.len();
    let driver = thread::Builder::new()
        .name("mqtt-std-driver".into())
        .spawn(move || driver.run())
        .map_err(|e| Error::Io(Arc::new(e)))?;
    client.set_threads(driver, dispatcher);

    let how = mqtt_adapter::FirstConnect::new(
        inner.lock().core.config(),
        server_count,
        options.initial_connect_timeout,
    );
    match client.wait_connected(how) {
        Ok(()) => Ok(client),
        Err(e) => {
            // Stop the threads; the failure is what the caller gets.
            let _ = client.disconnect_timeout(Duration::ZERO);
            Err(e)
        }
    }
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

impl Driver {
    fn run(mut self) {
        // Commands queued before this thread started (connect, the options'
        // subscriptions) have outputs waiting.
        {
            let inner = self.inner.clone();
            let mut g = inner.lock();
            self.drain(&mut g, Instant::now());
            self.send_batch();
        }
        let inner = self.inner.clone();
        loop {
            let deadline = inner.lock().core.poll_timeout();
            let input = match deadline {
                None => match self.rx.recv() {
                    Ok(i) => Some(i),
                    // Unreachable while `self.tx` lives; treat as shutdown.
                    Err(_) => Some(Input::Shutdown),
                },
                Some(d) => {
                    match self
                        .rx
                        .recv_timeout(d.saturating_duration_since(Instant::now()))
                    {
                        Ok(i) => Some(i),
                        Err(RecvTimeoutError::Timeout) => None,
                        Err(RecvTimeoutError::Disconnected) => Some(Input::Shutdown),
                    }
                }
            };
            let mut g = inner.lock();
            let now = Instant::now();
            if let Some(input) = input {
                self.handle(&mut g, input, now);
                // The core's invariant: drain every output after every input
                // (a transport request may change which connection is current).
                self.drain(&mut g, now);
                // Take what else arrived meanwhile under the same lock: the
                // dispatcher then gets one batch for all of it.
                for _ in 0..MAX_INPUTS_PER_DRAIN {
                    match self.rx.try_recv() {
                        Ok(i) => {
                            self.handle(&mut g, i, now);
                            self.drain(&mut g, now);
                        }
                        Err(_) => break,
                    }
                }
            }
            if g.core.poll_timeout().is_some_and(|d| d <= now) {
                g.core.handle_timeout(now);
            }
            self.drain(&mut g, now);
            self.send_batch();
            let done = self.shutdown || matches!(g.link, Link::Closed);
            if done {
                g.link = Link::Closed;
            }
            drop(g);
            inner.changed.notify_all();
            if done {
                break;
            }
        }
        self.finish();
    }

    fn handle(&mut self, g: &mut State, input: Input, now: Instant) {
        match input {
            Input::Opened(gen, result) => {
                if !self.is_current(gen) {
                    return;
                }
                match result {
                    Ok(stream) => {
                        if let Err(e) = self.attach(stream) {
                            self.lost_transport(g, now, Cause::Io(e));
                        } else {
                            self.pump_transport(g, now);
                        }
                    }
                    Err(e) => self.lost_transport(g, now, Cause::Io(e)),
                }
            }
            Input::Data(gen, bytes) => {
                self.flow.chunk_consumed(gen);
                if !self.is_current(gen) {
                    return;
                }
                let Some(conn) = self.conn.as_mut() else {
                    return;
                };
                // Bytes decoded before an error still reach the core.
                let received = conn.transport.handle_received(&bytes);
                let read = conn.transport.read_plaintext(&mut self.plain);
                self.pump_transport(g, now);
                if let Err(e) = received.and(read.map(drop)) {
                    self.lost_transport(g, now, Cause::Transport(e));
                }
            }
            // The writer has room again: the drain below moves more bytes.
            Input::Writable => {}
            Input::Closed(gen, err) => {
                if !self.is_current(gen) {
                    return;
                }
                let cause = match err {
                    // During a TLS handshake the transport explains a reset better.
                    Some(e) => match self
                        .conn
                        .as_mut()
                        .map(|c| c.transport.handle_socket_error(&e))
                    {
                        Some(Err(te)) => Cause::Transport(te),
                        _ => Cause::Io(e),
                    },
                    None => {
                        // End of stream: TLS checks for a truncation attack, and
                        // whatever was decoded still reaches the core.
                        let Some(conn) = self.conn.as_mut() else {
                            return;
                        };
                        let eof = conn.transport.handle_eof();
                        let _ = conn.transport.read_plaintext(&mut self.plain);
                        self.pump_transport(g, now);
                        match eof {
                            Err(e) => Cause::Transport(e),
                            Ok(()) => Cause::Eof,
                        }
                    }
                };
                self.lost_transport(g, now, cause);
            }
            // Cleared for every `Wake` taken off the channel, before the drain
            // that follows: a client call that found the flag set (and sent
            // nothing) made its change before this, so the drain sees it.
            // Clearing only once per turn lost wake-ups taken by the
            // `try_recv` loop, and a QoS 0 flood stalled until the next
            // keep-alive.
            Input::Wake => self.inner.clear_wake(),
            Input::Abort => {
                if self.conn.is_some() {
                    self.lost_transport(g, now, Cause::Eof);
                }
                // Not connected now: the core closes without sending anything.
                if !g.disconnect_sent {
                    let _ = g.core.disconnect(now, Default::default());
                    g.disconnect_sent = true;
                }
                self.shutdown = true;
            }
            Input::Shutdown => {
                if !matches!(g.link, Link::Closed) && !g.disconnect_sent {
                    // Not `disconnect` (which marks it sent first): every
                    // handle was dropped.
                    mqtt_adapter::log_dropped(g.core.client_id(), g.core.pending_publishes());
                    // Only MQTT 5 options can be refused; the defaults cannot.
                    let _ = g.core.disconnect(now, Default::default());
                    g.disconnect_sent = true;
                }
                self.shutdown = true;
            }
        }
    }

    fn is_current(&self, gen: u64) -> bool {
        self.conn.as_ref().is_some_and(|c| c.generation == gen)
    }

    /// The connector succeeded: start the reader and writer.
    fn attach(&mut self, stream: TcpStream) -> std::io::Result<()> {
        let Some(conn) = self.conn.as_mut() else {
            // Only called for the current connection; an obsolete stream just closes.
            return Ok(());
        };
        let (wtx, wrx) = mpsc::channel();
        let reader_done = io::spawn_reader(
            conn.generation,
            stream.try_clone()?,
            self.tx.clone(),
            self.flow.clone(),
        )?;
        conn.reader_done = Some(reader_done);
        let w = io::spawn_writer(
            conn.generation,
            stream.try_clone()?,
            wrx,
            self.tx.clone(),
            conn.unwritten.clone(),
            MAX_UNWRITTEN,
        )?;
        conn.writer = Some(wtx);
        conn.writer_thread = Some(w);
        conn.stream = Some(stream);
        Ok(())
    }

    /// Moves plaintext received through the transport into the core, and
    /// announces the connection once the transport's handshakes are done.
    fn pump_transport(&mut self, g: &mut State, now: Instant) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        if !conn.announced && conn.transport.is_ready() {
            conn.announced = true;
            g.core.handle_connected(now);
        }
        if !self.plain.is_empty() {
            g.core.handle_data(now, &self.plain);
            self.plain.clear();
        }
    }

    /// The transport of the current connection failed or closed: tell the core.
    fn lost_transport(&mut self, g: &mut State, now: Instant, cause: Cause) {
        match cause {
            Cause::Io(e) => self.io_error = Some(Arc::new(e)),
            Cause::Transport(e) => self.transport_error = Some(e),
            Cause::Eof => {}
        }
        self.close_conn(false, false);
        g.core.handle_closed(now);
    }

    /// Drops the current connection: `graceful` flushes what was handed to the
    /// writer and half-closes; otherwise the socket is shut down at once.
    /// `await_server` (after our DISCONNECT, see [`TransportCommand::Close`])
    /// also keeps the socket until the broker closes its side, awaited on exit.
    fn close_conn(&mut self, graceful: bool, await_server: bool) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        // Readers of this generation stop at their next turn.
        self.flow.new_generation();
        if let Some(s) = &conn.stream {
            // A broker that never closes its side must not keep the reader forever.
            let _ = s.set_read_timeout(Some(CLOSE_GRACE));
            let _ = s.set_write_timeout(Some(CLOSE_GRACE));
            if !graceful {
                let _ = s.shutdown(Shutdown::Both);
            } else if let (true, Some(done), Ok(s)) =
                (await_server, conn.reader_done.take(), s.try_clone())
            {
                self.draining.push((done, s));
            }
        }
        self.draining
            .retain(|(done, _)| matches!(done.try_recv(), Err(TryRecvError::Empty)));
        // Dropping the sender lets the writer flush and half-close.
        conn.writer = None;
        if let Some(w) = conn.writer_thread.take() {
            self.closing.push(w);
        }
        self.closing.retain(|h| !h.is_finished());
    }

    /// Drains every output of the core: transport requests, bytes, events.
    fn drain(&mut self, g: &mut State, now: Instant) {
        loop {
            let mut progress = false;
            while let Some(cmd) = g.core.poll_transport() {
                progress = true;
                match cmd {
                    TransportCommand::Open { server } => self.open(g, server, now),
                    TransportCommand::Close { await_server } => {
                        self.flush(g, now, usize::MAX);
                        if let Some(c) = self.conn.as_mut() {
                            // TLS close_notify / WebSocket close frame, then the socket.
                            let _ = c.transport.close();
                        }
                        self.flush(g, now, usize::MAX);
                        self.close_conn(true, await_server);
                    }
                    _ => {}
                }
            }
            progress |= self.flush(g, now, MAX_UNWRITTEN);
            while let Some(ev) = g.core.poll_event() {
                progress = true;
                self.route(g, ev);
            }
            if !progress {
                break;
            }
        }
    }

    /// Starts connecting to server `index` on a connector thread.
    fn open(&mut self, g: &mut State, index: usize, now: Instant) {
        self.close_conn(false, false);
        let generation = self.flow.new_generation();
        let Some(server) = self.servers.get(index) else {
            // The core only asks for indices below `server_count`.
            g.core.handle_closed(now);
            return;
        };
        let transport = match server.transport(&self.transport_options) {
            Ok(t) => t,
            Err(e) => {
                self.transport_error = Some(e);
                g.core.handle_closed(now);
                return;
            }
        };
        self.conn = Some(Conn {
            generation,
            stream: None,
            writer: None,
            writer_thread: None,
            reader_done: None,
            unwritten: Arc::new(AtomicUsize::new(0)),
            transport,
            announced: false,
        });
        if let Err(e) = io::spawn_connector(
            generation,
            server.parsed().host().to_owned(),
            server.parsed().port(),
            self.connect_timeout,
            self.tx.clone(),
        ) {
            self.lost_transport(g, now, Cause::Io(e));
        }
    }

    /// Moves bytes from the core through the transport to the writer while
    /// less than `limit` bytes are unwritten. Returns whether anything moved.
    fn flush(&mut self, g: &mut State, now: Instant, limit: usize) -> bool {
        let Some(conn) = self.conn.as_mut() else {
            return false;
        };
        let Some(writer) = &conn.writer else {
            return false;
        };
        let mut moved = false;
        let mut failed = None;
        loop {
            // Handshake bytes (TLS, WebSocket) flow from the start; MQTT bytes
            // once the core was told the transport is open.
            if conn.announced && conn.unwritten.load(Ordering::Acquire) < limit {
                self.out.clear();
                if g.core.poll_transmit(&mut self.out) > 0 {
                    if let Err(e) = conn.transport.write(&self.out) {
                        failed = Some(e);
                    }
                }
            }
            match conn.transport.poll_send(&mut self.send) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
            let chunk = self.send.split().freeze();
            moved = true;
            let len = chunk.len();
            let before = conn.unwritten.fetch_add(len, Ordering::AcqRel);
            if writer.send(chunk).is_err() {
                // The writer already reported its error as `Input::Closed`.
                break;
            }
            if before + len >= limit || failed.is_some() {
                break;
            }
        }
        if let Some(e) = failed {
            self.lost_transport(g, now, Cause::Transport(e));
            return true;
        }
        moved
    }

    /// Routes one core event to waiters, the dispatcher and the callbacks.
    fn route(&mut self, g: &mut State, ev: Event) {
        let routed = translate(
            ev,
            &self.servers,
            g.core.subscriptions(),
            &mut self.io_error,
            &mut self.transport_error,
        );
        match routed {
            Routed::Connected(info) => {
                g.link = Link::Connected;
                g.ever_connected = true;
                g.connection = Some(info.clone());
                self.dispatch(Item::Connected(info));
            }
            Routed::Lost(lost) => {
                // The transport is already closed: by the adapter (which told
                // the core) or at the core's request (`TransportCommand::Close`,
                // drained before this event). A reconnect may already be opening
                // a new one, which must stay. Waiters see the link go terminal.
                // An established connection is lost once; attempts that fail
                // before CONNACK are reported as such.
                if matches!(g.link, Link::Connected) {
                    self.dispatch(Item::ConnectionLost(lost.clone()));
                } else {
                    g.failed_attempts += 1;
                    self.dispatch(Item::ConnectFailed(lost.clone()));
                }
                g.connection = None;
                g.link = Link::Down(lost);
            }
            Routed::Message(item) => self.dispatch(item),
            Routed::Publish(id, r) => self.complete(g, id, r),
            Routed::Request(id, ack) => {
                if let Some(slot) = g.requests.get_mut(&id) {
                    *slot = Some(ReqResult {
                        codes: ack.codes,
                        properties: ack.properties,
                    });
                }
            }
            Routed::Reauthenticated(p) => self.dispatch(Item::Reauthenticated(p)),
            Routed::Closed => {
                g.connection = None;
                g.link = Link::Closed;
            }
            Routed::Nothing => {}
        }
    }

    fn complete(&mut self, g: &mut State, id: mqtt_sansio::client::PublishId, r: PubResult) {
        if self.wants_deliveries {
            self.dispatch(Item::Delivery(Delivery {
                id,
                result: r.clone(),
            }));
        }
        if let Some(slot) = g.publishes.remove(&id) {
            slot.set(r);
        }
    }

    /// Queues an item for the dispatcher thread (never blocks; the reader
    /// pauses instead when the queue is long, see [`Flow`]).
    fn dispatch(&mut self, item: Item) {
        self.batch.push(item);
    }

    /// Sends the items of this drain to the dispatcher in one message.
    fn send_batch(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.batch);
        let n = batch.len();
        // Count first: the dispatcher may finish the batch before `send` returns.
        self.flow.queued(n);
        if self.dispatch_tx.send(batch).is_err() {
            // The dispatcher is gone (a bug elsewhere): nothing can run these.
            self.flow.dequeued(n);
        }
    }

    /// The client is closed: stop every thread it started, after the last
    /// connection flushed (bounded by [`CLOSE_GRACE`]).
    fn finish(mut self) {
        self.inner.dispatch.unbound_sinks();
        self.close_conn(true, false);
        self.flow.shutdown();
        {
            let mut g = self.inner.lock();
            g.link = Link::Closed;
            // Whoever still waits for a publish learns it will not complete here.
            for (_, slot) in g.publishes.drain() {
                slot.set(Err(Error::Closed));
            }
        }
        self.inner.changed.notify_all();
        for h in self.closing.drain(..) {
            let _ = h.join();
        }
        // The writers have sent DISCONNECT and half-closed: wait for the broker
        // to close its side, so that when `disconnect` returns the broker is
        // done with the connection (a reconnect with the same client id cannot
        // race it). A broker that never closes is cut off at the deadline.
        let deadline = Instant::now() + CLOSE_GRACE;
        for (done, stream) in self.draining.drain(..) {
            let left = deadline.saturating_duration_since(Instant::now());
            if let Err(RecvTimeoutError::Timeout) = done.recv_timeout(left) {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
        // Dropping `dispatch_tx` (with self) ends the dispatcher after it drained.
    }
}
