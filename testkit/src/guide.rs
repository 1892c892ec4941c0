//! Keeps a getting-started guide true to the examples it walks through.
//!
//! A guide is a `.rs` file of `//!` lines (a rustdoc module, so it ships in
//! the crate's package). Its Rust code blocks are doctests, and each one is a
//! whole example file with the lines that are not its step hidden (`# `), so
//! that it compiles on its own:
//!
//! - every Rust code block starts with a hidden marker naming the file it
//!   shows, relative to the crate: `# // guide: examples/hello_world.rs`;
//! - with the marker dropped and every hidden line shown, the block is that
//!   file, byte for byte, less its leading `//!` summary (a visible
//!   `// ...` line marks an elision and is not part of the comparison);
//! - for a file the guide shows whole, the visible lines of its blocks, read
//!   in order, are the file again: every line but blank ones is shown once,
//!   in order;
//! - in a `toml` block, each dependency on one of this workspace's crates
//!   asks for a version the crate has and names only features it has.
//!
//! So an edit to an example that the guide does not follow fails
//! [`check`], and the guide's test with it.
//!
//! After changing an example, change the lines the guide shows (one place
//! per line), then run the guide's test with `GUIDE_BLESS=1`: it rewrites the
//! hidden lines of every block from the files ([`bless_text`]) before
//! checking.

use std::path::Path;

/// The prefix of the hidden line that names the file a block shows.
pub const MARKER: &str = "# // guide: ";

/// Checks the guide at `guide` (a path relative to `crate_dir`) against the
/// files its code blocks name; the files in `shown_whole` must be shown line
/// by line. Returns how many code blocks were checked, or every mistake
/// found, one per line.
///
/// With the environment variable `GUIDE_BLESS` set, the guide's hidden lines
/// are first rewritten from the files ([`bless_text`]) and the file saved.
pub fn check(crate_dir: &Path, guide: &str, shown_whole: &[&str]) -> Result<usize, String> {
    let report = |errors: Vec<String>| {
        let mut out = format!("{guide} does not match the code it shows:\n");
        for e in errors {
            out.push_str("- ");
            out.push_str(&e);
            out.push('\n');
        }
        out.push_str(
            "(fix the lines the guide shows, then run this test with GUIDE_BLESS=1 \
             to rewrite its hidden lines from the files)\n",
        );
        out
    };
    let path = crate_dir.join(guide);
    let mut source =
        std::fs::read_to_string(&path).map_err(|e| format!("{guide}: cannot read it: {e}"))?;
    let read = |path: &str| std::fs::read_to_string(crate_dir.join(path)).ok();
    if std::env::var_os("GUIDE_BLESS").is_some() {
        let blessed = bless_text(&source, read).map_err(report)?;
        if blessed != source {
            // Renamed into place, so a test reading the guide meanwhile sees
            // the old text or the new one, never half of it.
            let tmp = path.with_extension("rs.blessed");
            std::fs::write(&tmp, &blessed)
                .and_then(|()| std::fs::rename(&tmp, &path))
                .map_err(|e| format!("{guide}: cannot write it: {e}"))?;
            source = blessed;
        }
    }
    check_text(&source, read, shown_whole).map_err(report)
}

/// The seed data a guide states (Blabbr's names and messages, Weathr's
/// updates and routes, the number of deliveries): every table row and list
/// the guide prints must be [`seed`](crate::seed)'s. `Err` names the first
/// line the guide does not say.
pub fn check_seed_data(crate_dir: &Path, guide: &str) -> Result<(), String> {
    use crate::seed;
    let source = std::fs::read_to_string(crate_dir.join(guide))
        .map_err(|e| format!("cannot read {guide}: {e}"))?;
    let text: String = source
        .lines()
        .map(|l| l.trim_start().trim_start_matches("//!").trim_start())
        .collect::<Vec<_>>()
        .join(" ");
    let quoted = |items: &[&str]| {
        let q: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
        format!("[{}]", q.join(", "))
    };
    let mut rows = vec![
        format!("`NAMES` is `{}`", quoted(&seed::BLABBR_NAMES)),
        format!("`MESSAGES` is `{}`", quoted(&seed::BLABBR_MESSAGES)),
    ];
    for (i, (topic, payload)) in seed::WEATHR_UPDATES.iter().enumerate() {
        rows.push(format!("| {} | `{topic}` | {payload} |", i + 1));
    }
    let mut total = 0;
    for (filter, updates) in seed::WEATHR_ROUTES {
        let n: Vec<String> = updates.iter().map(|u| u.to_string()).collect();
        rows.push(format!(
            "| `{filter}` | {} | {} |",
            n.join(", "),
            updates.len()
        ));
        total += updates.len();
    }
    if total != seed::WEATHR_DELIVERIES {
        return Err(format!(
            "the routes add up to {total} deliveries, the seed says {}",
            seed::WEATHR_DELIVERIES
        ));
    }
    rows.push(format!("({total} deliveries in all"));
    match rows.into_iter().find(|row| !text.contains(row.as_str())) {
        Some(row) => Err(format!("{guide} does not say: {row}")),
        None => Ok(()),
    }
}

