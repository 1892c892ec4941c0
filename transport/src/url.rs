//! Server URLs: `mqtt://`, `mqtts://`, `ws://`, `wss://` and their aliases.

use std::borrow::Cow;
use std::fmt;
use std::net::Ipv6Addr;

/// How to reach the broker: the transport stack a URL asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `mqtt://` or `tcp://`: plain TCP, default port 1883.
    Mqtt,
    /// `mqtts://` or `ssl://`: TLS over TCP, default port 8883.
    Mqtts,
    /// `ws://`: WebSocket over TCP, default port 80, default path `/mqtt`.
    Ws,
    /// `wss://`: WebSocket over TLS, default port 443, default path `/mqtt`.
    Wss,
}

impl Scheme {
    /// The port used when the URL names none.
    pub const fn default_port(self) -> u16 {
        match self {
            Scheme::Mqtt => 1883,
            Scheme::Mqtts => 8883,
            Scheme::Ws => 80,
            Scheme::Wss => 443,
        }
    }

    /// Whether the stack includes TLS.
    pub const fn is_tls(self) -> bool {
        matches!(self, Scheme::Mqtts | Scheme::Wss)
    }

    /// Whether the stack includes WebSocket framing.
    pub const fn is_websocket(self) -> bool {
        matches!(self, Scheme::Ws | Scheme::Wss)
    }

    /// The canonical scheme name (`mqtt`, `mqtts`, `ws`, `wss`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Scheme::Mqtt => "mqtt",
            Scheme::Mqtts => "mqtts",
            Scheme::Ws => "ws",
            Scheme::Wss => "wss",
        }
    }
}

/// The path a WebSocket URL gets when it has none.
pub const DEFAULT_WS_PATH: &str = "/mqtt";

/// Why a string is not a usable server URL. The caller's input is at fault in every case.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// No `scheme://` prefix.
    MissingScheme,
    /// A scheme other than mqtt, tcp, mqtts, ssl, ws, wss.
    UnsupportedScheme {
        /// The scheme as written.
        scheme: String,
    },
    /// Nothing between `://` and the port or path.
    MissingHost,
    /// `user:password@` in the URL: credentials belong in the connect options (and are kept out
    /// of URLs so they never end up in logs).
    UserInfoNotSupported,
    /// The port is not a number from 1 to 65535.
    InvalidPort {
        /// The port as written.
        port: String,
    },
    /// A `[...]` host that is not an IPv6 address, or a missing `]`.
    InvalidIpv6 {
        /// The host as written.
        host: String,
    },
    /// A host containing characters that cannot appear in a host name.
    InvalidHost {
        /// The host as written.
        host: String,
    },
    /// A path, query or fragment on an `mqtt://` or `mqtts://` URL, which has no use for one.
    UnexpectedPath {
        /// The path as written.
        path: String,
    },
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::MissingScheme => f.write_str(
                "server URL has no scheme (expected mqtt://, mqtts://, ws:// or wss://)",
            ),
            UrlError::UnsupportedScheme { scheme } => write!(
                f,
                "unsupported URL scheme {scheme:?} (expected mqtt, tcp, mqtts, ssl, ws or wss)"
            ),
            UrlError::MissingHost => f.write_str("server URL has no host"),
            UrlError::UserInfoNotSupported => f.write_str(
                "credentials in the server URL are not supported; set username/password in the \
                 connect options",
            ),
            UrlError::InvalidPort { port } => write!(f, "invalid port {port:?} in server URL"),
            UrlError::InvalidIpv6 { host } => write!(f, "invalid IPv6 literal {host:?}"),
            UrlError::InvalidHost { host } => write!(f, "invalid host {host:?}"),
            UrlError::UnexpectedPath { path } => write!(
                f,
                "a path ({path:?}) only makes sense for ws:// and wss:// URLs"
            ),
        }
    }
}

impl std::error::Error for UrlError {}

