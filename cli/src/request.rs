//! `mqtt rr`: mosquitto_rr's request / response. Subscribes to the
//! response topic (`-e`), publishes the request to `-t` (with that Response
//! Topic in MQTT 5, the default here as in mosquitto_rr), prints the first
//! response as `sub` would, and exits.

use std::time::{Duration, Instant};

use clap::{ArgGroup, Args};
use futures_lite::StreamExt;
use mqtt_tokio::{ByteStr, Client, ProtocolVersion, Publish, QoS};

use crate::conn::{parse_qos, ConnArgs};
use crate::format::PrintArgs;
use crate::props::{PropertyArgs, Stage};
use crate::subscribe::within;
use crate::Failure;

/// `mqtt rr` flags.
#[derive(Args, Debug)]
#[command(
    disable_help_flag = true,
    group(ArgGroup::new("source").args(["message", "file", "stdin_file", "null_message"]).required(true)),
    after_long_help = concat!(
        "-D COMMAND IDENTIFIER VALUE (--property): MQTT 5 properties as for mqtt pub (publish: ",
        "the request) and mqtt sub (subscribe: the response topic's subscription). -F: as for mqtt sub.\n\n",
        "Exit status: 0 once a response is printed, 27 when -W ran out (\"Timed out\"), 1 on an error.\n\n",
        crate::left_out!()
    )
)]
pub struct RrArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Topic the request is published to.
    #[arg(short = 't', long = "topic")]
    pub topic: Option<String>,
    /// Response topic: subscribed to, and named in the request (MQTT 5).
    #[arg(short = 'e', long = "response-topic")]
    pub response_topic: String,
    /// The request's payload.
    #[command(flatten)]
    pub source: crate::publish::Source,
    /// QoS of the request and of the response topic's subscription.
    #[arg(short = 'q', long = "qos", value_parser = parse_qos, default_value = "0")]
    pub qos: QoS,
    /// Do not print retained (stale) responses.
    #[arg(short = 'R')]
    pub no_retained: bool,
    /// Give up after this many seconds: "Timed out", exit status 27.
    #[arg(short = 'W', long = "timeout")]
    pub timeout: Option<u64>,
    #[command(flatten)]
    pub print: PrintArgs,
}

/// Runs `mqtt rr`.
pub async fn run(args: RrArgs, props: PropertyArgs) -> Result<(), Failure> {
    let deadline = args
        .timeout
        .map(|s| Instant::now() + Duration::from_secs(s));
    let target = args.conn.target()?;
    let topic = args
        .topic
        .clone()
        .or_else(|| target.topic.clone())
        .ok_or_else(|| Failure::Usage("a request topic (-t) is needed".into()))?;
    for (flag, t) in [("-t", &topic), ("-e", &args.response_topic)] {
        mqtt_sansio::topic::validate_topic_name(t)
            .map_err(|e| Failure::Usage(format!("invalid {flag} topic \"{t}\": {e}")))?;
    }
    // One of them is there: the argument group requires it.
    let payload = args.source.read().await?.unwrap_or_default();
    let printer = args.print.printer()?;
    let mut request_props = props.properties(Stage::Publish).map_err(Failure::Usage)?;
    let sub_props = props.properties(Stage::Subscribe).map_err(Failure::Usage)?;
    let disconnect = props
        .properties(Stage::Disconnect)
        .map_err(Failure::Usage)?;
    if args.conn.protocol("rr") == ProtocolVersion::V5 {
        request_props.response_topic = Some(ByteStr::from(args.response_topic.clone()));
    }
    let options = args.conn.options("rr", &target, &props)?;
    let client = within(deadline, Client::connect(&target.url, options))
        .await?
        .map_err(Failure::error)?;
    let result = async {
        let filter = mqtt_tokio::SubscribeFilter {
            filter: ByteStr::from(args.response_topic.clone()),
            options: mqtt_tokio::SubscriptionOptions::new(args.qos),
        };
        let mut responses = within(
            deadline,
            client.subscribe_stream_with(vec![filter], sub_props),
        )
        .await?
        .map_err(Failure::error)?;
        if responses.ack().granted().iter().any(Option::is_none) {
            return Err(Failure::Error(format!(
                "the broker refused the subscription to {}",
                args.response_topic
            )));
        }
        let request = Publish::new(topic.as_str(), payload)
            .qos(args.qos)
            .properties(request_props);
        let sent = client.publish_with(request).await.map_err(Failure::error)?;
        within(deadline, sent).await?.map_err(Failure::error)?;
        loop {
            let Some(m) = within(deadline, responses.next()).await? else {
                return Err(Failure::Error(
                    "the client stopped: the connection is closed".into(),
                ));
            };
            if args.no_retained && m.retain() {
                continue;
            }
            let (bytes, error) = printer.render(&m, chrono::Local::now());
            if let Some(e) = error {
                if !args.conn.quiet {
                    eprintln!("Error: {}", e.0);
                }
            }
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)
                .and_then(|()| out.flush())
                .map_err(|e| Failure::Error(format!("cannot write to stdout: {e}")))?;
            return Ok(());
        }
    }
    .await;
    crate::conn::finish(&client, disconnect, result).await
}
