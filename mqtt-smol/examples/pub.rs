//! Publishes one message, like `mosquitto_pub`.
//!
//! ```sh
//! cargo run -p mqtt-smol --example pub -- -t sensors/temp -m 21.5 -q 1
//! cargo run -p mqtt-smol --example pub -- -L mqtts://127.0.0.1:8883 --cafile ca.pem -t t -m hi
//! ```

use mqtt_testkit::cli;

use mqtt_smol::{Client, Publish, QoS};

const HELP: &str = "usage: pub -t TOPIC (-m MESSAGE | -n) [-r] [flags]
  -m MESSAGE     the payload
  -n             an empty (zero-length) payload
  -r             retain the message";

#[allow(dead_code)]
fn main() {
    main_with(std::env::args().skip(1).collect())
}

/// The whole program for `args`: runs, prints the error if any, exits
/// (status 0 on success, 1 on error).
#[allow(dead_code)]
pub fn main_with(args: Vec<String>) -> ! {
    cli::exit("pub", run(args))
}

/// Runs the tool with `args` (without the program name).
pub fn run(args: Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
    let mut common = cli::Common::default();
    let mut message: Option<String> = None;
    let mut retain = false;
    let mut i = 0;
    let value = |i: &mut usize| {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or(format!("{} needs a value", args[*i - 1]))
    };
    while i < args.len() {
        if common.take(&args, &mut i)? {
            i += 1;
            continue;
        }
        match args[i].as_str() {
            "-m" => message = Some(value(&mut i)?),
            "-n" => message = Some(String::new()),
            "-r" => retain = true,
            "--help" => {
                println!("{HELP}\n{}", cli::COMMON_HELP);
                return Ok(());
            }
            f => return Err(format!("unknown flag {f}\n{HELP}\n{}", cli::COMMON_HELP).into()),
        }
        i += 1;
    }
    let [topic] = common.topics.as_slice() else {
        return Err(format!("exactly one -t TOPIC is needed\n{HELP}").into());
    };
    let message = message.ok_or("-m MESSAGE or -n is needed")?;
    let url = common.url()?;
    smol::block_on(async {
        let client = Client::connect(&url, common.options()?)
            .await
            .map_err(|e| cli::ConnectFailed::new(&url, e))?;
        // mosquitto_pub's default QoS is 0.
        let publish = Publish::new(topic.as_str(), message.into_bytes())
            .qos(common.qos.unwrap_or(QoS::AtMostOnce))
            .retain(retain);
        let ack = client.publish_with(publish).await?.await?;
        if ack.reason.is_error() {
            return Err(format!("the broker refused it: {:?}", ack.reason).into());
        }
        client.disconnect().await?;
        Ok(())
    })
}