/// A parsed broker URL.
///
/// | scheme | aliases | default port | stack |
/// |---|---|---|---|
/// | `mqtt` | `tcp` | 1883 | TCP |
/// | `mqtts` | `ssl` | 8883 | TLS |
/// | `ws` | | 80 | WebSocket (path defaults to `/mqtt`) |
/// | `wss` | | 443 | WebSocket over TLS (path defaults to `/mqtt`) |
///
/// IPv6 literals are written in brackets: `mqtt://[::1]:1883`. Schemes are case-insensitive.
///
/// ```
/// use mqtt_transport::{Scheme, ServerUrl};
///
/// let url = ServerUrl::parse("ws://127.0.0.1:15675/ws")?;
/// assert_eq!(url.scheme(), Scheme::Ws);
/// assert_eq!((url.host(), url.port(), url.path()), ("127.0.0.1", 15675, "/ws"));
///
/// let url = ServerUrl::parse("mqtts://[::1]")?;
/// assert_eq!((url.host(), url.port()), ("::1", 8883));
/// assert_eq!(url.to_string(), "mqtts://[::1]:8883");
/// # Ok::<(), mqtt_transport::UrlError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerUrl {
    scheme: Scheme,
    /// Without brackets for IPv6.
    host: String,
    port: u16,
    /// Path and query for WebSocket URLs (starts with `/`); empty for the others.
    path: String,
}

impl ServerUrl {
    /// Parses a server URL.
    pub fn parse(input: &str) -> Result<ServerUrl, UrlError> {
        let input = input.trim();
        let (scheme_str, rest) = input.split_once("://").ok_or(UrlError::MissingScheme)?;
        let scheme = match scheme_str.to_ascii_lowercase().as_str() {
            "mqtt" | "tcp" => Scheme::Mqtt,
            "mqtts" | "ssl" => Scheme::Mqtts,
            "ws" => Scheme::Ws,
            "wss" => Scheme::Wss,
            "" => return Err(UrlError::MissingScheme),
            _ => {
                return Err(UrlError::UnsupportedScheme {
                    scheme: scheme_str.to_owned(),
                })
            }
        };
        if userinfo_end(rest).is_some() {
            return Err(UrlError::UserInfoNotSupported);
        }
        let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        let (host, port) = split_host_port(authority)?;
        let port = match port {
            None => scheme.default_port(),
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n != 0 => n,
                _ => return Err(UrlError::InvalidPort { port: p.to_owned() }),
            },
        };
        let path = if scheme.is_websocket() {
            if path.is_empty() {
                DEFAULT_WS_PATH.to_owned()
            } else if path.starts_with('/') {
                path.to_owned()
            } else {
                // `ws://host?x=1`: the path is empty, keep the query.
                format!("{DEFAULT_WS_PATH}{path}")
            }
        } else if path.is_empty() || path == "/" {
            String::new()
        } else {
            return Err(UrlError::UnexpectedPath {
                path: path.to_owned(),
            });
        };
        Ok(ServerUrl {
            scheme,
            host,
            port,
            path,
        })
    }

    /// The transport stack.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host, without brackets for an IPv6 literal: ready for `(host, port)` socket
    /// addresses and for TLS server names.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port (the scheme's default when the URL names none).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The WebSocket path with query (`/mqtt` by default); empty for `mqtt://` and `mqtts://`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether the stack includes TLS.
    pub fn is_tls(&self) -> bool {
        self.scheme.is_tls()
    }

    /// Whether the stack includes WebSocket framing.
    pub fn is_websocket(&self) -> bool {
        self.scheme.is_websocket()
    }

    /// `host:port`, with brackets for IPv6 (the form of an HTTP `Host` header).
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Display for ServerUrl {
    /// The canonical form: scheme name, host, explicit port, and the path for WebSockets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{}{}",
            self.scheme.as_str(),
            self.authority(),
            self.path
        )
    }
}

impl std::str::FromStr for ServerUrl {
    type Err = UrlError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ServerUrl::parse(s)
    }
}

/// Where the `user[:password]` part of what follows `scheme://` ends: the last `@` before any
/// query or fragment. A password may contain `/` when written unencoded, so the `@` is looked
/// for past the first `/` too.
fn userinfo_end(rest: &str) -> Option<usize> {
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    rest[..end].rfind('@')
}