/// The guide with the hidden lines of each Rust block rewritten from the file
/// it names: each run of visible lines is looked up in the file, in order,
/// and every file line between and around them becomes a hidden line (an
/// elision line `// ...` stays before the run it preceded). Fails with the
/// blocks whose visible lines are not, in order, lines of their file.
pub fn bless_text(
    guide: &str,
    read: impl Fn(&str) -> Option<String>,
) -> Result<String, Vec<String>> {
    let mut errors = Vec::new();
    let mut out = String::with_capacity(guide.len());
    let lines: Vec<&str> = guide.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        out.push_str(line);
        out.push('\n');
        // A Rust block's opening fence, followed by its marker?
        let Some((prefix, doc)) = split_doc(line) else {
            continue;
        };
        let Some(info) = doc.trim_start().strip_prefix("```") else {
            continue;
        };
        let mut body = Vec::new();
        while i < lines.len() {
            let l = split_doc(lines[i]).map_or("", |(_, d)| d);
            if l.trim_start().starts_with("```") {
                break;
            }
            body.push(l);
            i += 1;
        }
        let marker = body.first().and_then(|l| l.strip_prefix(MARKER));
        let rewritten = match (kind(info.trim()), marker) {
            (Kind::Rust, Some(path)) => match read(path.trim()) {
                Some(text) => rewrite(path.trim(), &body[1..], &body_lines(&text)),
                None => Err(format!("{} does not exist", path.trim())),
            },
            _ => Ok(body.iter().map(|l| l.to_string()).collect()),
        };
        let body = match rewritten {
            Ok(new) => new,
            Err(e) => {
                errors.push(format!("line {i}: {e}"));
                body.iter().map(|l| l.to_string()).collect()
            }
        };
        for l in body {
            let full = format!("{prefix} {l}");
            out.push_str(full.trim_end());
            out.push('\n');
        }
    }
    if !guide.ends_with('\n') {
        out.pop();
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A doc line as `(everything up to and including "//!", its text)`.
fn split_doc(line: &str) -> Option<(&str, &str)> {
    let at = line.find("//!")?;
    if !line[..at].trim().is_empty() {
        return None;
    }
    let doc = &line[at + 3..];
    Some((&line[..at + 3], doc.strip_prefix(' ').unwrap_or(doc)))
}

/// One block's lines (after the marker) rebuilt around its visible runs.
fn rewrite(path: &str, block: &[&str], file: &[String]) -> Result<Vec<String>, String> {
    // The block as runs of visible lines, each flagged if an elision
    // line came before it.
    let mut runs: Vec<(bool, Vec<String>)> = Vec::new();
    let mut elided = false;
    let mut in_run = false;
    for line in block {
        let (shown, text) = doctest_line(line);
        if shown && text.trim() == "// ..." {
            elided = true;
            in_run = false;
        } else if shown {
            if !in_run {
                runs.push((std::mem::take(&mut elided), Vec::new()));
                in_run = true;
            }
            runs.last_mut().expect("pushed above").1.push(text);
        } else {
            in_run = false;
        }
    }
    let hidden = |l: &String| {
        if l.is_empty() {
            "#".to_owned()
        } else {
            format!("# {l}")
        }
    };
    let mut out = vec![format!("{MARKER}{path}")];
    let mut at = 0;
    for (elided, run) in runs {
        let found = (at..=file.len().saturating_sub(run.len()))
            .find(|&k| file.get(k..k + run.len()) == Some(&run[..]))
            .ok_or_else(|| format!("the visible line `{}` is not in {path}, in order", run[0]))?;
        out.extend(file[at..found].iter().map(hidden));
        if elided {
            out.push("// ...".to_owned());
        }
        at = found + run.len();
        out.extend(run);
    }
    out.extend(file[at..].iter().map(hidden));
    Ok(out)
}

/// [`check`] on a guide's text, with `read` giving a file's text by its path
/// relative to the crate (`None` when it does not exist).
pub fn check_text(
    guide: &str,
    read: impl Fn(&str) -> Option<String>,
    shown_whole: &[&str],
) -> Result<usize, Vec<String>> {
    let mut errors = Vec::new();
    let blocks = code_blocks(guide, &mut errors);
    // Per file shown: the visible lines of its blocks, in order.
    let mut shown: Vec<(String, Vec<String>)> = Vec::new();
    for block in &blocks {
        match block.kind {
            Kind::Rust => check_rust(block, &read, &mut shown, &mut errors),
            Kind::Toml => check_toml(block, &read, &mut errors),
            Kind::Other => {}
        }
    }
    for &path in shown_whole {
        let Some(body) = read(path).map(|t| body_lines(&t)) else {
            errors.push(format!("{path}: the file to show whole does not exist"));
            continue;
        };
        let Some((_, visible)) = shown.iter().find(|(p, _)| p == path) else {
            errors.push(format!("{path}: no code block shows it"));
            continue;
        };
        // Blank lines between two steps may stay hidden.
        let nonblank = |lines: &[String]| -> Vec<String> {
            lines
                .iter()
                .filter(|l| !l.trim().is_empty())
                .cloned()
                .collect()
        };
        if let Some(d) = first_difference(&nonblank(&body), &nonblank(visible)) {
            errors.push(format!(
                "{path}: its blocks' visible lines, read in order, are not the file \
                 (every line but blank ones shown once, in order): {d}"
            ));
        }
    }
    if errors.is_empty() {
        Ok(blocks.len())
    } else {
        Err(errors)
    }
}

/// What a fenced code block holds, by its info string.
#[derive(Debug, PartialEq)]
enum Kind {
    /// A doctest (rustdoc's default language).
    Rust,
    /// Cargo.toml lines.
    Toml,
    /// Shell commands, output, ...: not checked.
    Other,
}

/// A fenced code block of the guide.
#[derive(Debug)]
struct Block {
    /// 1-based line of the opening fence in the guide's file.
    line: usize,
    kind: Kind,
    lines: Vec<String>,
}

/// The guide's fenced code blocks, from its `//!` lines.
fn code_blocks(guide: &str, errors: &mut Vec<String>) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in guide.lines().enumerate() {
        let Some(doc) = line.trim_start().strip_prefix("//!") else {
            continue;
        };
        // rustdoc removes the indentation common to the doc lines: one space.
        let doc = doc.strip_prefix(' ').unwrap_or(doc);
        let fence = doc.trim_start().strip_prefix("```");
        match (&mut open, fence) {
            (None, Some(info)) => {
                open = Some(Block {
                    line: i + 1,
                    kind: kind(info.trim()),
                    lines: Vec::new(),
                })
            }
            (Some(_), Some(_)) => blocks.extend(open.take()),
            (Some(b), None) => b.lines.push(doc.to_owned()),
            (None, None) => {}
        }
    }
    if let Some(b) = open {
        errors.push(format!("line {}: a code block is never closed", b.line));
    }
    blocks
}

