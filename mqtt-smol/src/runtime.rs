//! [`Smol`]: the async client's runtime glue for async-io.

use async_io::Async;
use futures_lite::io::{AsyncRead, AsyncWrite};
use mqtt_adapter::aio::{Runtime, Socket, Task, Timer};
use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Instant;

/// The async-io runtime: sockets and timers of `async-io`'s reactor,
/// smol's global executor for [`Client::connect`](crate::Client::connect)
/// (feature `smol`, on by default), a pool of threads of this crate for
/// handlers and host-name lookups (one per process, threads started on
/// demand and ended after half a second without work).
///
/// Works on any executor that can run async-io futures (smol's,
/// `async_executor`, `futures_lite::future::block_on`, even tokio's, with
/// async-io's reactor thread beside it).
#[derive(Debug, Clone, Copy, Default)]
pub struct Smol;

impl Runtime for Smol {
    type Socket = SmolSocket;
    type Timer = SmolTimer;

    fn start() -> Result<(), &'static str> {
        if cfg!(feature = "smol") {
            Ok(())
        } else {
            Err("this build of mqtt-smol left out its `smol` feature (smol's global executor), so Client::connect has nowhere to spawn: use Client::connect_with with your executor")
        }
    }

    fn spawn(task: Task) {
        // Without the `smol` feature `start` refuses, so `connect` never gets here.
        #[cfg(feature = "smol")]
        smol::spawn(task).detach();
        #[cfg(not(feature = "smol"))]
        drop(task);
    }

    fn unblock<T, F>(f: F) -> impl Future<Output = T> + Send
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        crate::pool::unblock(f)
    }

    fn resolve(
        host: String,
        port: u16,
    ) -> impl Future<Output = io::Result<Vec<SocketAddr>>> + Send {
        crate::pool::unblock(move || (host.as_str(), port).to_socket_addrs().map(|a| a.collect()))
    }

    async fn connect(addr: SocketAddr) -> io::Result<SmolSocket> {
        let stream = Async::<TcpStream>::connect(addr).await?;
        // MQTT packets are small and latency-bound: no Nagle delay.
        stream.get_ref().set_nodelay(true)?;
        Ok(SmolSocket {
            stream,
            drained: false,
        })
    }

    fn timer(at: Option<Instant>) -> SmolTimer {
        SmolTimer(match at {
            Some(t) => async_io::Timer::at(t),
            None => async_io::Timer::never(),
        })
    }
}

/// A TCP stream on async-io's reactor.
#[derive(Debug)]
pub struct SmolSocket {
    stream: Async<TcpStream>,
    /// The last read was short: the socket is most likely empty.
    drained: bool,
}

impl Socket for SmolSocket {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        // async-io's `poll_read` tries `read` first; after a short read that
        // is an `EAGAIN` system call for nothing: wait for readiness first.
        if self.drained {
            ready!(self.stream.poll_readable(cx))?;
            self.drained = false;
        }
        let r = Pin::new(&mut self.stream).poll_read(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            self.drained = n < buf.len();
        }
        r
    }

    /// Into the spare capacity, uninitialised: the default would zero all of
    /// it before every read (16 KiB per call, waiting ones included: an
    /// eighth of the instructions of a QoS 1 publish before this).
    #[cfg(unix)]
    fn poll_read_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut bytes::BytesMut,
    ) -> Poll<io::Result<usize>> {
        use bytes::BufMut;
        loop {
            if self.drained {
                ready!(self.stream.poll_readable(cx))?;
                self.drained = false;
            }
            let spare = buf.spare_capacity_mut();
            let room = spare.len();
            match rustix::net::recv(
                self.stream.get_ref(),
                spare,
                rustix::net::RecvFlags::empty(),
            ) {
                Ok((_, n)) => {
                    let n = n.min(room);
                    // SAFETY: `recv` wrote (initialised) the first `n` bytes
                    // of the spare capacity, and `n` is at most its length.
                    #[allow(unsafe_code)]
                    unsafe {
                        buf.advance_mut(n);
                    }
                    self.drained = n < room;
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e == rustix::io::Errno::WOULDBLOCK => self.drained = true,
                Err(e) if e == rustix::io::Errno::INTR => {}
                Err(e) => return Poll::Ready(Err(e.into())),
            }
        }
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_shutdown_write(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A shutdown never blocks.
        Poll::Ready(self.stream.get_ref().shutdown(std::net::Shutdown::Write))
    }
}

/// An async-io timer.
#[derive(Debug)]
pub struct SmolTimer(async_io::Timer);

impl Timer for SmolTimer {
    fn set(&mut self, at: Option<Instant>) {
        match at {
            Some(t) => self.0.set_at(t),
            None => self.0 = async_io::Timer::never(),
        }
    }

    fn poll_fired(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Runs in `.ci/run`'s `cargo test -p mqtt-smol --no-default-features --lib`.
    #[cfg(not(feature = "smol"))]
    #[test]
    fn connect_without_the_smol_feature_fails_with_no_runtime_and_says_what_to_do() {
        let r = futures_lite::future::block_on(crate::Client::connect(
            "mqtt://127.0.0.1:1883",
            crate::Options::new(),
        ));
        let Err(e) = r else {
            panic!("connected without an executor")
        };
        assert!(matches!(e, mqtt_adapter::Error::NoRuntime { .. }), "{e:?}");
        let text = e.to_string();
        assert!(
            text.contains("`smol` feature") && text.contains("connect_with"),
            "{text}"
        );
    }

    #[test]
    fn reads_land_in_the_spare_capacity_after_what_is_buffered() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        futures_lite::future::block_on(async {
            let mut socket = crate::Smol::connect(addr).await.unwrap();
            let (mut peer, _) = listener.accept().unwrap();
            let mut buf = bytes::BytesMut::with_capacity(64);
            buf.extend_from_slice(b"kept");
            peer.write_all(b"hello").unwrap();
            let n = std::future::poll_fn(|cx| socket.poll_read_buf(cx, &mut buf))
                .await
                .unwrap();
            assert_eq!(n, 5);
            assert_eq!(&buf[..], b"kepthello");
            // A full buffer reads what fits; the rest comes next.
            let mut small = bytes::BytesMut::with_capacity(4);
            let room = small.capacity();
            peer.write_all(&[7u8; 40]).unwrap();
            let n = std::future::poll_fn(|cx| socket.poll_read_buf(cx, &mut small))
                .await
                .unwrap();
            assert!(n > 0 && n <= room, "{n} of {room}");
            assert!(small.iter().all(|&b| b == 7));
            drop(peer);
            let mut rest = bytes::BytesMut::with_capacity(64);
            let mut got = small.len();
            loop {
                rest.clear();
                let n = std::future::poll_fn(|cx| socket.poll_read_buf(cx, &mut rest))
                    .await
                    .unwrap();
                if n == 0 {
                    break;
                }
                got += n;
            }
            assert_eq!(got, 40, "every byte once, then the end of the stream");
        });
    }
}
