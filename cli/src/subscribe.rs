//! `mqtt sub`: mosquitto_sub's flags: subscribe, print what arrives, stop
//! after `-C` messages, `-W` seconds (exit status 27), or the first
//! non-retained message (`--retained-only`).

use std::io::Write;
use std::time::{Duration, Instant};

use clap::Args;
use futures_lite::StreamExt;
use mqtt_tokio::{
    ByteStr, Client, Publish, QoS, ReconnectPolicy, SubscribeFilter, SubscriptionOptions,
};

use crate::conn::{parse_qos, ConnArgs};
use crate::format::{PrintArgs, Printer};
use crate::props::{PropertyArgs, Stage};
use crate::Failure;

/// `mqtt sub` flags.
#[derive(Args, Debug)]
#[command(
    disable_help_flag = true,
    after_long_help = concat!(
        "-F FORMAT: %% literal %, %C content type, %D correlation data, %E message expiry interval, ",
        "%F payload format indicator, %I ISO 8601 time, %j JSON, %J JSON with the payload as JSON, ",
        "%l payload length, %m packet id (QoS 1 and 2; 0 at QoS 0), %P user properties (key:value), %p payload, %q QoS, %R response topic, ",
        "%r retained flag, %S subscription identifier, %t topic, %U Unix time with nanoseconds, ",
        "%x / %X payload in hex; flags 0 and -, a field width and .maximum width as mosquitto_sub has them; ",
        "@X is strftime's %X (@N nanoseconds, @@ a literal @); \\\\ \\0 \\a \\e \\n \\r \\t \\v escapes.\n\n",
        "-D COMMAND IDENTIFIER VALUE (--property): an MQTT 5 property (needs -V mqttv5): connect (as for ",
        "mqtt pub), subscribe (subscription-identifier, user-property), unsubscribe (user-property), ",
        "disconnect (session-expiry-interval, user-property), will (as for mqtt pub).\n\n",
        "Exit status: 0, 27 when -W ran out (\"Timed out\"), 1 on an error. A lost connection is ",
        "re-established (with the session, when persistent), as mosquitto_sub does.\n\n",
        crate::left_out!()
    )
)]
pub struct SubArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Topic filter to subscribe to; may be repeated.
    #[arg(short = 't', long = "topic")]
    pub topics: Vec<String>,
    /// Do not print messages whose topic matches this filter; may be repeated.
    #[arg(short = 'T', long = "filter-out")]
    pub filter_out: Vec<String>,
    /// Unsubscribe from this filter (after subscribing to the -t ones); may be repeated.
    #[arg(short = 'U', long = "unsubscribe")]
    pub unsubscribe: Vec<String>,
    /// QoS of the subscriptions.
    #[arg(short = 'q', long = "qos", value_parser = parse_qos, default_value = "0")]
    pub qos: QoS,
    /// Exit after this many messages.
    #[arg(short = 'C', long = "count")]
    pub count: Option<u64>,
    /// Exit once the subscriptions are acknowledged.
    #[arg(short = 'E')]
    pub exit_after_subscribe: bool,
    /// Do not print retained (stale) messages.
    #[arg(short = 'R')]
    pub no_retained: bool,
    /// Print only retained messages; exit at the first message that is not.
    #[arg(long = "retained-only")]
    pub retained_only: bool,
    /// Clear each retained message received (publish an empty retained message to its topic); -T excludes topics.
    #[arg(long = "remove-retained")]
    pub remove_retained: bool,
    /// Give up after this many seconds: "Timed out", exit status 27.
    #[arg(short = 'W', long = "timeout")]
    pub timeout: Option<u64>,
    #[command(flatten)]
    pub print: PrintArgs,
    /// Print only this percentage of the messages, chosen at random.
    #[arg(long = "random-filter", value_name = "PERCENT")]
    pub random_filter: Option<f64>,
}

/// Runs `mqtt sub`.
pub async fn run(args: SubArgs, props: PropertyArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let deadline = args.timeout.map(|s| started + Duration::from_secs(s));
    let target = args.conn.target()?;
    let mut topics = args.topics.clone();
    if let Some(t) = &target.topic {
        topics.push(t.clone());
    }
    if topics.is_empty() {
        return Err(Failure::Usage(
            "You must specify a topic to subscribe to.".into(),
        ));
    }
    if let Some(p) = args.random_filter {
        if !(0.0..=100.0).contains(&p) {
            return Err(Failure::Usage(
                "--random-filter must be between 0 and 100".into(),
            ));
        }
    }
    for f in topics
        .iter()
        .chain(&args.filter_out)
        .chain(&args.unsubscribe)
    {
        mqtt_sansio::topic::validate_topic_filter(f)
            .map_err(|e| Failure::Usage(format!("invalid filter \"{f}\": {e}")))?;
    }
    let printer = args.print.printer()?;
    let sub_props = props.properties(Stage::Subscribe).map_err(Failure::Usage)?;
    let unsub_props = props
        .properties(Stage::Unsubscribe)
        .map_err(Failure::Usage)?;
    let disconnect = props
        .properties(Stage::Disconnect)
        .map_err(Failure::Usage)?;
    let options = args
        .conn
        .options("sub", &target, &props)?
        // As mosquitto_sub: a lost connection is re-established; the first
        // attempt's failure ends the tool.
        .reconnect(ReconnectPolicy::backoff(
            Duration::from_secs(1),
            Duration::from_secs(10),
        ))
        .initial_connect_timeout(Duration::ZERO)
        .manual_acks(true);
    // Messages a persistent session stored arrive right after CONNACK,
    // before the SUBSCRIBE below is answered and its stream exists: they
    // reach no stream, so they come through `on_unhandled`. The callback runs
    // on the runtime's blocking pool, where waiting for room is allowed (and
    // is the backpressure: the client stops reading meanwhile).
    let (early_tx, mut early) = tokio::sync::mpsc::channel::<mqtt_tokio::Message>(256);
    let options = options.on_unhandled(move |m| {
        let _ = early_tx.blocking_send(m.clone());
    });
    let connect = Client::connect(&target.url, options);
    let client = within(deadline, connect).await?.map_err(Failure::error)?;

    let result = receive(
        &args,
        &client,
        topics,
        (sub_props, unsub_props),
        &printer,
        deadline,
        &mut early,
    )
    .await;
    crate::conn::finish(&client, disconnect, result).await
}