/// A block's kind from its info string, as rustdoc reads it: no language or
/// only rustdoc's own attributes is Rust.
fn kind(info: &str) -> Kind {
    const RUSTDOC: [&str; 10] = [
        "rust",
        "no_run",
        "ignore",
        "should_panic",
        "compile_fail",
        "test_harness",
        "edition2015",
        "edition2018",
        "edition2021",
        "edition2024",
    ];
    let words: Vec<&str> = info.split([',', ' ']).filter(|w| !w.is_empty()).collect();
    if words.iter().all(|w| RUSTDOC.contains(w)) {
        Kind::Rust
    } else if words.first() == Some(&"toml") {
        Kind::Toml
    } else {
        Kind::Other
    }
}

/// A line of a doctest as rustdoc reads it: `(shown, text)`.
fn doctest_line(line: &str) -> (bool, String) {
    let t = line.trim();
    if t == "#" {
        (false, String::new())
    } else if t.starts_with("##") {
        (true, line.replacen("##", "#", 1))
    } else if let Some(hidden) = t.strip_prefix("# ") {
        (false, hidden.to_owned())
    } else {
        (true, line.to_owned())
    }
}

fn check_rust(
    block: &Block,
    read: &impl Fn(&str) -> Option<String>,
    shown: &mut Vec<(String, Vec<String>)>,
    errors: &mut Vec<String>,
) {
    let at = block.line;
    let Some(path) = block.lines.first().and_then(|l| l.strip_prefix(MARKER)) else {
        errors.push(format!(
            "line {at}: a Rust code block must start with `{MARKER}<file it shows>`"
        ));
        return;
    };
    let path = path.trim();
    let Some(text) = read(path) else {
        errors.push(format!("line {at}: {path} does not exist"));
        return;
    };
    let mut whole = Vec::new();
    let mut visible = Vec::new();
    for line in &block.lines[1..] {
        let (is_shown, text) = doctest_line(line);
        if is_shown && text.trim() == "// ..." {
            continue;
        }
        if is_shown {
            visible.push(text.clone());
        }
        whole.push(text);
    }
    if let Some(d) = first_difference(&body_lines(&text), &whole) {
        errors.push(format!(
            "line {at}: the block (hidden lines shown) is not {path}: {d}"
        ));
    }
    match shown.iter_mut().find(|(p, _)| p == path) {
        Some((_, lines)) => lines.extend(visible),
        None => shown.push((path.to_owned(), visible)),
    }
}

