//! Command-line flags shared by the `pub` and `sub` examples of every
//! adapter, in the style of mosquitto_pub / mosquitto_sub. The options they
//! build are [`mqtt_adapter::Options`], which `mqtt_std::Options` and
//! `mqtt_smol::Options` are.
//!
//! ```
//! use mqtt_testkit::cli::Common;
//! let args: Vec<String> = ["-t", "a/b", "-q", "1", "-m", "hi"].map(String::from).into();
//! let mut common = Common::default();
//! let mut rest = Vec::new();
//! let mut i = 0;
//! while i < args.len() {
//!     if !common.take(&args, &mut i)? {
//!         rest.push(args[i].clone());
//!     }
//!     i += 1;
//! }
//! assert_eq!(common.topics, ["a/b"]);
//! assert_eq!(common.qos, Some(mqtt_sansio::QoS::AtLeastOnce));
//! assert_eq!(rest, ["-m", "hi"]);
//! # Ok::<(), String>(())
//! ```

use mqtt_adapter::Options;
use mqtt_sansio::{ProtocolVersion, QoS};
use mqtt_transport::TlsOptions;
use std::fmt;
use std::time::Duration;

/// The exit status of `sub -W` when the time runs out, as mosquitto_sub's
/// (`MOSQ_ERR_TIMEOUT`).
pub const TIMED_OUT_EXIT: i32 = 27;

/// `sub -W SECONDS` ran out of time: printed `Timed out`, exit status
/// [`TIMED_OUT_EXIT`], as mosquitto_sub does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut;

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Timed out")
    }
}

impl std::error::Error for TimedOut {}

/// Connecting to `url` failed: the tools' message names the broker it tried.
#[derive(Debug)]
pub struct ConnectFailed {
    url: String,
    error: Box<dyn std::error::Error + Send + Sync>,
}

impl ConnectFailed {
    /// `error` from connecting to `url` (shown with its password redacted).
    pub fn new(url: &str, error: impl std::error::Error + Send + Sync + 'static) -> ConnectFailed {
        ConnectFailed {
            url: mqtt_transport::redact_password(url).into_owned(),
            error: Box::new(error),
        }
    }
}

impl fmt::Display for ConnectFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot connect to {}", self.url)
    }
}

impl std::error::Error for ConnectFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.error)
    }
}

/// An error and its sources, joined with `: ` (the way `anyhow` prints `{:#}`).
///
/// ```
/// let e = mqtt_adapter::Error::InvalidUrl {
///     url: "gopher://h".into(),
///     error: mqtt_transport::ServerUrl::parse("gopher://h").unwrap_err(),
/// };
/// assert_eq!(
///     mqtt_testkit::cli::chain(&e),
///     "invalid server URL \"gopher://h\": unsupported URL scheme \"gopher\" \
///      (expected mqtt, tcp, mqtts, ssl, ws or wss)"
/// );
/// ```
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut next = error.source();
    while let Some(e) = next {
        out.push_str(": ");
        out.push_str(&e.to_string());
        next = e.source();
    }
    out
}

/// Ends a tool: exit status 0 on success; otherwise the error is printed on
/// stderr (`TOOL: error: its sources`, or `Timed out`) and the status is 1
/// ([`TIMED_OUT_EXIT`] for [`TimedOut`]).
pub fn exit(tool: &str, result: Result<(), Box<dyn std::error::Error>>) -> ! {
    let code = match result {
        Ok(()) => 0,
        Err(e) if e.is::<TimedOut>() => {
            eprintln!("{e}");
            TIMED_OUT_EXIT
        }
        Err(e) => {
            eprintln!("{tool}: {}", chain(&*e));
            1
        }
    };
    std::process::exit(code)
}

