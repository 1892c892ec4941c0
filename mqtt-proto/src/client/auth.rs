//! MQTT 5 enhanced authentication (§4.12): the pluggable [`Authenticator`].

use bytes::Bytes;

use crate::codec::{ByteStr, Properties, ReasonCode};

/// A challenge/response authentication method (SCRAM, Kerberos, a token
/// exchange...), driven by the core through CONNECT, AUTH and CONNACK.
///
/// The core calls [`start`](Self::start) when it builds CONNECT (and when the
/// application asks to re-authenticate), [`challenge`](Self::challenge) for
/// every AUTH with reason Continue Authentication from the broker, and
/// [`finish`](Self::finish) with the properties of the successful CONNACK or
/// AUTH. Any `Err` ends the exchange: during connect the connection is closed
/// with [`ConnectionError::Auth`](super::ConnectionError::Auth).
///
/// ```
/// use bytes::Bytes;
/// use mqtt_sansio::client::{AuthFailure, Authenticator};
/// use mqtt_sansio::codec::{ByteStr, Properties};
///
/// /// Sends a fixed token, answers every challenge with the same token.
/// struct Token(&'static [u8]);
/// impl Authenticator for Token {
///     fn method(&self) -> ByteStr { ByteStr::from_static("TOKEN") }
///     fn start(&mut self) -> Result<Option<Bytes>, AuthFailure> {
///         Ok(Some(Bytes::from_static(self.0)))
///     }
///     fn challenge(&mut self, _data: Option<&Bytes>) -> Result<Option<Bytes>, AuthFailure> {
///         Ok(Some(Bytes::from_static(self.0)))
///     }
/// }
/// let config = mqtt_sansio::client::Config::default()
///     .protocol(mqtt_sansio::ProtocolVersion::V5)
///     .authenticator(Token(b"secret"));
/// assert!(config.authenticator.is_some());
/// ```
pub trait Authenticator: Send {
    /// The Authentication Method property (for example `SCRAM-SHA-256`).
    fn method(&self) -> ByteStr;

    /// Starts an exchange: the Authentication Data of CONNECT (or of the AUTH
    /// with reason Re-authenticate).
    fn start(&mut self) -> Result<Option<Bytes>, AuthFailure>;

    /// Answers the broker's challenge (its Authentication Data) with the data
    /// of the next AUTH (reason Continue Authentication).
    fn challenge(&mut self, data: Option<&Bytes>) -> Result<Option<Bytes>, AuthFailure>;

    /// The exchange succeeded: `properties` are those of the CONNACK or AUTH
    /// (reason Success), which may carry final server data to verify.
    /// The default accepts.
    fn finish(&mut self, properties: &Properties) -> Result<(), AuthFailure> {
        let _ = properties;
        Ok(())
    }
}

/// Why an [`Authenticator`] gave up, with the reason code to send to the
/// broker in DISCONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthFailure {
    /// Reason code for the DISCONNECT the core sends (for example
    /// [`ReasonCode::NotAuthorized`]).
    pub reason: ReasonCode,
}

impl AuthFailure {
    /// A failure with reason Not authorized (0x87).
    pub const NOT_AUTHORIZED: AuthFailure = AuthFailure {
        reason: ReasonCode::NotAuthorized,
    };
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use bytes::BytesMut;

    use super::*;
    use crate::client::{Client, Config, ConnectionError, Event};
    use crate::codec::{self, Auth, Packet, ProtocolVersion};

    /// Answers every challenge with more data than a Binary Data field holds
    /// (65,535 bytes): our own AUTH cannot be encoded.
    struct Oversized;

    impl Authenticator for Oversized {
        fn method(&self) -> ByteStr {
            ByteStr::from_static("OVERSIZED")
        }
        fn start(&mut self) -> Result<Option<Bytes>, AuthFailure> {
            Ok(None)
        }
        fn challenge(&mut self, _data: Option<&Bytes>) -> Result<Option<Bytes>, AuthFailure> {
            Ok(Some(Bytes::from(alloc::vec![0u8; 70_000])))
        }
    }

    #[test]
    fn an_auth_answer_that_cannot_be_encoded_is_our_fault_not_the_brokers() {
        let config = Config::default()
            .protocol(ProtocolVersion::V5)
            .client_id("auth")
            .authenticator(Oversized);
        let mut client = Client::<Duration>::new(config).unwrap();
        let now = Duration::ZERO;
        client.connect(now);
        let _ = client.poll_transport();
        client.handle_connected(now);
        let mut properties = Properties::default();
        properties.authentication_method = Some(ByteStr::from_static("OVERSIZED"));
        let challenge = Packet::Auth(Auth {
            reason: ReasonCode::ContinueAuthentication,
            properties,
        });
        let mut wire = BytesMut::new();
        codec::encode(&challenge, ProtocolVersion::V5, 1024, &mut wire).unwrap();
        client.handle_data(now, &wire);
        let mut lost = None;
        while let Some(e) = client.poll_event() {
            if let Event::ConnectionLost {
                cause,
                will_reconnect,
            } = e
            {
                lost = Some((cause, will_reconnect));
            }
        }
        assert_eq!(
            lost,
            Some((
                ConnectionError::Auth(ReasonCode::ImplementationSpecificError),
                false
            ))
        );
    }
}
