//! Durable sessions: the store the client writes its unfinished flows to, so
//! that a process killed at any moment loses no message and delivers no QoS 2
//! message twice ([`Options::persistence`](crate::Options::persistence)).
//!
//! The protocol core decides what to store (see `mqtt_sansio::client::store`);
//! this module writes it. [`FileStore`] is the built-in store: one
//! append-only file per client id in a directory, every record checksummed,
//! compacted as flows complete. Another backend implements [`Store`].
//!
//! # What each sync policy survives
//! Every record is written (handed to the operating system) before the
//! `publish` call that made it returns, and before any byte that depends on
//! it is sent; what differs is when it reaches the disk:
//!
//! | [`SyncPolicy`] | process killed (SIGKILL, panic, OOM) | machine crash, power loss |
//! |---|---|---|
//! | `Always` | nothing lost | nothing lost: every write is synced before `publish` returns and before its bytes are sent |
//! | `Batched` (default) | nothing lost | publishes accepted since the last sync may be lost; none of them reached the broker (one sync per driver turn, before that turn's bytes are sent) |
//! | `Never` | nothing lost | whatever the operating system had not written yet (usually the last few seconds) |

use mqtt_sansio::client::{StoreKey, StoreOp};
use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// When stored records are synced to the disk (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SyncPolicy {
    /// Sync every write before `publish` returns and before its bytes are
    /// sent: survives a machine crash; one disk sync per publish.
    Always,
    /// Group commit: one sync per driver turn, for every record written since
    /// the last one, before that turn's bytes are sent. Survives a process
    /// crash; a machine crash may lose publishes accepted since the last sync
    /// (never one the broker has seen).
    #[default]
    Batched,
    /// Leave it to the operating system: survives a process crash only.
    Never,
}

/// A durable store of session records: what the client keeps across process
/// restarts. [`FileStore`] is the built-in one.
///
/// The client calls it from the task or thread that changed the session,
/// under the client's lock: keep each call short.
pub trait Store: Send + 'static {
    /// Every record the store holds (once, when the client starts).
    fn load(&mut self) -> io::Result<Vec<(StoreKey, Vec<u8>)>>;
    /// Applies `ops` in order: a put replaces the record under its key, a
    /// remove forgets it. When this returns the records must survive the
    /// process (written to the operating system at least).
    fn apply(&mut self, ops: &[StoreOp]) -> io::Result<()>;
    /// Makes every change applied so far survive a machine crash.
    fn sync(&mut self) -> io::Result<()>;
}

/// Where the client keeps its session, and how durably
/// ([`Options::persistence`](crate::Options::persistence)).
pub struct Persistence {
    pub(crate) backend: Backend,
    pub(crate) sync: SyncPolicy,
}

pub(crate) enum Backend {
    Dir(PathBuf),
    Custom(Box<dyn Store>),
}

impl fmt::Debug for Persistence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Persistence");
        match &self.backend {
            Backend::Dir(p) => d.field("dir", p),
            Backend::Custom(_) => d.field("store", &"<dyn Store>"),
        };
        d.field("sync", &self.sync).finish()
    }
}

impl Persistence {
    /// A [`FileStore`] in `dir` (created if missing), one file per client id,
    /// with [`SyncPolicy::Batched`].
    pub fn new(dir: impl Into<PathBuf>) -> Persistence {
        Persistence {
            backend: Backend::Dir(dir.into()),
            sync: SyncPolicy::default(),
        }
    }

    /// Another backend.
    pub fn with_store(store: impl Store) -> Persistence {
        Persistence {
            backend: Backend::Custom(Box::new(store)),
            sync: SyncPolicy::default(),
        }
    }

    /// When records reach the disk (default [`SyncPolicy::Batched`]).
    pub fn sync(mut self, policy: SyncPolicy) -> Persistence {
        self.sync = policy;
        self
    }

