//! The conformance suite ([`crate::conformance`]) for the async client on
//! any runtime: [`AsyncClient`] drives `Client<R>` with blocking calls, each
//! blocking on its future with the runtime crate's [`BlockOn`].
//!
//! ```ignore
//! struct Block;
//! impl mqtt_testkit::async_suite::BlockOn for Block {
//!     fn block_on<F: std::future::Future>(f: F) -> F::Output {
//!         futures_lite::future::block_on(f)
//!     }
//! }
//! mqtt_testkit::conformance_tests!(mqtt_testkit::async_suite::AsyncClient<mqtt_smol::Smol, Block>);
//! ```

use crate::conformance::Adapter;
use mqtt_adapter::aio::{Client, PublishHandle, Runtime};
use mqtt_adapter::{ConnectInfo, Error, Message, Options, Publish, PublishAck, QoS, SubAck};
use std::future::Future;
use std::marker::PhantomData;
use std::time::Duration;

/// How a test thread (outside any runtime) waits for a future of the client.
/// The client's tasks must run somewhere that outlives the call: on the
/// runtime's global executor (smol), or on a runtime kept for the whole test
/// binary (tokio).
pub trait BlockOn: Send + Sync + 'static {
    /// Runs `f` to completion.
    fn block_on<F: Future>(f: F) -> F::Output;
}

/// A `Client<R>` driven with blocking calls, for the conformance suite.
#[derive(Debug)]
pub struct AsyncClient<R, B>(Client<R>, PhantomData<fn() -> B>);

impl<R: Runtime, B: BlockOn> Adapter for AsyncClient<R, B> {
    type Handle = PublishHandle;

    fn connect(url: &str, options: Options) -> Result<Self, Error> {
        B::block_on(Client::<R>::connect(url, options)).map(|c| AsyncClient(c, PhantomData))
    }
    fn publish(&self, p: Publish) -> Result<Self::Handle, Error> {
        B::block_on(self.0.publish_with(p))
    }
    fn try_publish(&self, p: Publish) -> Result<Self::Handle, Error> {
        self.0.try_publish_with(p)
    }
    fn wait(&self, mut h: Self::Handle, timeout: Duration) -> Result<PublishAck, Error> {
        B::block_on(h.wait_timeout(timeout))
    }
    fn subscribe(
        &self,
        filter: &str,
        qos: QoS,
        handler: Box<dyn FnMut(&Message) + Send>,
    ) -> Result<SubAck, Error> {
        B::block_on(self.0.subscribe([(filter, qos)], handler))
    }
    fn disconnect(&self, timeout: Duration) -> Result<(), Error> {
        B::block_on(self.0.disconnect_timeout(timeout))
    }
    fn connection(&self) -> Option<ConnectInfo> {
        self.0.connection()
    }
}