/// Flags common to both tools (see [`COMMON_HELP`]).
#[allow(missing_docs)] // each field is the flag of the same name in `COMMON_HELP`
#[derive(Debug, Default)]
pub struct Common {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub url: Option<String>,
    pub topics: Vec<String>,
    pub qos: Option<QoS>,
    pub client_id: Option<String>,
    pub version: Option<ProtocolVersion>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub cafile: Option<String>,
    pub cert: Option<String>,
    pub key: Option<String>,
    pub tls_server_name: Option<String>,
    pub keepalive: Option<u64>,
    pub no_clean: bool,
    pub debug: bool,
}

/// Help text of the common flags.
pub const COMMON_HELP: &str = "  -h HOST          broker host (default: MQTT_URL, else 127.0.0.1:1883, else an embedded broker)
  -p PORT          broker port (default 1883, 8883 with a TLS flag)
  -L URL           broker URL: mqtt://, mqtts://, ws://, wss:// (overrides -h/-p)
  -t TOPIC         topic (sub: may repeat)
  -q QOS           0, 1 or 2
  -i ID            client id (default: generated)
  -V VERSION       31, 311 or 5 (default 311)
  -u USER, -P PASS credentials
  -k SECONDS       keep alive (default 60)
  -c               persistent session (clean session off)
  --cafile FILE    CA certificates (PEM): use TLS (default URL mqtts://127.0.0.1:8883)
  --cert FILE, --key FILE   client certificate and key (PEM) for mutual TLS
  --tls-server-name NAME    check the server certificate against NAME instead of the host
  -d               print connection events on stderr
  --help           this text";

impl Common {
    /// Consumes a common flag at `args[*i]` (and its value: `*i` then points
    /// at the value); `Ok(false)` when it is not one.
    pub fn take(&mut self, args: &[String], i: &mut usize) -> Result<bool, String> {
        let flag = args[*i].as_str();
        let mut value = || -> Result<String, String> {
            *i += 1;
            args.get(*i).cloned().ok_or(format!("{flag} needs a value"))
        };
        match flag {
            "-h" | "--host" => self.host = Some(value()?),
            "-p" | "--port" => self.port = Some(value()?.parse().map_err(|_| "bad port")?),
            "-L" | "--url" => self.url = Some(value()?),
            "-t" | "--topic" => self.topics.push(value()?),
            "-q" | "--qos" => {
                let v: u8 = value()?.parse().map_err(|_| "bad QoS")?;
                self.qos = Some(QoS::from_u8(v).ok_or("QoS must be 0, 1 or 2")?);
            }
            "-i" | "--id" => self.client_id = Some(value()?),
            "-V" | "--protocol-version" => {
                self.version = Some(match value()?.as_str() {
                    "31" | "mqttv31" => ProtocolVersion::V3_1,
                    "311" | "mqttv311" => ProtocolVersion::V3_1_1,
                    "5" | "mqttv5" => ProtocolVersion::V5,
                    v => return Err(format!("unknown protocol version {v}")),
                })
            }
            "-u" | "--username" => self.username = Some(value()?),
            "-P" | "--pw" => self.password = Some(value()?),
            "-k" | "--keepalive" => {
                self.keepalive = Some(value()?.parse().map_err(|_| "bad keep alive")?)
            }
            "-c" | "--disable-clean-session" => self.no_clean = true,
            "--cafile" => self.cafile = Some(value()?),
            "--cert" => self.cert = Some(value()?),
            "--key" => self.key = Some(value()?),
            "--tls-server-name" => self.tls_server_name = Some(value()?),
            "--insecure" => {
                return Err(
                    "--insecure is not offered: certificate verification is always on; \
                            use --cafile and --tls-server-name"
                        .into(),
                )
            }
            "-d" | "--debug" => self.debug = true,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Whether a TLS flag was given (`--cafile`, `--cert`, `--key`, `--tls-server-name`).
    pub fn wants_tls(&self) -> bool {
        self.cafile.is_some()
            || self.cert.is_some()
            || self.key.is_some()
            || self.tls_server_name.is_some()
    }

    /// The broker URL: `-L`, else `-h`/`-p`, else `MQTT_URL` / a local broker
    /// / the embedded one ([`example_broker_for`](crate::example_broker_for)).
    ///
    /// TLS flags are never dropped: with one of them and no `-L`/`-h`/`-p`
    /// the URL is `mqtts://127.0.0.1:8883` (as mosquitto_pub does: the default
    /// TLS port), and a URL without TLS (`-L mqtt://...`, a plain `MQTT_URL`)
    /// is an error.
    ///
    /// ```
    /// use mqtt_testkit::cli::Common;
    /// let mut c = Common::default();
    /// c.cafile = Some("ca.pem".into());
    /// assert_eq!(c.url()?, "mqtts://127.0.0.1:8883");
    /// c.url = Some("mqtt://127.0.0.1:1883".into());
    /// assert!(c.url().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn url(&self) -> Result<String, Box<dyn std::error::Error>> {
        let tls = self.wants_tls();
        let url = if let Some(u) = &self.url {
            u.clone()
        } else if self.host.is_some() || self.port.is_some() {
            let host = self.host.as_deref().unwrap_or("127.0.0.1");
            let port = self.port.unwrap_or(if tls { 8883 } else { 1883 });
            let scheme = if tls { "mqtts" } else { "mqtt" };
            let host = if host.contains(':') {
                format!("[{host}]")
            } else {
                host.to_owned()
            };
            format!("{scheme}://{host}:{port}")
        } else if tls {
            match std::env::var(crate::MQTT_URL_ENV) {
                Ok(u) if !u.trim().is_empty() => u.trim().to_owned(),
                _ => "mqtts://127.0.0.1:8883".to_owned(),
            }
        } else {
            crate::example_broker_for(self.version.unwrap_or(ProtocolVersion::V3_1_1))?
        };
        if tls {
            let scheme = url.split("://").next().unwrap_or("").to_ascii_lowercase();
            if !matches!(scheme.as_str(), "mqtts" | "ssl" | "wss") {
                return Err(format!(
                    "TLS options (--cafile, --cert, --key, --tls-server-name) given, but \
                     {} is not a TLS URL (use mqtts:// or wss://)",
                    mqtt_transport::redact_password(&url)
                )
                .into());
            }
        }
        Ok(url)
    }

    /// Connection options from the flags.
    pub fn options(&self) -> Result<Options, Box<dyn std::error::Error>> {
        let mut o = Options::new();
        if let Some(id) = &self.client_id {
            o = o.client_id(id.clone());
        }
        if let Some(v) = self.version {
            o = o.protocol(v);
        }
        if let Some(u) = &self.username {
            o = o.username(u.clone());
        }
        if let Some(p) = &self.password {
            o = o.configure(|c| c.password = Some(p.clone().into()));
        }
        if let Some(k) = self.keepalive {
            o = o.keep_alive(Duration::from_secs(k));
        }
        if self.no_clean {
            o = o.clean_session(false);
        }
        o = self.tls(o)?;
        if self.debug {
            o = o
                .on_connect(|i| {
                    eprintln!(
                        "connected to {} ({:?}, session present: {})",
                        i.server, i.protocol, i.session_present
                    )
                })
                .on_connection_lost(|c| eprintln!("{}", chain(c)));
        }
        Ok(o)
    }

    fn tls(&self, o: Options) -> Result<Options, Box<dyn std::error::Error>> {
        // A file that cannot be read is an error now, not a silent fall-back later.
        for (flag, file) in [
            ("--cafile", &self.cafile),
            ("--cert", &self.cert),
            ("--key", &self.key),
        ] {
            if let Some(file) = file {
                std::fs::File::open(file)
                    .map_err(|e| format!("{flag}: cannot read {file}: {e}"))?;
            }
        }
        let mut tls = TlsOptions::new();
        match &self.cafile {
            Some(ca) => tls = tls.ca_file(ca),
            None => tls = tls.system_roots(),
        }
        match (&self.cert, &self.key) {
            (Some(c), Some(k)) => tls = tls.client_cert_files(c, k),
            (None, None) => {}
            _ => return Err("--cert and --key go together".into()),
        }
        if let Some(n) = &self.tls_server_name {
            tls = tls.server_name(n.clone());
        }
        Ok(o.tls(tls))
    }
}

/// Reads `args` (without the program name): the common flags into a
/// [`Common`], the others through `own(flag, value)` (`value()` takes the
/// flag's value; `Ok(false)`: not a flag of this tool). `Ok(None)` after
/// printing `help` for `--help`.
fn parse_flags(
    args: &[String],
    help: &str,
    mut own: impl FnMut(
        &str,
        &mut dyn FnMut() -> Result<String, String>,
    ) -> Result<bool, Box<dyn std::error::Error>>,
) -> Result<Option<Common>, Box<dyn std::error::Error>> {
    let mut common = Common::default();
    let mut i = 0;
    while i < args.len() {
        if !common.take(args, &mut i)? {
            let flag = args[i].as_str();
            if flag == "--help" {
                println!("{help}\n{COMMON_HELP}");
                return Ok(None);
            }
            let mut value = || {
                i += 1;
                args.get(i).cloned().ok_or(format!("{flag} needs a value"))
            };
            if !own(flag, &mut value)? {
                return Err(format!("unknown flag {flag}\n{help}\n{COMMON_HELP}").into());
            }
        }
        i += 1;
    }
    Ok(Some(common))
}

/// `pub`'s own flags.
pub const PUB_HELP: &str = "usage: pub -t TOPIC (-m MESSAGE | -n) [-r] [flags]
  -m MESSAGE     the payload
  -n             an empty (zero-length) payload
  -r             retain the message";

/// The `pub` tool's command line: publish one message, like mosquitto_pub.
#[derive(Debug)]
pub struct PubArgs {
    /// The common flags.
    pub common: Common,
    /// `-t`: the one topic.
    pub topic: String,
    /// `-m` (or `-n`: empty).
    pub message: String,
    /// `-r`.
    pub retain: bool,
}

impl PubArgs {
    /// Parses `args` (without the program name); `Ok(None)` after printing
    /// the help for `--help`.
    ///
    /// ```
    /// let args: Vec<String> = ["-t", "a", "-m", "hi", "-r"].map(String::from).into();
    /// let p = mqtt_testkit::cli::PubArgs::parse(&args)?.unwrap();
    /// assert_eq!((p.topic.as_str(), p.message.as_str(), p.retain), ("a", "hi", true));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(args: &[String]) -> Result<Option<PubArgs>, Box<dyn std::error::Error>> {
        let mut message: Option<String> = None;
        let mut retain = false;
        let Some(common) = parse_flags(args, PUB_HELP, |flag, value| {
            match flag {
                "-m" => message = Some(value()?),
                "-n" => message = Some(String::new()),
                "-r" => retain = true,
                _ => return Ok(false),
            }
            Ok(true)
        })?
        else {
            return Ok(None);
        };
        let [topic] = common.topics.as_slice() else {
            return Err(format!("exactly one -t TOPIC is needed\n{PUB_HELP}").into());
        };
        let topic = topic.clone();
        let message = message.ok_or("-m MESSAGE or -n is needed")?;
        Ok(Some(PubArgs {
            common,
            topic,
            message,
            retain,
        }))
    }

    /// The message to publish: mosquitto_pub's default QoS is 0.
    pub fn publish(&self) -> mqtt_adapter::Publish {
        mqtt_adapter::Publish::new(self.topic.as_str(), self.message.clone().into_bytes())
            .qos(self.common.qos.unwrap_or(QoS::AtMostOnce))
            .retain(self.retain)
    }
}

/// The broker's answer to `pub`'s message, as the tool's result: an error
/// reason code is an error.
pub fn check_ack(ack: &mqtt_adapter::PublishAck) -> Result<(), Box<dyn std::error::Error>> {
    if ack.reason.is_error() {
        return Err(format!("the broker refused it: {:?}", ack.reason).into());
    }
    Ok(())
}

/// `sub`'s own flags.
pub const SUB_HELP: &str =
    "usage: sub -t FILTER [-t FILTER...] [-v] [-C COUNT] [-W SECONDS] [flags]
  -v             print the topic before each payload
  -C COUNT       exit after COUNT messages
  -W SECONDS     give up this long after connecting: `Timed out`, exit status 27";

/// The `sub` tool's command line: subscribe and print, like mosquitto_sub.
#[derive(Debug)]
pub struct SubArgs {
    /// The common flags (`-t` filters, `-q` their QoS).
    pub common: Common,
    /// `-v`: print the topic before each payload.
    pub verbose: bool,
    /// `-C`: exit after this many messages.
    pub count: Option<usize>,
    /// `-W`: give up this long after connecting.
    pub wait: Option<Duration>,
}

impl SubArgs {
    /// Parses `args` (without the program name); `Ok(None)` after printing
    /// the help for `--help`.
    ///
    /// ```
    /// let args: Vec<String> = ["-t", "a/#", "-v", "-C", "2"].map(String::from).into();
    /// let s = mqtt_testkit::cli::SubArgs::parse(&args)?.unwrap();
    /// assert_eq!((s.verbose, s.count, s.wait), (true, Some(2), None));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(args: &[String]) -> Result<Option<SubArgs>, Box<dyn std::error::Error>> {
        let mut verbose = false;
        let mut count: Option<usize> = None;
        let mut wait: Option<Duration> = None;
        let Some(common) = parse_flags(args, SUB_HELP, |flag, value| {
            match flag {
                "-v" => verbose = true,
                "-C" => count = Some(value()?.parse()?),
                "-W" => wait = Some(Duration::from_secs(value()?.parse()?)),
                _ => return Ok(false),
            }
            Ok(true)
        })?
        else {
            return Ok(None);
        };
        if common.topics.is_empty() {
            return Err(format!("at least one -t FILTER is needed\n{SUB_HELP}").into());
        }
        Ok(Some(SubArgs {
            common,
            verbose,
            count,
            wait,
        }))
    }

    /// The filters with their QoS (mosquitto_sub's default is 0).
    pub fn filters(&self) -> Vec<(&str, QoS)> {
        let qos = self.common.qos.unwrap_or(QoS::AtMostOnce);
        self.common
            .topics
            .iter()
            .map(|t| (t.as_str(), qos))
            .collect()
    }

    /// When `-W` runs out: like mosquitto_sub, the time counts from the
    /// connection, not per message.
    pub fn deadline(&self, connected: std::time::Instant) -> Option<std::time::Instant> {
        self.wait.map(|d| connected + d)
    }

    /// Whether to wait for another message after `seen` (`-C`).
    pub fn wants_more(&self, seen: usize) -> bool {
        self.count.map_or(true, |c| seen < c)
    }

    /// Checks the SUBACK: a refused filter is an error.
    pub fn check_granted(
        &self,
        ack: &mqtt_adapter::SubAck,
    ) -> Result<(), Box<dyn std::error::Error>> {
        for (filter, granted) in self.common.topics.iter().zip(ack.granted()) {
            if granted.is_none() {
                return Err(format!("the broker refused the subscription to {filter}").into());
            }
        }
        Ok(())
    }

    /// Prints `m` on stdout as mosquitto_sub does (`-v`: topic, space, payload).
    pub fn print(&self, m: &mqtt_adapter::Message) -> std::io::Result<()> {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        if self.verbose {
            write!(out, "{} ", m.topic())?;
        }
        out.write_all(m.payload())?;
        writeln!(out)?;
        out.flush()
    }
}