    pub(crate) fn open(self, client_id: &str) -> io::Result<Durable> {
        let store: Box<dyn Store> = match self.backend {
            Backend::Dir(dir) => Box::new(FileStore::open(&dir, client_id)?),
            Backend::Custom(s) => s,
        };
        Ok(Durable {
            store,
            policy: self.sync,
            unsynced: false,
            ops: Vec::new(),
        })
    }
}

/// The store of a running client and its policy.
pub(crate) struct Durable {
    pub(crate) store: Box<dyn Store>,
    policy: SyncPolicy,
    /// Written since the last sync (`Batched`).
    unsynced: bool,
    /// Reused buffer of one batch of changes.
    ops: Vec<StoreOp>,
}

/// Who drains the core's changes: a caller (publish, ack) or the driver
/// before it sends a turn's bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum By {
    Caller,
    Driver,
}

impl Durable {
    /// Drains every change the core asks for into the store, syncs as the
    /// policy says, and tells the core. On failure the core fails the
    /// publishes that could not be stored and drops what depended on them.
    pub(crate) fn persist(
        &mut self,
        core: &mut mqtt_sansio::client::Client<std::time::Instant>,
        now: std::time::Instant,
        by: By,
    ) -> io::Result<()> {
        self.ops.clear();
        while let Some(op) = core.poll_store() {
            self.ops.push(op);
        }
        let r = self.write(by);
        self.ops.clear();
        match r {
            Ok(()) => {
                core.handle_stored();
                Ok(())
            }
            Err(e) => {
                log::error!(target: "mqtt", "client {:?}: the session store failed: {e}", core.client_id());
                core.handle_store_failed(now);
                Err(e)
            }
        }
    }

    fn write(&mut self, by: By) -> io::Result<()> {
        if !self.ops.is_empty() {
            self.store.apply(&self.ops)?;
            self.unsynced = true;
        }
        let sync = self.unsynced
            && match self.policy {
                SyncPolicy::Always => true,
                SyncPolicy::Batched => by == By::Driver,
                SyncPolicy::Never => false,
            };
        if sync {
            self.store.sync()?;
            self.unsynced = false;
        }
        Ok(())
    }

    /// The last sync, when the client ends.
    pub(crate) fn close(&mut self) {
        if self.unsynced && self.policy != SyncPolicy::Never {
            let _ = self.store.sync();
            self.unsynced = false;
        }
    }
}

/// The built-in [`Store`]: one append-only log file per client id.
///
/// The file `<dir>/<client id>.mqs` (bytes other than ASCII letters,
/// digits, `-` and `_` hex-escaped as `%XX`) starts with `MQSTORE1`; then
/// each change is one record: its body length (`u32`, big-endian), the
/// CRC-32 (IEEE) of the body, and the body: `1` put or `2` remove, the
/// 9-byte key, the value. On open the log is replayed; a record cut short
/// or failing its checksum (a crash in the middle of a write, a disk that
/// lost the end of the file) ends the replay and the file is cut there —
/// never misread. The file is compacted (live records rewritten to a new
/// file, synced, renamed over the old one) when it holds more than 1 MiB
/// and four times what is live. One process at a time may use a store (it
/// is not locked yet: do not start two clients with the same client id and
/// directory).
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    file: File,
    /// Length of the log.
    len: u64,
    /// Size of the newest record under each live key.
    live: HashMap<[u8; StoreKey::LEN], u64>,
    /// Sum of `live`.
    live_bytes: u64,
    buf: Vec<u8>,
}

const MAGIC: &[u8; 8] = b"MQSTORE1";
const PUT: u8 = 1;
const REMOVE: u8 = 2;
/// Record header: body length and CRC.
const HEADER: usize = 8;
const COMPACT_ABOVE: u64 = 1 << 20;

