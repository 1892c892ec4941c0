//! The behaviour every adapter must show (`mqtt_testkit::conformance`), run
//! on mqtt-std.

use mqtt_std::{Client, ConnectInfo, Error, Message, Options, Publish, PublishAck, QoS, SubAck};
use mqtt_testkit::conformance::Adapter;
use std::time::Duration;

struct Std(Client);

impl Adapter for Std {
    type Handle = mqtt_std::PublishHandle;

    fn connect(url: &str, options: Options) -> Result<Self, Error> {
        Client::connect(url, options).map(Std)
    }
    fn publish(&self, p: Publish) -> Result<Self::Handle, Error> {
        self.0.publish_with(p)
    }
    fn try_publish(&self, p: Publish) -> Result<Self::Handle, Error> {
        self.0.try_publish_with(p)
    }
    fn wait(&self, h: Self::Handle, timeout: Duration) -> Result<PublishAck, Error> {
        h.wait_timeout(timeout)
    }
    fn subscribe(
        &self,
        filter: &str,
        qos: QoS,
        handler: Box<dyn FnMut(&Message) + Send>,
    ) -> Result<SubAck, Error> {
        self.0.subscribe([(filter, qos)], handler)
    }
    fn disconnect(&self, timeout: Duration) -> Result<(), Error> {
        self.0.disconnect_timeout(timeout)
    }
    fn connection(&self) -> Option<ConnectInfo> {
        self.0.connection()
    }
}

mqtt_testkit::conformance_tests!(Std);
