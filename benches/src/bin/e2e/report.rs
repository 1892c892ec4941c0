//! Markdown tables: the median of the runs, ratios to rumqttc from the same invocation.

use std::fmt::Write;
use std::time::Duration;

use crate::{ClientKind, Outcome, Params, Scenario};

/// One child run: what it reported, and what the kernel counted for it.
#[derive(Clone, Debug, Default)]
pub struct Measured {
    pub outcome: Outcome,
    /// User + system CPU seconds of the child (wait4's rusage), whole process lifetime.
    pub cpu_s: f64,
    /// Peak resident set size (ru_maxrss), KiB.
    pub max_rss_kib: u64,
    /// Highest `Threads:` seen in /proc/PID/status (sampled every 10 ms).
    pub threads: u64,
    /// The child exited 0 and was not killed.
    pub ok: bool,
    /// Not run, and why.
    pub na: Option<&'static str>,
}

impl Measured {
    pub fn na(why: &'static str) -> Measured {
        Measured {
            na: Some(why),
            ..Measured::default()
        }
    }

    pub fn failed(why: String) -> Measured {
        Measured {
            outcome: Outcome {
                note: why,
                ..Outcome::default()
            },
            ..Measured::default()
        }
    }

    fn rate(&self) -> f64 {
        if self.outcome.secs > 0.0 {
            self.outcome.msgs as f64 / self.outcome.secs
        } else {
            0.0
        }
    }

    /// CPU milliseconds per 100,000 messages.
    fn cpu_per_100k_ms(&self) -> f64 {
        if self.outcome.msgs > 0 {
            self.cpu_s * 1e3 * 1e5 / self.outcome.msgs as f64
        } else {
            0.0
        }
    }

    /// One line for the progress log.
    pub fn summary(&self) -> String {
        if let Some(why) = self.na {
            return why.to_string();
        }
        let o = &self.outcome;
        format!(
            "{}{} msgs in {:.2} s, CPU {:.2} s, RSS {:.1} MiB, {} threads{}{}",
            if self.ok { "" } else { "FAILED: " },
            o.msgs,
            o.secs,
            self.cpu_s,
            self.max_rss_kib as f64 / 1024.0,
            self.threads,
            if o.conns > 0 {
                format!(", {} conns, {} errors", o.conns, o.errors)
            } else {
                String::new()
            },
            if o.note.is_empty() {
                String::new()
            } else {
                format!(" ({})", o.note)
            }
        )
    }
}

/// Where and when the tables were measured.
pub struct Context {
    pub mosquitto: String,
    pub load_before: String,
    pub load_after: String,
    pub wall: Duration,
    pub command: String,
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The medians of one (scenario, client) over its successful runs.
struct Row {
    kind: ClientKind,
    ok: usize,
    runs: usize,
    rate: f64,
    msgs: f64,
    cpu: f64,
    rss_mib: f64,
    threads: f64,
    p50: f64,
    p99: f64,
    /// (max − min) ÷ median of msgs/s (round trips: of p50), over the successful runs.
    spread: f64,
    note: String,
    na: Option<&'static str>,
    last: Option<Measured>,
}

fn row(kind: ClientKind, ms: &[Measured]) -> Row {
    let good: Vec<&Measured> = ms.iter().filter(|m| m.ok).collect();
    let med = |f: fn(&Measured) -> f64| median(good.iter().map(|m| f(m)).collect());
    let spread = |f: fn(&Measured) -> f64| {
        let v: Vec<f64> = good.iter().map(|m| f(m)).collect();
        let (lo, hi) = v
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                (lo.min(x), hi.max(x))
            });
        let m = median(v);
        if m > 0.0 {
            (hi - lo) / m
        } else {
            f64::NAN
        }
    };
    let mut notes: Vec<String> = ms
        .iter()
        .map(|m| m.outcome.note.clone())
        .filter(|n| !n.is_empty())
        .collect();
    notes.dedup();
    Row {
        kind,
        ok: good.len(),
        runs: ms.len(),
        rate: med(Measured::rate),
        msgs: med(|m| m.outcome.msgs as f64),
        cpu: med(Measured::cpu_per_100k_ms),
        rss_mib: med(|m| m.max_rss_kib as f64 / 1024.0),
        threads: med(|m| m.threads as f64),
        p50: med(|m| m.outcome.p50_us),
        p99: med(|m| m.outcome.p99_us),
        spread: if matches!(good.first().map(|m| m.outcome.p50_us), Some(p) if p > 0.0) {
            spread(|m| m.outcome.p50_us)
        } else {
            spread(Measured::rate)
        },
        note: notes.join("; "),
        na: ms.iter().find_map(|m| m.na),
        last: ms.last().cloned(),
    }
}

