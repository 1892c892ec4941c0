//! What the async client needs from a runtime: a socket, a timer, a way to
//! spawn a task and a way to run blocking code. One short implementation per
//! runtime (`mqtt_smol::Smol`, `mqtt_tokio::Tokio`); everything else is
//! written once, in this module's parent.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

/// A task for an executor: the connection's driver, or its dispatcher.
pub type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// The glue between the async client and one runtime.
///
/// Implemented by a zero-sized marker type per runtime; the client is
/// generic over it (`Client<R>`), and each runtime crate names its client
/// with a type alias (`pub type Client = mqtt_adapter::aio::Client<Smol>`).
/// Every method is an associated function: a runtime here is the ambient
/// one (the reactor and timer wheel of the process or of the current task).
pub trait Runtime: Send + Sync + 'static {
    /// A connected TCP stream, non-blocking, driven by this runtime's reactor.
    type Socket: Socket;
    /// A timer that can be moved without being re-created.
    type Timer: Timer;

    /// `Ok` when this runtime can be used from here; else why not, as a
    /// sentence (tokio: "called outside a tokio runtime"). Checked once by
    /// `Client::connect` before anything is spawned.
    fn available() -> Result<(), &'static str> {
        Ok(())
    }

    /// `Ok` when [`spawn`](Runtime::spawn) has a default executor; else why
    /// not, as a sentence (mqtt-smol built without its `smol` feature).
    /// Checked by `Client::connect` before it spawns anything (not by
    /// `connect_with`, whose caller brings the executor); reported as
    /// `Error::NoRuntime`.
    fn start() -> Result<(), &'static str> {
        Ok(())
    }

    /// Spawns `task` on the runtime's default executor, detached.
    fn spawn(task: Task);

    /// Runs `f` where it may block (a thread pool shared by the process),
    /// resolving to its result. Handlers and callbacks run here.
    fn unblock<T, F>(f: F) -> impl Future<Output = T> + Send
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static;

    /// Resolves a host name (never on the executor's own thread).
    fn resolve(host: String, port: u16)
        -> impl Future<Output = io::Result<Vec<SocketAddr>>> + Send;

    /// Opens a TCP connection to `addr`; Nagle's algorithm off.
    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Socket>> + Send;

    /// A timer that fires at `at` (`None`: not armed).
    fn timer(at: Option<Instant>) -> Self::Timer;
}

/// A connected TCP stream. Only the driver task touches it, so one waker per
/// direction is enough.
pub trait Socket: Send + Unpin + 'static {
    /// Reads into `buf`; `Ok(0)` is the end of the stream.
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
    /// Reads into the spare capacity of `buf`, appending; `Ok(0)` is the end
    /// of the stream. The default zeroes the spare capacity and calls
    /// [`poll_read`](Socket::poll_read); a runtime that can read into
    /// uninitialised memory (tokio's `try_read_buf`) overrides it.
    fn poll_read_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut bytes::BytesMut,
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        buf.resize(buf.capacity(), 0);
        let r = self.poll_read(cx, &mut buf[len..]);
        let n = match &r {
            Poll::Ready(Ok(n)) => *n,
            _ => 0,
        };
        buf.truncate(len + n);
        r
    }
    /// Writes from `buf`, returning how many bytes were taken.
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
    /// Shuts the writing side down (the peer reads the end of the stream).
    fn poll_shutdown_write(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

/// A one-shot timer that can be moved to another instant.
pub trait Timer: Send + Unpin + 'static {
    /// Moves the timer to fire at `at` (`None`: disarms it).
    fn set(&mut self, at: Option<Instant>);
    /// Ready once the instant it is set to has passed; pending while disarmed.
    fn poll_fired(&mut self, cx: &mut Context<'_>) -> Poll<()>;
}

/// Resolves at `at`, on runtime `R`'s timer.
///
/// ```
/// # use std::time::{Duration, Instant};
/// smol::block_on(mqtt_adapter::aio::sleep_until::<mqtt_smol::Smol>(Instant::now() + Duration::from_millis(1)));
/// ```
pub async fn sleep_until<R: Runtime>(at: Instant) {
    let mut t = R::timer(Some(at));
    std::future::poll_fn(|cx| t.poll_fired(cx)).await
}

/// Resolves after `d`, on runtime `R`'s timer (never, if `d` is too long to
/// be represented as an instant).
pub async fn sleep<R: Runtime>(d: std::time::Duration) {
    match Instant::now().checked_add(d) {
        Some(at) => sleep_until::<R>(at).await,
        None => std::future::pending().await,
    }
}
