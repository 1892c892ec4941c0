//! The behaviour every adapter must show (`mqtt_testkit::conformance`), run
//! on mqtt-smol (each call blocks on its future).

use futures_lite::future::block_on;
use mqtt_smol::{Client, ConnectInfo, Error, Message, Options, Publish, PublishAck, QoS, SubAck};
use mqtt_testkit::conformance::Adapter;
use std::time::Duration;

struct Smol(Client);

impl Adapter for Smol {
    type Handle = mqtt_smol::PublishHandle;

    fn connect(url: &str, options: Options) -> Result<Self, Error> {
        block_on(Client::connect(url, options)).map(Smol)
    }
    fn publish(&self, p: Publish) -> Result<Self::Handle, Error> {
        block_on(self.0.publish_with(p))
    }
    fn try_publish(&self, p: Publish) -> Result<Self::Handle, Error> {
        self.0.try_publish_with(p)
    }
    fn wait(&self, mut h: Self::Handle, timeout: Duration) -> Result<PublishAck, Error> {
        block_on(h.wait_timeout(timeout))
    }
    fn subscribe(
        &self,
        filter: &str,
        qos: QoS,
        handler: Box<dyn FnMut(&Message) + Send>,
    ) -> Result<SubAck, Error> {
        block_on(self.0.subscribe([(filter, qos)], handler))
    }
    fn disconnect(&self, timeout: Duration) -> Result<(), Error> {
        block_on(self.0.disconnect_timeout(timeout))
    }
    fn connection(&self) -> Option<ConnectInfo> {
        self.0.connection()
    }
}

mqtt_testkit::conformance_tests!(Smol);
