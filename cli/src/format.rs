//! How `sub` prints a message: the payload (default), `-v` (topic, space,
//! payload) or a `-F` format string with mosquitto_sub's sequences, each
//! followed by a newline unless `-N`.

use std::fmt::Write as _;

use chrono::{DateTime, Local};
use clap::Args;
use mqtt_tokio::Message;

/// How `sub` and `rr` print: `-N`, `-v`, `-F`, `--pretty`.
#[derive(Args, Debug, Clone)]
pub struct PrintArgs {
    /// No newline after each message.
    #[arg(short = 'N')]
    pub no_eol: bool,
    /// Print the topic, a space, then the payload.
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,
    /// Output format (see below).
    #[arg(short = 'F', value_name = "FORMAT")]
    pub format: Option<String>,
    /// Indent the JSON of %j / %J.
    #[arg(long)]
    pub pretty: bool,
}

impl PrintArgs {
    /// The printer these flags describe; a `-F` it cannot honour is a usage error.
    pub fn printer(&self) -> Result<Printer, crate::Failure> {
        Printer::new(
            self.format.as_deref(),
            self.verbose,
            self.no_eol,
            self.pretty,
        )
        .map_err(crate::Failure::Usage)
    }
}

/// One piece of a `-F` format string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Text printed as is (escapes already resolved).
    Text(Vec<u8>),
    /// `%X` with its flags, width and maximum width.
    Field {
        spec: char,
        zero: bool,
        left: bool,
        width: usize,
        max: Option<usize>,
    },
    /// `@X`: strftime's `%X` (`@N`: nanoseconds).
    Time(char),
}

/// What to print for each message.
#[derive(Debug, Clone)]
pub struct Printer {
    mode: Mode,
    eol: bool,
    pretty: bool,
}

#[derive(Debug, Clone)]
enum Mode {
    Payload,
    Verbose,
    Format(Vec<Piece>),
}

/// Why a message was not printed (`%J` with a payload that is not JSON).
#[derive(Debug)]
pub struct NotJson(pub String);

impl Printer {
    /// From `-F`, `-v`, `-N` and `--pretty`. A format string with a sequence
    /// that cannot be honoured is an error.
    pub fn new(
        format: Option<&str>,
        verbose: bool,
        no_eol: bool,
        pretty: bool,
    ) -> Result<Printer, String> {
        let mode = match format {
            Some(f) => Mode::Format(parse(f)?),
            None if verbose => Mode::Verbose,
            None => Mode::Payload,
        };
        Ok(Printer {
            mode,
            eol: !no_eol,
            pretty,
        })
    }

    /// The bytes to print for `m`, received at `now`, and the error of a
    /// `%J` whose payload is not JSON (that field is left out, the rest is
    /// printed, as mosquitto_sub does).
    pub fn render(&self, m: &Message, now: DateTime<Local>) -> (Vec<u8>, Option<NotJson>) {
        let mut error = None;
        let mut out = Vec::with_capacity(m.payload().len() + 32);
        match &self.mode {
            // mosquitto_sub prints nothing at all for an empty payload, and
            // `topic (null)` with -v (nothing with -v -N).
            Mode::Payload if m.payload().is_empty() => return (out, None),
            Mode::Verbose if m.payload().is_empty() => {
                if self.eol {
                    out.extend_from_slice(m.topic().as_bytes());
                    out.extend_from_slice(b" (null)\n");
                }
                return (out, None);
            }
            Mode::Payload => out.extend_from_slice(m.payload()),
            Mode::Verbose => {
                out.extend_from_slice(m.topic().as_bytes());
                out.push(b' ');
                out.extend_from_slice(m.payload());
            }
            Mode::Format(pieces) => {
                for p in pieces {
                    match p {
                        Piece::Text(t) => out.extend_from_slice(t),
                        Piece::Time('N') => out.extend_from_slice(
                            format!("{:09}", now.timestamp_subsec_nanos()).as_bytes(),
                        ),
                        Piece::Time(c) => {
                            let mut s = String::new();
                            let _ = write!(s, "{}", now.format(&format!("%{c}")));
                            out.extend_from_slice(s.as_bytes());
                        }
                        Piece::Field {
                            spec,
                            zero,
                            left,
                            width,
                            max,
                        } => match self.field(*spec, m, now) {
                            Ok(value) => pad(&mut out, value, *zero, *left, *width, *max, *spec),
                            Err(e) => error = Some(e),
                        },
                    }
                }
            }
        }
        if self.eol {
            out.push(b'\n');
        }
        (out, error)
    }