/// A file's lines less its leading `//!` summary and the blank lines after it.
fn body_lines(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| l.starts_with("//!"))
        .skip_while(|l| l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// Where `got` first differs from `want`, in words; `None` if equal.
fn first_difference(want: &[String], got: &[String]) -> Option<String> {
    let n = want.iter().zip(got).take_while(|(w, g)| w == g).count();
    match (want.get(n), got.get(n)) {
        (None, None) => None,
        (Some(w), Some(g)) => Some(format!(
            "line {} of the code is `{g}`, the file has `{w}`",
            n + 1
        )),
        (Some(w), None) => Some(format!(
            "it stops after {n} lines; the file goes on with `{w}`"
        )),
        (None, Some(g)) => Some(format!(
            "the file ends after {n} lines; the guide goes on with `{g}`"
        )),
    }
}

/// The workspace crates a guide may tell users to depend on, with the path of
/// their manifest relative to an adapter crate.
const CRATES: [(&str, &str); 3] = [
    ("mqtt-std", "../mqtt-std/Cargo.toml"),
    ("mqtt-smol", "../mqtt-smol/Cargo.toml"),
    ("mqtt-tokio", "../mqtt-tokio/Cargo.toml"),
];

fn check_toml(block: &Block, read: &impl Fn(&str) -> Option<String>, errors: &mut Vec<String>) {
    for (i, line) in block.lines.iter().enumerate() {
        let at = block.line + 1 + i;
        let Some((name, spec)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        let Some((_, manifest)) = CRATES.iter().find(|(c, _)| *c == name) else {
            continue;
        };
        let Some(manifest) = read(manifest) else {
            errors.push(format!(
                "line {at}: the manifest of {name} is not at {manifest}"
            ));
            continue;
        };
        let spec = spec.trim();
        let version = if spec.starts_with('"') {
            quoted(spec).into_iter().next()
        } else {
            after_key(spec, "version").and_then(|v| quoted(v).into_iter().next())
        };
        let have = package_version(&manifest);
        match (version, have) {
            (Some(v), Some(have)) if have == v || have.starts_with(&format!("{v}.")) => {}
            (v, have) => errors.push(format!(
                "line {at}: {name} {v:?} is not the crate's version {have:?}"
            )),
        }
        let features = features(&manifest);
        if let Some(list) = after_key(spec, "features") {
            let list = &list[..list.find(']').unwrap_or(list.len())];
            for f in quoted(list) {
                if !features.contains(&f) {
                    errors.push(format!(
                        "line {at}: {name} has no feature `{f}` (it has {features:?})"
                    ));
                }
            }
        }
    }
}

/// The text after `key =` in an inline table.
fn after_key<'a>(spec: &'a str, key: &str) -> Option<&'a str> {
    let mut rest = spec;
    while let Some(i) = rest.find(key) {
        let after = rest[i + key.len()..].trim_start();
        if let Some(value) = after.strip_prefix('=') {
            return Some(value.trim_start());
        }
        rest = &rest[i + key.len()..];
    }
    None
}

/// The `"..."` strings of `s`, in order.
fn quoted(s: &str) -> Vec<String> {
    s.split('"').skip(1).step_by(2).map(str::to_owned).collect()
}

/// `version = "..."` of a manifest's `[package]` section.
fn package_version(manifest: &str) -> Option<String> {
    section(manifest, "[package]").into_iter().find_map(|l| {
        l.strip_prefix("version")
            .and_then(|v| quoted(v).into_iter().next())
    })
}

/// The feature names of a manifest's `[features]` section.
fn features(manifest: &str) -> Vec<String> {
    section(manifest, "[features]")
        .into_iter()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_owned()))
        .filter(|k| !k.is_empty() && !k.starts_with('#'))
        .collect()
}