impl FileStore {
    /// Opens (or creates) the store of `client_id` in `dir`.
    pub fn open(dir: &Path, client_id: &str) -> io::Result<FileStore> {
        if client_id.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a session store needs a client id",
            ));
        }
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{}.mqs", file_name(client_id)));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        Ok(FileStore {
            path,
            file,
            len: 0,
            live: HashMap::new(),
            live_bytes: 0,
            buf: Vec::new(),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read_all(&mut self) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.file.seek(SeekFrom::Start(0))?;
        self.file.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// Rewrites the live records to a new file and renames it over the log.
    fn compact(&mut self) -> io::Result<()> {
        let bytes = self.read_all()?;
        let replay = replay(&bytes);
        let tmp = self.path.with_extension("mqs.tmp");
        let mut out = Vec::with_capacity(self.live_bytes as usize + MAGIC.len());
        out.extend_from_slice(MAGIC);
        let mut live = HashMap::new();
        let mut live_bytes = 0;
        for (key, value) in &replay.records {
            let n = encode(&mut out, PUT, key, value);
            live.insert(*key, n);
            live_bytes += n;
        }
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.write_all(&out)?;
        f.sync_data()?;
        std::fs::rename(&tmp, &self.path)?;
        if let Some(dir) = self.path.parent() {
            File::open(dir)?.sync_all()?;
        }
        self.file = f;
        self.len = out.len() as u64;
        self.live = live;
        self.live_bytes = live_bytes;
        Ok(())
    }
}

impl Store for FileStore {
    fn load(&mut self) -> io::Result<Vec<(StoreKey, Vec<u8>)>> {
        let bytes = self.read_all()?;
        if bytes.is_empty() {
            self.file.write_all(MAGIC)?;
            self.file.sync_data()?;
            self.len = MAGIC.len() as u64;
            return Ok(Vec::new());
        }
        let replay = replay(&bytes);
        if !replay.magic {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is not a session store", self.path.display()),
            ));
        }
        if replay.valid_len < bytes.len() {
            log::warn!(
                target: "mqtt",
                "session store {}: dropped {} bytes of a torn or corrupt end (a crash in the middle of a write)",
                self.path.display(),
                bytes.len() - replay.valid_len
            );
            self.file.set_len(replay.valid_len as u64)?;
            self.file.sync_data()?;
        }
        self.len = replay.valid_len as u64;
        self.live = replay.sizes;
        self.live_bytes = self.live.values().sum();
        let mut out = Vec::with_capacity(replay.records.len());
        for (key, value) in replay.records {
            let key = StoreKey::from_bytes(&key).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    "unknown record key in the session store",
                )
            })?;
            out.push((key, value));
        }
        Ok(out)
    }

    fn apply(&mut self, ops: &[StoreOp]) -> io::Result<()> {
        self.buf.clear();
        for op in ops {
            let key = op.key().to_bytes();
            let n = match op {
                StoreOp::Put { value, .. } => encode(&mut self.buf, PUT, &key, value),
                StoreOp::Remove { .. } => encode(&mut self.buf, REMOVE, &key, &[]),
            };
            if let Some(old) = self.live.remove(&key) {
                self.live_bytes -= old;
            }
            if matches!(op, StoreOp::Put { .. }) {
                self.live.insert(key, n);
                self.live_bytes += n;
            }
        }
        self.file.seek(SeekFrom::Start(self.len))?;
        if let Err(e) = self.file.write_all(&self.buf) {
            // Leave no partial record behind for the next write to follow.
            let _ = self.file.set_len(self.len);
            return Err(e);
        }
        self.len += self.buf.len() as u64;
        if self.len > COMPACT_ABOVE && self.len > 4 * (self.live_bytes + MAGIC.len() as u64) {
            self.compact()?;
        }
        Ok(())
    }

    fn sync(&mut self) -> io::Result<()> {
        self.file.sync_data()
    }
}

/// Appends one record; returns its size.
fn encode(out: &mut Vec<u8>, op: u8, key: &[u8; StoreKey::LEN], value: &[u8]) -> u64 {
    let body = 1 + key.len() + value.len();
    let start = out.len();
    out.extend_from_slice(&(body as u32).to_be_bytes());
    out.extend_from_slice(&[0; 4]);
    out.push(op);
    out.extend_from_slice(key);
    out.extend_from_slice(value);
    let crc = crc32(&out[start + HEADER..]);
    out[start + 4..start + 8].copy_from_slice(&crc.to_be_bytes());
    (HEADER + body) as u64
}

