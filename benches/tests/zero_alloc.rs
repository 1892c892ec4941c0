//! Zero heap allocations per QoS 0 publish and per inbound QoS 0 message in
//! steady state (issue 3), counted by a global allocator.
//!
//! The counter is per thread (a `const` thread-local, which never allocates),
//! so the test harness's other threads cannot disturb it; the last test below
//! shows that the counter does see an allocation, so the zero is not vacuous.

use mqtt_benches::harness::{inbound_qos0, Connected};
use mqtt_benches::Wire;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the slot may be gone while the thread is being torn down.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every method forwards to `System` with the caller's arguments; the
// only addition is a thread-local counter that does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Heap allocations made by this thread while running `f`.
fn allocations<R>(f: impl FnOnce() -> R) -> (u64, R) {
    let before = ALLOCATIONS.with(Cell::get);
    let r = f();
    (ALLOCATIONS.with(Cell::get) - before, r)
}

const WARM_UP: usize = 1_000;
const MEASURED: usize = 10_000;

fn qos0_publish_allocates_nothing(wire: Wire) {
    let mut c = Connected::new(wire);
    for _ in 0..WARM_UP {
        c.publish_qos0();
    }
    let (n, bytes) = allocations(|| (0..MEASURED).map(|_| c.publish_qos0()).sum::<usize>());
    assert!(bytes > MEASURED * 16, "every publish produced its bytes");
    assert_eq!(n, 0, "{n} heap allocations in {MEASURED} QoS 0 publishes");
}

fn inbound_qos0_allocates_nothing(wire: Wire) {
    let mut c = Connected::new(wire);
    let packet = inbound_qos0(wire);
    for _ in 0..WARM_UP {
        assert!(c.receive(&packet));
    }
    let (n, delivered) = allocations(|| (0..MEASURED).filter(|_| c.receive(&packet)).count());
    assert_eq!(delivered, MEASURED, "every PUBLISH became a message event");
    assert_eq!(
        n, 0,
        "{n} heap allocations in {MEASURED} inbound QoS 0 messages"
    );
}

#[test]
fn qos0_publish_allocates_nothing_in_steady_state_v3_1_1() {
    qos0_publish_allocates_nothing(Wire::V4);
}

#[test]
fn qos0_publish_allocates_nothing_in_steady_state_v5() {
    qos0_publish_allocates_nothing(Wire::V5);
}

#[test]
fn inbound_qos0_message_allocates_nothing_in_steady_state_v3_1_1() {
    inbound_qos0_allocates_nothing(Wire::V4);
}

#[test]
fn inbound_qos0_message_allocates_nothing_in_steady_state_v5() {
    inbound_qos0_allocates_nothing(Wire::V5);
}

#[test]
fn the_counter_sees_an_allocation() {
    let (n, v) = allocations(|| std::hint::black_box(vec![1u8; 64]));
    assert_eq!(v.len(), 64);
    assert!(n >= 1, "a Vec allocation must be counted");
}