fn num(v: f64, digits: usize) -> String {
    if v.is_nan() {
        return "–".into();
    }
    let s = format!("{v:.digits$}");
    // Thousands separators on the integer part, for the eye.
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 && c != '-' {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

fn percent(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else {
        format!("{:.0} %", v * 100.0)
    }
}

fn ratio(a: f64, b: f64) -> String {
    if a.is_nan() || b.is_nan() || b == 0.0 || a == 0.0 {
        "–".into()
    } else {
        format!("{:.2}×", a / b)
    }
}

fn peers(rows: &[Row]) -> (Option<&Row>, Option<&Row>) {
    let find = |k| rows.iter().find(|r| r.kind == k && r.ok > 0);
    (
        find(ClientKind::RumqttcAsync),
        find(ClientKind::RumqttcSync),
    )
}

fn runs(r: &Row) -> String {
    if r.na.is_some() {
        "–".into()
    } else {
        format!("{}/{}", r.ok, r.runs)
    }
}

fn status(r: &Row) -> Option<String> {
    if let Some(why) = r.na {
        return Some(why.to_string());
    }
    (r.ok == 0).then(|| format!("failed: {}", r.note))
}

/// All the tables, as markdown.
pub fn render(
    results: &[(Scenario, ClientKind, Vec<Measured>)],
    p: &Params,
    std_conns: u64,
    runs: usize,
    cx: &Context,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Command: `{}`  ", cx.command);
    let _ = writeln!(
        out,
        "{}; {} B payloads; median of {runs} run(s) (scale: 1 run); load average {} before, {} after; {:.0} s in all.\n",
        cx.mosquitto,
        p.payload,
        cx.load_before,
        cx.load_after,
        cx.wall.as_secs_f64()
    );
    let mut scenarios: Vec<Scenario> = results.iter().map(|r| r.0).collect();
    scenarios.dedup();
    for sc in scenarios {
        let rows: Vec<Row> = results
            .iter()
            .filter(|r| r.0 == sc)
            .map(|r| row(r.1, &r.2))
            .collect();
        let _ = writeln!(out, "### {}\n", title(sc, p, std_conns));
        match sc {
            Scenario::Publish(_) | Scenario::Subscribe(_) => throughput(&mut out, &rows),
            Scenario::RoundTrip => round_trips(&mut out, &rows),
            Scenario::Scale => scale(&mut out, &rows),
        }
        out.push('\n');
    }
    out
}

fn title(sc: Scenario, p: &Params, std_conns: u64) -> String {
    match sc {
        Scenario::Publish(q) => format!(
            "Publish {} × {} B at QoS {q}{}",
            num(p.msgs as f64, 0),
            p.payload,
            if q > 0 { ", at most 100 unacknowledged" } else { "" }
        ),
        Scenario::Subscribe(q) => format!(
            "Subscribe at QoS {q}, the reference publisher sending {} at QoS {q}",
            num(p.msgs as f64, 0)
        ),
        Scenario::RoundTrip => format!(
            "{} sequential QoS 1 round trips",
            num(p.rtts as f64, 0)
        ),
        Scenario::Scale => format!(
            "Scale: {} connections in one process ({} for mqtt-std), opened at {}/s, each publishing QoS 1 every {} s for {} s",
            num(p.conns as f64, 0),
            num(std_conns as f64, 0),
            p.rate,
            p.interval,
            p.secs
        ),
    }
}

fn throughput(out: &mut String, rows: &[Row]) {
    let (ra, rs) = peers(rows);
    let _ = writeln!(out, "| client | msgs/s | spread | msgs | CPU ms / 100k msgs | peak RSS MiB | threads | msgs/s ÷ rumqttc-async | msgs/s ÷ rumqttc-sync | CPU ÷ rumqttc-async | CPU ÷ rumqttc-sync | ok runs | note |");
    let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
    for r in rows {
        if let Some(s) = status(r) {
            let _ = writeln!(
                out,
                "| {} | {s} |  |  |  |  |  |  |  |  | {} |  |",
                r.kind,
                runs(r)
            );
            continue;
        }
        let pr = |peer: Option<&Row>, f: fn(&Row) -> f64| {
            peer.map_or("–".into(), |pe| ratio(f(r), f(pe)))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {}/{} | {} |",
            r.kind,
            num(r.rate, 0),
            percent(r.spread),
            num(r.msgs, 0),
            num(r.cpu, 0),
            num(r.rss_mib, 1),
            num(r.threads, 0),
            pr(ra, |x| x.rate),
            pr(rs, |x| x.rate),
            pr(ra, |x| x.cpu),
            pr(rs, |x| x.cpu),
            r.ok,
            r.runs,
            r.note
        );
    }
}

fn round_trips(out: &mut String, rows: &[Row]) {
    let (ra, rs) = peers(rows);
    let _ = writeln!(out, "| client | p50 µs | p50 spread | p99 µs | round trips/s | CPU ms / 100k | peak RSS MiB | threads | p50 ÷ rumqttc-async | p50 ÷ rumqttc-sync | p99 ÷ rumqttc-async | p99 ÷ rumqttc-sync | CPU ÷ rumqttc-async | CPU ÷ rumqttc-sync | ok runs |");
    let _ = writeln!(
        out,
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    );
    for r in rows {
        if let Some(s) = status(r) {
            let _ = writeln!(
                out,
                "| {} | {s} |  |  |  |  |  |  |  |  |  |  |  | {} |",
                r.kind,
                runs(r)
            );
            continue;
        }
        let pr = |peer: Option<&Row>, f: fn(&Row) -> f64| {
            peer.map_or("–".into(), |pe| ratio(f(r), f(pe)))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {}/{} |",
            r.kind,
            num(r.p50, 0),
            percent(r.spread),
            num(r.p99, 0),
            num(r.rate, 0),
            num(r.cpu, 0),
            num(r.rss_mib, 1),
            num(r.threads, 0),
            pr(ra, |x| x.p50),
            pr(rs, |x| x.p50),
            pr(ra, |x| x.p99),
            pr(rs, |x| x.p99),
            pr(ra, |x| x.cpu),
            pr(rs, |x| x.cpu),
            r.ok,
            r.runs
        );
    }
}

fn scale(out: &mut String, rows: &[Row]) {
    let (ra, _) = peers(rows);
    let per_conn = |r: &Row| {
        r.last
            .as_ref()
            .filter(|m| m.outcome.conns > 0)
            .map_or(f64::NAN, |m| {
                m.max_rss_kib.saturating_sub(m.outcome.base_rss_kib) as f64 / m.outcome.conns as f64
            })
    };
    let _ = writeln!(out, "| client | connections | publishes acked | errors | peak RSS MiB | RSS KiB / connection (above the RSS before connecting) | threads | CPU s | RSS / connection ÷ rumqttc-async | threads ÷ rumqttc-async | note |");
    let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
    for r in rows {
        let Some(m) = r.last.as_ref().filter(|_| r.na.is_none()) else {
            let _ = writeln!(
                out,
                "| {} | {} |  |  |  |  |  |  |  |  |  |",
                r.kind,
                r.na.unwrap_or("–")
            );
            continue;
        };
        let o = &m.outcome;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {}{} |",
            r.kind,
            num(o.conns as f64, 0),
            num(o.msgs as f64, 0),
            num(o.errors as f64, 0),
            num(m.max_rss_kib as f64 / 1024.0, 1),
            num(per_conn(r), 1),
            num(m.threads as f64, 0),
            num(m.cpu_s, 1),
            ra.map_or("–".into(), |pe| ratio(per_conn(r), per_conn(pe))),
            ra.map_or("–".into(), |pe| ratio(m.threads as f64, pe.threads)),
            if m.ok { "" } else { "FAILED " },
            o.note
        );
    }
}
