//! [`Tokio`]: the async client's runtime glue for tokio.

use mqtt_adapter::aio::{Runtime, Socket, Task, Timer};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The tokio runtime: `tokio::net` sockets, `tokio::time` timers,
/// `tokio::spawn` for [`Client::connect`](crate::Client::connect) and
/// `spawn_blocking` for handlers. The client must be started, and its tasks
/// run, inside a tokio runtime with I/O and time enabled (`#[tokio::main]`,
/// or a runtime built with `enable_all`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Tokio;

impl Runtime for Tokio {
    type Socket = TokioSocket;
    type Timer = TokioTimer;

    fn available() -> Result<(), &'static str> {
        tokio::runtime::Handle::try_current().map(drop).map_err(|_| {
            "mqtt-tokio must be called from inside a tokio runtime (#[tokio::main], or Runtime::block_on)"
        })
    }

    fn spawn(task: Task) {
        drop(tokio::spawn(task));
    }

    fn unblock<T, F>(f: F) -> impl Future<Output = T> + Send
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let handle = tokio::task::spawn_blocking(f);
        async move {
            match handle.await {
                Ok(v) => v,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                // Cancelled: the runtime is shutting down and drops the
                // task that awaits this.
                Err(_) => std::future::pending().await,
            }
        }
    }

    async fn resolve(host: String, port: u16) -> io::Result<Vec<SocketAddr>> {
        Ok(tokio::net::lookup_host((host.as_str(), port))
            .await?
            .collect())
    }

    async fn connect(addr: SocketAddr) -> io::Result<TokioSocket> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        // MQTT packets are small and latency-bound: no Nagle delay.
        stream.set_nodelay(true)?;
        Ok(TokioSocket(stream))
    }

    fn timer(at: Option<Instant>) -> TokioTimer {
        let mut t = TokioTimer {
            sleep: None,
            armed: false,
        };
        t.set(at);
        t
    }
}

/// A `tokio::net::TcpStream`.
#[derive(Debug)]
pub struct TokioSocket(tokio::net::TcpStream);

impl Socket for TokioSocket {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut rb = ReadBuf::new(buf);
        ready!(Pin::new(&mut self.0).poll_read(cx, &mut rb))?;
        Poll::Ready(Ok(rb.filled().len()))
    }

    fn poll_read_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut bytes::BytesMut,
    ) -> Poll<io::Result<usize>> {
        // Into the spare capacity, uninitialised: no zeroing. Through
        // `AsyncRead::poll_read` (which `read_buf` polls once here; it reads
        // nothing unless it returns `Ready`), because a short read clears
        // tokio's readiness there: the next call waits for the reactor
        // instead of making a `recv` that can only say `WouldBlock`.
        let read = tokio::io::AsyncReadExt::read_buf(&mut self.0, buf);
        std::pin::pin!(read).poll(cx)
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_shutdown_write(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// A `tokio::time::Sleep`, created once and moved with `reset`.
#[derive(Debug)]
pub struct TokioTimer {
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    armed: bool,
}

impl Timer for TokioTimer {
    fn set(&mut self, at: Option<Instant>) {
        let Some(at) = at else {
            self.armed = false;
            return;
        };
        let at = tokio::time::Instant::from_std(at);
        match &mut self.sleep {
            Some(s) => s.as_mut().reset(at),
            None => self.sleep = Some(Box::pin(tokio::time::sleep_until(at))),
        }
        self.armed = true;
    }

    fn poll_fired(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match &mut self.sleep {
            Some(s) if self.armed => {
                ready!(s.as_mut().poll(cx));
                self.armed = false;
                Poll::Ready(())
            }
            _ => Poll::Pending,
        }
    }
}
