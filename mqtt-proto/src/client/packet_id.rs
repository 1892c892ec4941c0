//! One packet-identifier allocator for PUBLISH, SUBSCRIBE and UNSUBSCRIBE.
//!
//! A bitmap of the 65,535 usable ids (8 KiB, allocated once). Allocation
//! scans forward from the last id handed out, so ids are reused as late as
//! possible and acknowledgements may arrive in any order `[MQTT-2.2.1-3]`
//! (3.1.1; v5 `[MQTT-2.2.1-3]`): an id is never handed out while in use.

use alloc::boxed::Box;
use alloc::vec;

use crate::codec::PacketId;

const WORDS: usize = 65536 / 64;

#[derive(Debug, Clone)]
pub(crate) struct PacketIds {
    used: Box<[u64]>,
    in_use: usize,
    last: u16,
}

impl PacketIds {
    pub(crate) fn new() -> Self {
        let mut used = vec![0u64; WORDS].into_boxed_slice();
        used[0] = 1; // id 0 is never valid [MQTT-2.3.1-1]
        PacketIds {
            used,
            in_use: 0,
            last: 0,
        }
    }

    /// Number of ids in use.
    pub(crate) fn in_use(&self) -> usize {
        self.in_use
    }

    pub(crate) fn is_used(&self, id: u16) -> bool {
        self.used[id as usize / 64] & (1 << (id % 64)) != 0
    }

    /// Marks a specific id as used (restoring a session); false if it already was.
    pub(crate) fn claim(&mut self, id: PacketId) -> bool {
        let v = id.get();
        if self.is_used(v) {
            return false;
        }
        self.used[v as usize / 64] |= 1 << (v % 64);
        self.in_use += 1;
        true
    }

    /// The next free id after the last one handed out, or `None` when all
    /// 65,535 are in use.
    pub(crate) fn allocate(&mut self) -> Option<PacketId> {
        if self.in_use >= 65535 {
            return None;
        }
        let mut id = self.last;
        loop {
            id = id.wrapping_add(1);
            if id != 0 && !self.is_used(id) {
                break;
            }
        }
        self.last = id;
        let pid = PacketId::new(id)?;
        self.claim(pid);
        Some(pid)
    }

    pub(crate) fn release(&mut self, id: PacketId) {
        let v = id.get();
        if self.is_used(v) {
            self.used[v as usize / 64] &= !(1 << (v % 64));
            self.in_use -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_start_at_one_and_never_zero() {
        let mut ids = PacketIds::new();
        assert_eq!(ids.allocate().map(|p| p.get()), Some(1));
        assert_eq!(ids.allocate().map(|p| p.get()), Some(2));
    }

    #[test]
    fn an_id_in_use_is_not_handed_out_again_after_wrap() {
        let mut ids = PacketIds::new();
        let first = ids.allocate().unwrap();
        for _ in 0..65534 {
            let p = ids.allocate().unwrap();
            assert_ne!(p, first);
            ids.release(p);
        }
        // Wrapped around: 1 is still in use, so the next is 2.
        assert_eq!(ids.allocate().map(|p| p.get()), Some(2));
    }

    #[test]
    fn exhaustion_is_none_and_release_out_of_order_frees() {
        let mut ids = PacketIds::new();
        for _ in 0..65535 {
            assert!(ids.allocate().is_some());
        }
        assert_eq!(ids.allocate(), None);
        ids.release(PacketId::new(40000).unwrap());
        ids.release(PacketId::new(7).unwrap());
        let a = ids.allocate().unwrap().get();
        let b = ids.allocate().unwrap().get();
        assert!([a, b].contains(&7) && [a, b].contains(&40000));
        assert_eq!(ids.allocate(), None);
    }
}