/// `f`, or `Failure::TimedOut` once `deadline` passes.
pub(crate) async fn within<T>(
    deadline: Option<Instant>,
    f: impl std::future::Future<Output = T>,
) -> Result<T, Failure> {
    match deadline {
        Some(d) => tokio::time::timeout_at(d.into(), f)
            .await
            .map_err(|_| Failure::TimedOut),
        None => Ok(f.await),
    }
}

async fn receive(
    args: &SubArgs,
    client: &Client,
    topics: Vec<String>,
    (sub_props, unsub_props): (mqtt_tokio::Properties, mqtt_tokio::Properties),
    printer: &Printer,
    deadline: Option<Instant>,
    early: &mut tokio::sync::mpsc::Receiver<mqtt_tokio::Message>,
) -> Result<(), Failure> {
    let filters: Vec<SubscribeFilter> = topics
        .iter()
        .map(|t| SubscribeFilter {
            filter: ByteStr::from(t.clone()),
            options: SubscriptionOptions::new(args.qos),
        })
        .collect();
    // `run` refused an empty topic list: there is always a SUBSCRIBE.
    let mut stream = within(deadline, client.subscribe_stream_with(filters, sub_props))
        .await?
        .map_err(Failure::error)?;
    let granted = stream.ack().granted();
    let refused: Vec<&str> = topics
        .iter()
        .zip(&granted)
        .filter(|(_, g)| g.is_none())
        .map(|(t, _)| t.as_str())
        .collect();
    if refused.len() == topics.len() {
        return Err(Failure::Error(
            "All subscription requests were denied.".into(),
        ));
    }
    for t in refused {
        if !args.conn.quiet {
            eprintln!("Warning: the broker refused the subscription to {t}");
        }
    }
    if !args.unsubscribe.is_empty() {
        within(
            deadline,
            client.unsubscribe_with(args.unsubscribe.iter().map(String::as_str), unsub_props),
        )
        .await?
        .map_err(Failure::error)?;
    }
    if args.exit_after_subscribe {
        return Ok(());
    }
    let mut rng = Rng::seeded();
    let mut printed = 0u64;
    let stdout = std::io::stdout();
    loop {
        if args.count.is_some_and(|c| printed >= c) {
            return Ok(());
        }
        let next = async {
            tokio::select! {
                biased;
                Some(m) = early.recv() => Some(m),
                m = stream.next() => m,
            }
        };
        let Some(m) = within(deadline, next).await? else {
            return Err(Failure::Error(
                "the client stopped: the connection is closed".into(),
            ));
        };
        // Acknowledged once printed (or skipped): a tool killed before
        // printing a message gets it again from a persistent session.
        let _done = AckWhenDone(&m);
        // mosquitto_sub's order: --retained-only, -R, -T, --remove-retained.
        if args.retained_only && !m.retain() {
            return Ok(());
        }
        if args.no_retained && m.retain() {
            continue;
        }
        if args
            .filter_out
            .iter()
            .any(|f| mqtt_sansio::topic::matches(f, m.topic()))
        {
            continue;
        }
        if args.remove_retained && m.retain() {
            let clear = Publish::new(m.topic(), Vec::new())
                .qos(QoS::AtLeastOnce)
                .retain(true);
            // Not awaited: the clear goes out while printing goes on, and
            // disconnect() waits for it.
            drop(client.publish_with(clear).await.map_err(Failure::error)?);
        }
        if let Some(p) = args.random_filter {
            if rng.percent() >= p {
                continue;
            }
        }
        let (bytes, error) = printer.render(&m, chrono::Local::now());
        if let Some(e) = error {
            if !args.conn.quiet {
                eprintln!("Error: {}", e.0);
            }
        }
        let mut out = stdout.lock();
        out.write_all(&bytes)
            .and_then(|()| out.flush())
            .map_err(|e| Failure::Error(format!("cannot write to stdout: {e}")))?;
        drop(out);
        printed += 1;
    }
}

/// Acknowledges its message when dropped (manual acks: PUBACK / PUBREC
/// after the message is written to stdout, not when it arrives).
struct AckWhenDone<'a>(&'a mqtt_tokio::Message);

impl Drop for AckWhenDone<'_> {
    fn drop(&mut self) {
        // Fails only when the connection it came on is gone: the broker
        // sends it again, which is what an unacknowledged message is for.
        let _ = self.0.ack();
    }
}

/// xorshift64*, seeded from the clock: `--random-filter` needs no more.
struct Rng(u64);

impl Rng {
    fn seeded() -> Rng {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9);
        Rng(t | 1)
    }

    /// Uniform in [0, 100).
    fn percent(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (x >> 11) as f64 / (1u64 << 53) as f64 * 100.0
    }
}
