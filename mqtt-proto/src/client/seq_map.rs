//! The in-flight publishes, by sequence number.
//!
//! Sequence numbers are handed out in increasing order and publishes are
//! mostly acknowledged in the order they were sent, so a map kept as a
//! sorted ring buffer appends at the back and removes at the front, each a
//! single move of the value. A `BTreeMap` of these (large) values shifted
//! the rest of a leaf on every removal and allocated and split nodes as it
//! grew: a sixth of the instructions of a QoS 1 publish.
//!
//! Out-of-order operations (a publish completed ahead of older ones, one put
//! back at reconnect) keep the order with a binary search, shifting the
//! shorter side of the ring.

use alloc::collections::VecDeque;

/// An ordered map from `u64` keys, fastest for increasing inserts and
/// removals of the smallest key; the same results as a `BTreeMap` for every
/// operation it has.
#[derive(Debug, Clone)]
pub(crate) struct SeqMap<V> {
    entries: VecDeque<(u64, V)>,
}

impl<V> Default for SeqMap<V> {
    fn default() -> Self {
        SeqMap {
            entries: VecDeque::new(),
        }
    }
}

impl<V> SeqMap<V> {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn find(&self, key: u64) -> Result<usize, usize> {
        // Most lookups are of the oldest entry (acknowledged in order).
        match self.entries.front() {
            Some(&(k, _)) if k == key => Ok(0),
            _ => self.entries.binary_search_by_key(&key, |&(k, _)| k),
        }
    }

    /// Inserts `value` under `key`; returns the value it replaced.
    pub(crate) fn insert(&mut self, key: u64, value: V) -> Option<V> {
        if !matches!(self.entries.back(), Some(&(k, _)) if k >= key) {
            self.entries.push_back((key, value));
            return None;
        }
        match self.find(key) {
            Ok(i) => Some(core::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub(crate) fn remove(&mut self, key: &u64) -> Option<V> {
        let i = self.find(*key).ok()?;
        if i == 0 {
            return self.entries.pop_front().map(|(_, v)| v);
        }
        self.entries.remove(i).map(|(_, v)| v)
    }

    pub(crate) fn get_mut(&mut self, key: &u64) -> Option<&mut V> {
        let i = self.find(*key).ok()?;
        Some(&mut self.entries[i].1)
    }

    /// Entries in increasing order of their keys.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&u64, &V)> + '_ {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Keys in increasing order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &u64> + '_ {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Values in increasing order of their keys.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Values in increasing order of their keys.
    pub(crate) fn into_values(self) -> impl Iterator<Item = V> {
        self.entries.into_iter().map(|(_, v)| v)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::SeqMap;
    use alloc::collections::BTreeMap;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u64, u32),
        Remove(u64),
        Bump(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        // Small keys, so that inserts over existing keys, removals of missing
        // ones and out-of-order inserts all happen often.
        prop_oneof![
            (0u64..40, any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
            (0u64..40).prop_map(Op::Remove),
            (0u64..40).prop_map(Op::Bump),
        ]
    }

    proptest! {
        #[test]
        fn behaves_as_a_btree_map(ops in proptest::collection::vec(op(), 0..200)) {
            let mut ours = SeqMap::new();
            let mut model = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => prop_assert_eq!(ours.insert(k, v), model.insert(k, v)),
                    Op::Remove(k) => prop_assert_eq!(ours.remove(&k), model.remove(&k)),
                    Op::Bump(k) => {
                        let a = ours.get_mut(&k).map(|v| { *v = v.wrapping_add(1); *v });
                        let b = model.get_mut(&k).map(|v| { *v = v.wrapping_add(1); *v });
                        prop_assert_eq!(a, b);
                    }
                }
                prop_assert_eq!(ours.len(), model.len());
                prop_assert_eq!(ours.is_empty(), model.is_empty());
                prop_assert!(ours.keys().eq(model.keys()));
                prop_assert!(ours.values().eq(model.values()));
                prop_assert!(ours.iter().eq(model.iter()));
            }
            let a: Vec<u32> = ours.into_values().collect();
            let b: Vec<u32> = model.into_values().collect();
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn in_order_use_appends_at_the_back_and_takes_from_the_front() {
        let mut m = SeqMap::new();
        for k in 0..100u64 {
            assert_eq!(m.insert(k, k * 10), None);
        }
        for k in 0..100u64 {
            assert_eq!(m.remove(&k), Some(k * 10));
        }
        assert!(m.is_empty());
        assert_eq!(m.remove(&5), None);
    }
}