/// The lines of one `[section]` of a manifest.
fn section<'a>(manifest: &'a str, header: &str) -> Vec<&'a str> {
    manifest
        .lines()
        .skip_while(|l| l.trim() != header)
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('['))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = "//! Summary.\n//!\n\nfn main() {\n    println!(\"hi\");\n}\n";
    const MANIFEST: &str = "[package]\nname = \"mqtt-std\"\nversion = \"0.1.0\"\n\n\
                            [features]\ndefault = [\"tls\"]\ntls = []\n\n[dependencies]\n";

    fn read(path: &str) -> Option<String> {
        match path {
            "examples/a.rs" => Some(EXAMPLE.to_owned()),
            "../mqtt-std/Cargo.toml" => Some(MANIFEST.to_owned()),
            _ => None,
        }
    }

    /// A guide in two steps: `fn main() {` and the rest, each block whole.
    const GUIDE: &str = "//! # Guide\n//! ```no_run\n//! # // guide: examples/a.rs\n\
                         //! fn main() {\n//! #     println!(\"hi\");\n//! # }\n//! ```\n\
                         //! Then:\n//! ```\n//! # // guide: examples/a.rs\n\
                         //! # fn main() {\n//!     println!(\"hi\");\n//! }\n//! ```\n";

    #[test]
    fn a_guide_that_shows_the_example_whole_passes() {
        assert_eq!(check_text(GUIDE, read, &["examples/a.rs"]), Ok(2));
    }

    #[test]
    fn an_example_changed_without_the_guide_fails() {
        let changed = |p: &str| read(p).map(|t| t.replace("\"hi\"", "\"hello\""));
        let errors = check_text(GUIDE, changed, &["examples/a.rs"]).unwrap_err();
        assert!(errors[0].contains("is not examples/a.rs"), "{errors:?}");
        assert!(
            errors.iter().any(|e| e.contains("visible lines")),
            "{errors:?}"
        );
    }

    #[test]
    fn a_line_shown_in_no_block_fails_when_the_file_is_shown_whole() {
        // Both blocks hide the `println!` line.
        let guide = GUIDE.replace("//!     println!", "//! #     println!");
        assert_eq!(check_text(&guide, read, &[]), Ok(2));
        let errors = check_text(&guide, read, &["examples/a.rs"]).unwrap_err();
        assert!(errors[0].contains("shown once, in order"), "{errors:?}");
    }

    #[test]
    fn a_rust_block_without_a_marker_fails() {
        let guide = "//! ```\n//! fn main() {}\n//! ```\n//! ```sh\n//! cargo run\n//! ```\n";
        let errors = check_text(guide, read, &[]).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("line 1:"), "{errors:?}");
    }

    #[test]
    fn an_elision_line_is_not_compared() {
        let guide = "//! ```\n//! # // guide: examples/a.rs\n//! fn main() {\n//! // ...\n\
                     //! #     println!(\"hi\");\n//! }\n//! ```\n";
        assert_eq!(check_text(guide, read, &[]), Ok(1));
    }

    #[test]
    fn toml_blocks_name_real_versions_and_features() {
        let good = "//! ```toml\n//! mqtt-std = \"0.1\"\n\
                    //! mqtt-std = { version = \"0.1\", default-features = false, features = [\"tls\"] }\n\
                    //! tokio = { version = \"1\", features = [\"macros\"] }\n//! ```\n";
        assert_eq!(check_text(good, read, &[]), Ok(1));
        let bad = good
            .replace("[\"tls\"]", "[\"rustls\"]")
            .replace("\"0.1\"", "\"0.2\"");
        let errors = check_text(&bad, read, &[]).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[2].contains("no feature `rustls`"), "{errors:?}");
    }

    #[test]
    fn bless_rewrites_the_hidden_lines_from_the_file() {
        let changed = |p: &str| read(p).map(|t| t.replace("\"hi\"", "\"hello\""));
        // The second block shows the changed line: bless cannot guess it.
        assert!(bless_text(GUIDE, changed).is_err());
        // Fixed by hand where it is shown, bless updates the first block's copy.
        let fixed = GUIDE.replace("//!     println!(\"hi\");", "//!     println!(\"hello\");");
        assert!(check_text(&fixed, changed, &["examples/a.rs"]).is_err());
        let blessed = bless_text(&fixed, changed).unwrap();
        assert_eq!(check_text(&blessed, changed, &["examples/a.rs"]), Ok(2));
        assert_eq!(blessed, GUIDE.replace("\"hi\"", "\"hello\""));
        // An up-to-date guide is left as it is.
        assert_eq!(bless_text(GUIDE, read).unwrap(), GUIDE);
    }
}
