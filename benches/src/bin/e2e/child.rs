//! The child side: one client runs one scenario and prints one `RESULT` line.

use crate::{clients, ClientKind, Outcome, Params, Scenario};

/// `e2e --child <client> <scenario> <params...>`; returns the exit code.
pub fn main(args: &[String]) -> i32 {
    crate::raise_fd_limit();
    let (Some(kind), Some(sc), Some(params)) = (
        args.first().and_then(|a| ClientKind::parse(a)),
        args.get(1).and_then(|a| Scenario::parse(a)),
        args.get(2..).and_then(Params::from_args),
    ) else {
        eprintln!("usage: e2e --child <client> <scenario> <port msgs payload rtts conns rate secs interval max-threads>");
        return 2;
    };
    let result = clients::run(kind, sc, &params).and_then(|o| match sc {
        // QoS 1 loses nothing: a short count is a failure, not a result.
        Scenario::Subscribe(q) if q > 0 && o.msgs < params.msgs => {
            Err(format!("only {} of {} received", o.msgs, params.msgs))
        }
        _ => Ok(o),
    });
    match result {
        Ok(o) => {
            println!("{}", o.to_line());
            0
        }
        Err(e) => {
            let o = Outcome {
                note: format!("failed: {e}"),
                ..Outcome::default()
            };
            println!("{}", o.to_line());
            1
        }
    }
}
