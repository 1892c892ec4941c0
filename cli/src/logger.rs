//! `-d`: every record of the library (target `mqtt`: connection events;
//! `mqtt::packet`: each packet sent and received) on stderr.

use log::{Level, LevelFilter, Log, Metadata, Record};

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("mqtt")
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let level = match record.level() {
                Level::Error => "error",
                Level::Warn => "warn",
                Level::Info => "info",
                Level::Debug => "debug",
                Level::Trace => "trace",
            };
            eprintln!("{level} {}: {}", record.target(), record.args());
        }
    }

    fn flush(&self) {}
}

/// Installs the logger (once; a second call does nothing).
pub fn install() {
    if log::set_logger(&Stderr).is_ok() {
        log::set_max_level(LevelFilter::Trace);
    }
}
