//! The servers a client may connect to (the fail-over list), from their URLs.

use crate::Error;
use mqtt_transport::{
    redact_password, Scheme, ServerUrl, Transport, TransportError, TransportOptions,
};

/// One server of the fail-over list: the URL as the caller gave it, parsed.
#[derive(Debug, Clone)]
pub struct Server {
    url: String,
    parsed: ServerUrl,
}

impl Server {
    /// Parses `url`; [`Error::InvalidUrl`] when it cannot be used.
    pub fn parse(url: &str) -> Result<Server, Error> {
        let parsed = ServerUrl::parse(url).map_err(|error| Error::InvalidUrl {
            // Errors end up in logs: never with a password.
            url: redact_password(url).into_owned(),
            error,
        })?;
        Ok(Server {
            url: url.to_owned(),
            parsed,
        })
    }

    /// The URL as given (reported in [`ConnectInfo::server`](crate::ConnectInfo::server)).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The parsed URL (host, port, scheme, path).
    pub fn parsed(&self) -> &ServerUrl {
        &self.parsed
    }

    /// Whether bytes pass unchanged (`mqtt://` / `tcp://`): no TLS, no WebSocket.
    pub fn is_plain_tcp(&self) -> bool {
        matches!(self.parsed.scheme(), Scheme::Mqtt)
    }

    /// A fresh transport (TLS / WebSocket layers as the scheme asks) for one
    /// connection to this server.
    pub fn transport(&self, options: &TransportOptions) -> Result<Transport, TransportError> {
        Transport::new(&self.parsed, options)
    }
}

/// The fail-over list: the URL given to `Client::connect`, then the ones added
/// with [`Options::server`](crate::Options::server), in order.
pub fn servers(first: &str, extra: &[String]) -> Result<Vec<Server>, Error> {
    core::iter::once(first)
        .chain(extra.iter().map(String::as_str))
        .map(Server::parse)
        .collect()
}