    fn field(&self, spec: char, m: &Message, now: DateTime<Local>) -> Result<Vec<u8>, NotJson> {
        let p = m.properties();
        let num = |n: Option<u64>| n.map(|n| n.to_string().into_bytes()).unwrap_or_default();
        Ok(match spec {
            '%' => b"%".to_vec(),
            'C' => p
                .content_type
                .as_ref()
                .map(|s| s.as_bytes().to_vec())
                .unwrap_or_default(),
            'D' => p
                .correlation_data
                .as_ref()
                .map(|d| d.to_vec())
                .unwrap_or_default(),
            'E' => num(p.message_expiry_interval.map(u64::from)),
            'F' => num(p.payload_format_indicator.map(u64::from)),
            'I' => now.format("%Y-%m-%dT%H:%M:%S%z").to_string().into_bytes(),
            'j' => json(m, now, false, self.pretty)?,
            'J' => json(m, now, true, self.pretty)?,
            'l' => m.payload().len().to_string().into_bytes(),
            'm' => m
                .packet_id()
                .map_or(0, |id| id.get())
                .to_string()
                .into_bytes(),
            'P' => {
                let mut s = Vec::new();
                for (i, (k, v)) in p.user_properties.iter().enumerate() {
                    if i > 0 {
                        s.push(b' ');
                    }
                    s.extend_from_slice(k.as_bytes());
                    s.push(b':');
                    s.extend_from_slice(v.as_bytes());
                }
                s
            }
            'p' => m.payload().to_vec(),
            'q' => (m.qos() as u8).to_string().into_bytes(),
            'R' => p
                .response_topic
                .as_ref()
                .map(|s| s.as_bytes().to_vec())
                .unwrap_or_default(),
            'r' => {
                if m.retain() {
                    b"1".to_vec()
                } else {
                    b"0".to_vec()
                }
            }
            'S' => num(p.subscription_identifiers.first().map(|&i| u64::from(i))),
            't' => m.topic().as_bytes().to_vec(),
            'U' => format!("{}.{:09}", now.timestamp(), now.timestamp_subsec_nanos()).into_bytes(),
            'x' => hex(m.payload(), false),
            'X' => hex(m.payload(), true),
            _ => Vec::new(),
        })
    }
}

fn hex(bytes: &[u8], upper: bool) -> Vec<u8> {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        if upper {
            let _ = write!(s, "{b:02X}");
        } else {
            let _ = write!(s, "{b:02x}");
        }
    }
    s.into_bytes()
}

/// Width, maximum width and alignment as mosquitto_sub applies them.
fn pad(
    out: &mut Vec<u8>,
    mut value: Vec<u8>,
    zero: bool,
    left: bool,
    width: usize,
    max: Option<usize>,
    spec: char,
) {
    if let Some(max) = max {
        if matches!(spec, 'C' | 'I' | 'R' | 't') && value.len() > max {
            value.truncate(max);
        }
    }
    let padded = matches!(
        spec,
        'A' | 'C' | 'E' | 'F' | 'I' | 'l' | 'm' | 'p' | 'R' | 'S' | 't' | 'x' | 'X'
    );
    let fill = if padded && value.len() < width {
        width - value.len()
    } else {
        0
    };
    let zero = zero && !left && matches!(spec, 'A' | 'E' | 'F' | 'l' | 'm' | 'S' | 'x' | 'X');
    if left {
        out.extend_from_slice(&value);
        out.extend(std::iter::repeat(b' ').take(fill));
    } else {
        out.extend(std::iter::repeat(if zero { b'0' } else { b' ' }).take(fill));
        out.extend_from_slice(&value);
    }
}