/// What a log holds.
#[derive(Debug, Default)]
pub(crate) struct Replay {
    /// It starts with the magic.
    pub(crate) magic: bool,
    /// Live records, by key.
    pub(crate) records: std::collections::BTreeMap<[u8; StoreKey::LEN], Vec<u8>>,
    sizes: HashMap<[u8; StoreKey::LEN], u64>,
    /// Bytes up to the end of the last valid record.
    pub(crate) valid_len: usize,
}

/// Replays a log up to its first invalid record.
pub(crate) fn replay(bytes: &[u8]) -> Replay {
    let mut r = Replay::default();
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return r;
    }
    r.magic = true;
    let mut at = MAGIC.len();
    r.valid_len = at;
    while let Some(head) = bytes.get(at..at + HEADER) {
        let body_len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let crc = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
        let Some(body) = bytes.get(at + HEADER..at + HEADER + body_len) else {
            break;
        };
        if body_len < 1 + StoreKey::LEN || crc32(body) != crc {
            break;
        }
        let mut key = [0u8; StoreKey::LEN];
        key.copy_from_slice(&body[1..1 + StoreKey::LEN]);
        match body[0] {
            PUT => {
                r.records.insert(key, body[1 + StoreKey::LEN..].to_vec());
                r.sizes.insert(key, (HEADER + body_len) as u64);
            }
            REMOVE if body_len == 1 + StoreKey::LEN => {
                r.records.remove(&key);
                r.sizes.remove(&key);
            }
            _ => break,
        }
        at += HEADER + body_len;
        r.valid_len = at;
    }
    r
}

fn file_name(client_id: &str) -> String {
    let mut s = String::with_capacity(client_id.len());
    for b in client_id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), table-driven.
fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    let mut c = !0u32;
    for &b in data {
        c = TABLE[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqtt_sansio::client::{Client, Config, PublishId};
    use mqtt_sansio::codec::PacketId;

    fn key(n: u64) -> StoreKey {
        let mut b = [0u8; 9];
        b[0] = 1;
        b[1..].copy_from_slice(&n.to_be_bytes());
        StoreKey::from_bytes(&b).unwrap()
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn file_names_escape_what_a_path_could_misread() {
        assert_eq!(file_name("a/b..c d"), "a%2Fb%2E%2Ec%20d");
        assert_eq!(file_name("sensor-1_x"), "sensor-1_x");
    }

    /// The live records after each record of a log, with its end offset.
    type States = Vec<(usize, std::collections::BTreeMap<[u8; 9], Vec<u8>>)>;

    /// A log of puts, replacements and removals, and the live state after
    /// each record.
    fn history() -> (Vec<u8>, States) {
        let mut log = MAGIC.to_vec();
        let mut state = std::collections::BTreeMap::new();
        let mut states = vec![(log.len(), state.clone())];
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        for i in 0..60u64 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let k = key(rng % 7).to_bytes();
            if rng % 3 == 0 {
                encode(&mut log, REMOVE, &k, &[]);
                state.remove(&k);
            } else {
                let v: Vec<u8> = (0..(rng % 40) as u8).map(|b| b ^ i as u8).collect();
                encode(&mut log, PUT, &k, &v);
                state.insert(k, v);
            }
            states.push((log.len(), state.clone()));
        }
        (log, states)
    }

    #[test]
    fn a_log_cut_at_every_byte_replays_to_the_last_whole_record() {
        let (log, states) = history();
        for cut in 0..=log.len() {
            let r = replay(&log[..cut]);
            if cut < MAGIC.len() {
                assert!(!r.magic);
                continue;
            }
            let (len, want) = states.iter().rev().find(|(l, _)| *l <= cut).unwrap();
            assert_eq!(r.valid_len, *len, "cut at {cut}");
            assert_eq!(&r.records, want, "cut at {cut}");
        }
    }

    #[test]
    fn random_corruption_never_yields_a_wrong_record() {
        let (log, states) = history();
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..20_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let mut bad = log.clone();
            for f in 0..1 + (rng % 4) {
                let at = MAGIC.len() + ((rng >> (8 * f)) as usize % (bad.len() - MAGIC.len()));
                bad[at] ^= 1 << ((rng >> (40 + f)) % 8);
            }
            let Some(first) = (0..log.len()).find(|&i| bad[i] != log[i]) else {
                continue;
            };
            let r = replay(&bad);
            // It stops before the first damaged byte, at the end of a whole
            // record, with exactly the state after the records before it.
            let ok = r.valid_len <= first
                && states
                    .iter()
                    .any(|(len, want)| *len == r.valid_len && &r.records == want);
            assert!(ok, "flips from byte {first}: stopped at {}", r.valid_len);
        }
    }

    #[test]
    fn the_file_store_keeps_what_it_was_given_across_reopening_cuts_a_torn_end_and_compacts() {
        let dir = tempdir();
        let id = "store/test";
        let mut s = FileStore::open(&dir, id).unwrap();
        assert!(s.load().unwrap().is_empty());
        let big = vec![7u8; 4096];
        for i in 0..2_000u64 {
            s.apply(&[StoreOp::Put {
                key: key(i),
                value: big.clone(),
            }])
            .unwrap();
            if i >= 2 {
                s.apply(&[StoreOp::Remove { key: key(i - 2) }]).unwrap();
            }
        }
        s.sync().unwrap();
        let path = s.path().to_owned();
        assert!(
            std::fs::metadata(&path).unwrap().len() < 4 * COMPACT_ABOVE,
            "compacted as flows complete"
        );
        drop(s);
        // A crash in the middle of the next write.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&[0, 0, 0, 40, 1, 2]).unwrap();
        drop(f);
        let mut s = FileStore::open(&dir, id).unwrap();
        let mut got = s.load().unwrap();
        got.sort();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], (key(1998), big.clone()));
        s.apply(&[StoreOp::Put {
            key: StoreKey::Inbound(PacketId::new(9).unwrap()),
            value: Vec::new(),
        }])
        .unwrap();
        drop(s);
        let mut s = FileStore::open(&dir, id).unwrap();
        assert_eq!(
            s.load().unwrap().len(),
            3,
            "the torn end was cut, later writes kept"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_that_is_not_a_store_is_an_error() {
        let dir = tempdir();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("x.mqs"), b"hello").unwrap();
        let mut s = FileStore::open(&dir, "x").unwrap();
        assert_eq!(s.load().unwrap_err().kind(), io::ErrorKind::InvalidData);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_client_restores_from_what_the_file_store_kept() {
        let dir = tempdir();
        let cfg = || {
            Config::default()
                .client_id("c")
                .clean_start(false)
                .durable(true)
        };
        let mut core = Client::<std::time::Instant>::new(cfg()).unwrap();
        let now = std::time::Instant::now();
        let mut d = Persistence::new(&dir).open("c").unwrap();
        d.store.load().unwrap();
        let id: PublishId = core
            .publish(
                now,
                mqtt_sansio::client::OutgoingPublish::new(
                    "t",
                    &b"x"[..],
                    mqtt_sansio::QoS::ExactlyOnce,
                ),
            )
            .unwrap();
        d.persist(&mut core, now, By::Driver).unwrap();
        drop(d);
        let mut d = Persistence::new(&dir).open("c").unwrap();
        let records = d.store.load().unwrap();
        assert_eq!(records[0].0, StoreKey::Outbound(id));
        let restored =
            Client::restore_stored(cfg(), records.iter().map(|(k, v)| (*k, &v[..])), now).unwrap();
        assert_eq!(restored.queued_publishes(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn tempdir() -> PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let d = std::env::temp_dir().join(format!(
            "mqtt-store-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&d);
        d
    }
}