/// `input` with the password of a `scheme://user:password@host` URL replaced by `***`, for
/// error messages and logs. Anything else is returned unchanged (borrowed).
///
/// ```
/// use mqtt_transport::redact_password;
/// assert_eq!(redact_password("mqtt://alice:s3cret@broker:1883"), "mqtt://alice:***@broker:1883");
/// assert_eq!(redact_password("mqtt://broker:1883"), "mqtt://broker:1883");
/// ```
pub fn redact_password(input: &str) -> Cow<'_, str> {
    let Some(start) = input.find("://").map(|i| i + 3) else {
        return Cow::Borrowed(input);
    };
    let rest = &input[start..];
    let Some(at) = userinfo_end(rest) else {
        return Cow::Borrowed(input);
    };
    match rest[..at].find(':') {
        Some(colon) => Cow::Owned(format!("{}***{}", &input[..start + colon + 1], &rest[at..])),
        None => Cow::Borrowed(input),
    }
}

/// Splits `host[:port]` / `[v6][:port]`.
fn split_host_port(authority: &str) -> Result<(String, Option<&str>), UrlError> {
    if let Some(rest) = authority.strip_prefix('[') {
        let bad = || UrlError::InvalidIpv6 {
            host: authority.to_owned(),
        };
        let (v6, after) = rest.split_once(']').ok_or_else(bad)?;
        // Zone ids (`%eth0`) are not supported: loopback and global addresses only.
        v6.parse::<Ipv6Addr>().map_err(|_| bad())?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(bad)?),
        };
        return Ok((v6.to_ascii_lowercase(), port));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if host.is_empty() {
        return Err(UrlError::MissingHost);
    }
    if host.contains(':') {
        // An IPv6 address without brackets is ambiguous with the port separator.
        return Err(UrlError::InvalidIpv6 {
            host: host.to_owned(),
        });
    }
    if !host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    {
        return Err(UrlError::InvalidHost {
            host: host.to_owned(),
        });
    }
    Ok((host.to_ascii_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(s: &str) -> (Scheme, String, u16, String) {
        let u = ServerUrl::parse(s).unwrap();
        (
            u.scheme(),
            u.host().to_owned(),
            u.port(),
            u.path().to_owned(),
        )
    }

    #[test]
    fn each_scheme_gets_its_default_port() {
        assert_eq!(parts("mqtt://broker").2, 1883);
        assert_eq!(parts("tcp://broker").2, 1883);
        assert_eq!(parts("mqtts://broker").2, 8883);
        assert_eq!(parts("ssl://broker").2, 8883);
        assert_eq!(parts("ws://broker").2, 80);
        assert_eq!(parts("wss://broker").2, 443);
    }

    #[test]
    fn aliases_map_to_the_canonical_schemes() {
        assert_eq!(parts("tcp://h:1").0, Scheme::Mqtt);
        assert_eq!(parts("ssl://h:1").0, Scheme::Mqtts);
        assert_eq!(parts("MQTT://h:1").0, Scheme::Mqtt);
        assert_eq!(
            ServerUrl::parse("TCP://h:1").unwrap().to_string(),
            "mqtt://h:1"
        );
    }

    #[test]
    fn explicit_port_and_host_are_kept() {
        assert_eq!(
            parts("mqtt://127.0.0.1:1884"),
            (Scheme::Mqtt, "127.0.0.1".into(), 1884, String::new())
        );
    }

    #[test]
    fn websocket_path_defaults_to_mqtt() {
        assert_eq!(parts("ws://127.0.0.1:8083").3, "/mqtt");
        assert_eq!(parts("wss://h").3, "/mqtt");
        assert_eq!(parts("ws://h:1/ws").3, "/ws");
        assert_eq!(parts("ws://h:1/").3, "/");
        assert_eq!(parts("ws://h:1/a/b?x=1").3, "/a/b?x=1");
        assert_eq!(parts("ws://h:1?x=1").3, "/mqtt?x=1");
    }

    #[test]
    fn ipv6_literals_are_unbracketed_in_host_and_bracketed_in_display() {
        let u = ServerUrl::parse("mqtt://[::1]:1883").unwrap();
        assert_eq!(u.host(), "::1");
        assert_eq!(u.authority(), "[::1]:1883");
        assert_eq!(u.to_string(), "mqtt://[::1]:1883");
        assert_eq!(parts("ws://[::1]/x").2, 80);
        assert_eq!(parts("mqtt://[2001:DB8::1]").1, "2001:db8::1");
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "mqtt://127.0.0.1:1883",
            "mqtts://localhost:8883",
            "ws://127.0.0.1:15675/ws",
            "wss://[::1]:443/mqtt",
        ] {
            let u = ServerUrl::parse(s).unwrap();
            assert_eq!(u.to_string(), s);
            assert_eq!(ServerUrl::parse(&u.to_string()).unwrap(), u);
        }
    }

    #[test]
    fn trailing_slash_on_mqtt_url_is_accepted() {
        assert_eq!(parts("mqtt://h:1/").3, "");
    }

    #[test]
    fn missing_or_unknown_scheme_is_an_error() {
        assert_eq!(
            ServerUrl::parse("127.0.0.1:1883"),
            Err(UrlError::MissingScheme)
        );
        assert_eq!(ServerUrl::parse("://h"), Err(UrlError::MissingScheme));
        assert_eq!(
            ServerUrl::parse("http://h"),
            Err(UrlError::UnsupportedScheme {
                scheme: "http".into()
            })
        );
    }

    #[test]
    fn missing_host_is_an_error() {
        assert_eq!(ServerUrl::parse("mqtt://"), Err(UrlError::MissingHost));
        assert_eq!(ServerUrl::parse("mqtt://:1883"), Err(UrlError::MissingHost));
        assert_eq!(ServerUrl::parse("ws:///mqtt"), Err(UrlError::MissingHost));
    }

    #[test]
    fn bad_ports_are_errors() {
        for p in ["0", "65536", "x", "", "-1", "1883x"] {
            assert_eq!(
                ServerUrl::parse(&format!("mqtt://h:{p}")),
                Err(UrlError::InvalidPort { port: p.into() }),
                "port {p:?}"
            );
        }
    }

    #[test]
    fn bad_ipv6_literals_are_errors() {
        for s in [
            "mqtt://[::1",
            "mqtt://[nope]:1",
            "mqtt://[::1]x",
            "mqtt://::1:1883",
        ] {
            assert!(
                matches!(ServerUrl::parse(s), Err(UrlError::InvalidIpv6 { .. })),
                "{s}"
            );
        }
    }

    #[test]
    fn invalid_host_characters_are_errors() {
        assert!(matches!(
            ServerUrl::parse("mqtt://bad host:1"),
            Err(UrlError::InvalidHost { .. })
        ));
    }

    #[test]
    fn credentials_in_url_are_refused_without_echoing_them() {
        let err = ServerUrl::parse("mqtt://user:secret@h:1").unwrap_err();
        assert_eq!(err, UrlError::UserInfoNotSupported);
        assert!(!err.to_string().contains("secret"));
    }

    #[test]
    fn a_password_with_a_slash_is_refused_as_credentials_not_read_as_a_port() {
        // Before: "mqtt://u:p/w@h" split at '/' gave the port "p", echoed in the error.
        let err = ServerUrl::parse("mqtt://u:p/w@h").unwrap_err();
        assert_eq!(err, UrlError::UserInfoNotSupported);
    }

    #[test]
    fn redact_password_hides_the_password_only() {
        assert_eq!(redact_password("mqtt://u:pw@h:1"), "mqtt://u:***@h:1");
        assert_eq!(redact_password("ws://u:p/w@h/mqtt"), "ws://u:***@h/mqtt");
        assert_eq!(redact_password("mqtts://u:a@b@h"), "mqtts://u:***@h");
        assert_eq!(redact_password("mqtt://user@h"), "mqtt://user@h");
        assert_eq!(redact_password("ws://h/p?x=a@b"), "ws://h/p?x=a@b");
        assert_eq!(redact_password("h:1883"), "h:1883");
    }

    #[test]
    fn path_on_plain_mqtt_url_is_an_error() {
        assert_eq!(
            ServerUrl::parse("mqtt://h:1/topic"),
            Err(UrlError::UnexpectedPath {
                path: "/topic".into()
            })
        );
    }
}