fn parse(f: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut text = Vec::new();
    let mut chars = f.chars().peekable();
    let flush = |text: &mut Vec<u8>, pieces: &mut Vec<Piece>| {
        if !text.is_empty() {
            pieces.push(Piece::Text(std::mem::take(text)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '%' => {
                let (mut zero, mut left) = (false, false);
                while let Some(&f) = chars.peek() {
                    match f {
                        '0' => zero = true,
                        '-' => left = true,
                        _ => break,
                    }
                    chars.next();
                }
                let mut width = 0usize;
                while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                    width = width.saturating_mul(10).saturating_add(d as usize);
                    chars.next();
                }
                let mut max = None;
                if chars.peek() == Some(&'.') {
                    chars.next();
                    let mut m = 0usize;
                    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                        m = m.saturating_mul(10).saturating_add(d as usize);
                        chars.next();
                    }
                    max = Some(m);
                }
                let Some(spec) = chars.next() else {
                    text.push(b'%');
                    break;
                };
                match spec {
                    'A' => return Err("-F %A (the topic alias) is not available: the client resolves aliases into topics before handing messages over".into()),
                    'C' | 'D' | 'E' | 'F' | 'I' | 'j' | 'J' | 'l' | 'm' | 'P' | 'p' | 'q' | 'R' | 'r'
                    | 'S' | 't' | 'U' | 'x' | 'X' | '%' => {
                        flush(&mut text, &mut pieces);
                        pieces.push(Piece::Field { spec, zero, left, width, max });
                    }
                    other => {
                        // Not a sequence: printed as written, as mosquitto_sub does.
                        text.push(b'%');
                        let mut b = [0; 4];
                        text.extend_from_slice(other.encode_utf8(&mut b).as_bytes());
                    }
                }
            }
            '@' => match chars.next() {
                Some('@') => text.push(b'@'),
                Some(c) => {
                    flush(&mut text, &mut pieces);
                    pieces.push(Piece::Time(c));
                }
                None => text.push(b'@'),
            },
            '\\' => match chars.next() {
                Some('\\') => text.push(b'\\'),
                Some('0') => text.push(0),
                Some('a') => text.push(7),
                Some('e') => text.push(0x1b),
                Some('n') => text.push(b'\n'),
                Some('r') => text.push(b'\r'),
                Some('t') => text.push(b'\t'),
                Some('v') => text.push(0x0b),
                Some(c) => {
                    text.push(b'\\');
                    let mut b = [0; 4];
                    text.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
                }
                None => text.push(b'\\'),
            },
            c => {
                let mut b = [0; 4];
                text.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
    flush(&mut text, &mut pieces);
    // `@X` goes to strftime: check it is a conversion chrono knows.
    for p in &pieces {
        if let Piece::Time(c) = p {
            if *c != 'N' && !"aAbBcCdDeFgGhHIjklmMnprRsStTuUVwWxXyYzZ%+".contains(*c) {
                return Err(format!("-F @{c} is not a strftime conversion"));
            }
        }
    }
    Ok(pieces)
}

/// A JSON string (cJSON's escapes; bytes that are not UTF-8 become U+FFFD).
fn json_string(out: &mut String, s: &[u8]) {
    out.push('"');
    for c in String::from_utf8_lossy(s).chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `%j` / `%J` (raw payload): the fields mosquitto_sub 2.0 prints, in its
/// order; `--pretty` indents them with tabs as cJSON does.
fn json(m: &Message, now: DateTime<Local>, raw: bool, pretty: bool) -> Result<Vec<u8>, NotJson> {
    let mut fields: Vec<(&str, String)> = Vec::new();
    let tst = format!(
        "{}.{:06}Z{}",
        now.format("%Y-%m-%dT%H:%M:%S"),
        now.timestamp_subsec_micros(),
        now.format("%z")
    );
    let s = |v: &[u8]| {
        let mut o = String::new();
        json_string(&mut o, v);
        o
    };
    fields.push(("tst", s(tst.as_bytes())));
    fields.push(("topic", s(m.topic().as_bytes())));
    fields.push(("qos", (m.qos() as u8).to_string()));
    fields.push(("retain", u8::from(m.retain()).to_string()));
    fields.push(("payloadlen", m.payload().len().to_string()));
    let p = m.properties();
    if let Some(id) = m.packet_id() {
        fields.push(("mid", id.to_string()));
    }
    // In the order Mosquitto writes them.
    let mut props: Vec<(&str, String)> = Vec::new();
    if let Some(v) = p.subscription_identifiers.first() {
        props.push(("subscription-identifier", v.to_string()));
    }
    if let Some(v) = &p.content_type {
        props.push(("content-type", s(v.as_bytes())));
    }
    if let Some(v) = &p.response_topic {
        props.push(("response-topic", s(v.as_bytes())));
    }
    if let Some(v) = &p.correlation_data {
        props.push(("correlation-data", s(v)));
    }
    if let Some(v) = p.payload_format_indicator {
        props.push(("payload-format-indicator", v.to_string()));
    }
    if let Some(v) = p.message_expiry_interval {
        props.push(("message-expiry-interval", v.to_string()));
    }
    let user = !p.user_properties.is_empty();
    let payload = if m.payload().is_empty() {
        "null".to_owned()
    } else if raw {
        let text = std::str::from_utf8(m.payload())
            .ok()
            .and_then(|t| minify(t.trim()));
        match text {
            Some(t) => t,
            None => {
                return Err(NotJson(format!(
                    "Message payload is not valid JSON on topic {}",
                    m.topic()
                )))
            }
        }
    } else {
        s(m.payload())
    };
    let mut out = String::new();
    let (nl, tab, sep) = if pretty {
        ("\n", "\t", ":\t")
    } else {
        ("", "", ":")
    };
    out.push('{');
    out.push_str(nl);
    let mut first = true;
    let mut key = |out: &mut String, k: &str, depth: usize| {
        if !first {
            out.push(',');
            out.push_str(nl);
        }
        first = false;
        for _ in 0..depth {
            out.push_str(tab);
        }
        json_string(out, k.as_bytes());
        out.push_str(sep);
    };
    for (k, v) in &fields {
        key(&mut out, k, 1);
        out.push_str(v);
    }
    if !props.is_empty() || user {
        key(&mut out, "properties", 1);
        out.push('{');
        out.push_str(nl);
        let mut inner = String::new();
        let mut first_inner = true;
        let mut ikey = |o: &mut String, k: &str| {
            if !first_inner {
                o.push(',');
                o.push_str(nl);
            }
            first_inner = false;
            o.push_str(tab);
            o.push_str(tab);
            json_string(o, k.as_bytes());
            o.push_str(sep);
        };
        for (k, v) in &props {
            ikey(&mut inner, k);
            inner.push_str(v);
        }
        if user {
            ikey(&mut inner, "user-properties");
            inner.push('{');
            inner.push_str(nl);
            for (i, (k, v)) in p.user_properties.iter().enumerate() {
                if i > 0 {
                    inner.push(',');
                    inner.push_str(nl);
                }
                inner.push_str(tab);
                inner.push_str(tab);
                inner.push_str(tab);
                json_string(&mut inner, k.as_bytes());
                inner.push_str(sep);
                json_string(&mut inner, v.as_bytes());
            }
            inner.push_str(nl);
            inner.push_str(tab);
            inner.push_str(tab);
            inner.push('}');
        }
        out.push_str(&inner);
        out.push_str(nl);
        out.push_str(tab);
        out.push('}');
    }
    key(&mut out, "payload", 1);
    out.push_str(&payload);
    out.push_str(nl);
    out.push('}');
    Ok(out.into_bytes())
}

/// `text` without the whitespace between tokens, if it is one JSON value.
fn minify(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    value(b, &mut i, &mut out, 0)?;
    skip_ws(b, &mut i);
    (i == b.len()).then_some(out)
}

fn skip_ws(b: &[u8], i: &mut usize) {
    while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\n' | b'\r') {
        *i += 1;
    }
}

fn value(b: &[u8], i: &mut usize, out: &mut String, depth: usize) -> Option<()> {
    if depth > 128 {
        return None;
    }
    skip_ws(b, i);
    match *b.get(*i)? {
        b'{' | b'[' => {
            let (open, close) = if b[*i] == b'{' {
                (b'{', b'}')
            } else {
                (b'[', b']')
            };
            out.push(open as char);
            *i += 1;
            skip_ws(b, i);
            if b.get(*i) == Some(&close) {
                *i += 1;
                out.push(close as char);
                return Some(());
            }
            loop {
                if open == b'{' {
                    skip_ws(b, i);
                    if b.get(*i) != Some(&b'"') {
                        return None;
                    }
                    string(b, i, out)?;
                    skip_ws(b, i);
                    if b.get(*i) != Some(&b':') {
                        return None;
                    }
                    *i += 1;
                    out.push(':');
                }
                value(b, i, out, depth + 1)?;
                skip_ws(b, i);
                match b.get(*i)? {
                    b',' => {
                        *i += 1;
                        out.push(',');
                    }
                    &c if c == close => {
                        *i += 1;
                        out.push(close as char);
                        return Some(());
                    }
                    _ => return None,
                }
            }
        }
        b'"' => string(b, i, out),
        b't' => literal(b, i, out, "true"),
        b'f' => literal(b, i, out, "false"),
        b'n' => literal(b, i, out, "null"),
        b'-' | b'0'..=b'9' => {
            let start = *i;
            if b[*i] == b'-' {
                *i += 1;
            }
            let digits = |i: &mut usize| {
                let s = *i;
                while *i < b.len() && b[*i].is_ascii_digit() {
                    *i += 1;
                }
                *i > s
            };
            if !digits(i) {
                return None;
            }
            if b.get(*i) == Some(&b'.') {
                *i += 1;
                if !digits(i) {
                    return None;
                }
            }
            if matches!(b.get(*i), Some(b'e' | b'E')) {
                *i += 1;
                if matches!(b.get(*i), Some(b'+' | b'-')) {
                    *i += 1;
                }
                if !digits(i) {
                    return None;
                }
            }
            out.push_str(std::str::from_utf8(&b[start..*i]).ok()?);
            Some(())
        }
        _ => None,
    }
}

fn literal(b: &[u8], i: &mut usize, out: &mut String, word: &str) -> Option<()> {
    if b[*i..].starts_with(word.as_bytes()) {
        *i += word.len();
        out.push_str(word);
        Some(())
    } else {
        None
    }
}

fn string(b: &[u8], i: &mut usize, out: &mut String) -> Option<()> {
    let start = *i;
    *i += 1;
    while *i < b.len() {
        match b[*i] {
            b'"' => {
                *i += 1;
                out.push_str(std::str::from_utf8(&b[start..*i]).ok()?);
                return Some(());
            }
            b'\\' => *i += 2,
            c if c < 0x20 => return None,
            _ => *i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_escapes_and_padding() {
        let p = parse("%t %5l|%-5l|%05l|%.2t|@@|\\t|%%|%z").unwrap();
        assert_eq!(p.len(), 12);
        let mut out = Vec::new();
        pad(&mut out, b"6".to_vec(), true, false, 5, None, 'l');
        assert_eq!(out, b"00006");
        out.clear();
        pad(&mut out, b"topic".to_vec(), false, false, 3, Some(2), 't');
        assert_eq!(out, b" to", "cut to 2, then padded to 3");
        out.clear();
        pad(&mut out, b"ab".to_vec(), true, false, 4, None, 't');
        assert_eq!(out, b"  ab", "zero padding is for numbers only");
    }

    #[test]
    fn unavailable_sequences_are_refused() {
        assert!(parse("%A").unwrap_err().contains("alias"));
        assert!(parse("@Q").is_err());
    }

    #[test]
    fn json_payloads_are_minified_or_refused() {
        assert_eq!(
            minify("{ \"a\" : [1, 2.5e3, true, null, \"x y\"] }").unwrap(),
            "{\"a\":[1,2.5e3,true,null,\"x y\"]}"
        );
        assert!(minify("{\"a\":}").is_none());
        assert!(minify("12 13").is_none());
        assert!(minify(&"[".repeat(1000)).is_none());
    }
}