/// The `throughput` example's command line: `[N] [QOS] [SIZE]` (10,000
/// messages of 64 B at QoS 1 by default).
#[derive(Debug, Clone, Copy)]
pub struct ThroughputArgs {
    /// How many messages.
    pub n: usize,
    /// At which QoS.
    pub qos: QoS,
    /// Of how many bytes each.
    pub size: usize,
}

impl ThroughputArgs {
    /// From the process's arguments.
    pub fn from_env() -> Result<ThroughputArgs, Box<dyn std::error::Error>> {
        let mut args = std::env::args().skip(1);
        let n: usize = args.next().map_or(Ok(10_000), |a| a.parse())?;
        let qos = match args.next().as_deref() {
            None | Some("1") => QoS::AtLeastOnce,
            Some("0") => QoS::AtMostOnce,
            Some("2") => QoS::ExactlyOnce,
            Some(q) => return Err(format!("QoS {q} is not 0, 1 or 2").into()),
        };
        let size: usize = args.next().map_or(Ok(64), |a| a.parse())?;
        Ok(ThroughputArgs { n, qos, size })
    }

    /// Runs the measurement against `url` on runtime `R`: one client
    /// subscribes, another publishes; the subscriber counts on a task of its
    /// own, started with `spawn` (the runtime's spawn, awaiting its result).
    /// Returns the line to print.
    pub async fn run<R, S, F>(
        self,
        url: &str,
        spawn: S,
    ) -> Result<String, Box<dyn std::error::Error>>
    where
        R: mqtt_adapter::aio::Runtime,
        S: FnOnce(Counter) -> F,
        F: std::future::Future<Output = (usize, std::time::Instant)>,
    {
        use futures_lite::StreamExt;
        use mqtt_adapter::aio::Client;
        use std::time::Instant;
        let ThroughputArgs { n, qos, size } = self;
        let topic = format!(
            "mqtt-{}-throughput/{}",
            runtime_name::<R>(),
            std::process::id()
        );
        let sub = Client::<R>::connect(url, Options::new().incoming_buffer(4096)).await?;
        let mut messages = sub.subscribe_stream([(topic.as_str(), qos)]).await?;
        // 20 in flight: Mosquitto's default window. Beyond it, Mosquitto 2.0.11
        // acknowledges but drops QoS 2 messages from an MQTT 3.1.1 client.
        let publisher = Client::<R>::connect(url, Options::new().max_inflight(20)).await?;
        let payload = bytes::Bytes::from(vec![b'x'; size]);

        let start = Instant::now();
        let receiver = spawn(Box::pin(async move {
            let mut got = 0;
            while got < n && messages.next().await.is_some() {
                got += 1;
            }
            (got, Instant::now())
        }));
        let mut last = None;
        for _ in 0..n {
            let p = mqtt_adapter::Publish::new(topic.as_str(), payload.clone()).qos(qos);
            last = Some(publisher.publish_with(p).await?);
        }
        if let Some(h) = last {
            h.await?;
        }
        let published = start.elapsed();
        let (got, done) = receiver.await;
        let total = done - start;
        publisher.disconnect().await?;
        sub.disconnect().await?;
        Ok(format!(
            "{url}: {n} x {size} B at {qos:?}: published in {:.3} s ({:.0} msg/s), \
             {got} received in {:.3} s ({:.0} msg/s end to end)",
            published.as_secs_f64(),
            n as f64 / published.as_secs_f64(),
            total.as_secs_f64(),
            got as f64 / total.as_secs_f64()
        ))
    }
}

/// The `throughput` receiver's task: counts messages, resolves to how many
/// arrived and when the last one did.
pub type Counter =
    std::pin::Pin<Box<dyn std::future::Future<Output = (usize, std::time::Instant)> + Send>>;

/// The short name of runtime `R` (`smol`, `tokio`): its type's last path
/// segment, lower-cased.
fn runtime_name<R>() -> String {
    let path = std::any::type_name::<R>();
    path.rsplit("::").next().unwrap_or(path).to_lowercase()
}
