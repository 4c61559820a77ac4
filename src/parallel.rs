//! Parallel work in one place: how many threads a query uses, and [`Ordered`], a value
//! that the chunks of a parallel scan update in source order, without a thread ever
//! waiting for its turn.
//!
//! A scan's threads finish chunks out of order. Blocking until the chunk before has
//! been applied (a turn-taking lock) idles a thread whenever the one holding the
//! earlier chunk is slow or descheduled (the machine is often shared), and pays a
//! sleep and a wake-up each time. Here a thread that cannot apply its chunk now leaves
//! it behind and goes back to parsing; whichever thread applies the chunk before it
//! applies the waiting ones too, in order.
//!
//! The work left behind is held in memory: past [`MAX_WAITING`] chunks (a thread held
//! up for long while the others race ahead), a thread waits for its chunk to be
//! applied, so that memory stays bounded.

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, MutexGuard};

/// Threads that read and process a table's chunks: the machine's cores, at most 8
/// (more did not pay on the machines measured: reading becomes the limit), or
/// `KQL_THREADS` when set (results never depend on it; tests and benchmarks vary it).
pub(crate) fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| {
        std::env::var("KQL_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(8)))
    })
}

/// Chunks of work that may wait for their turn before submitting threads wait too.
const MAX_WAITING: usize = 32;

pub(crate) struct Ordered<T, W> {
    state: Mutex<State<T, W>>,
    /// Signalled whenever chunks were applied (or work panicked).
    applied: Condvar,
}

struct State<T, W> {
    /// The chunk whose work is applied next.
    next: usize,
    /// Work of chunks that came before their turn.
    waiting: BTreeMap<usize, W>,
    /// `None` while a thread is applying work (or after that work panicked).
    value: Option<T>,
    /// Work panicked: nothing is applied any more, and no thread waits.
    panicked: bool,
}

impl<T, W> Ordered<T, W> {
    pub(crate) fn new(value: T) -> Self {
        Ordered {
            state: Mutex::new(State {
                next: 0,
                waiting: BTreeMap::new(),
                value: Some(value),
                panicked: false,
            }),
            applied: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T, W>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands over chunk `idx`'s work: applies it now when its turn has come and no
    /// other thread is applying, with every waiting chunk whose turn follows; otherwise
    /// leaves it to the thread that will. Every chunk index must be submitted once.
    /// `apply` gets the index of the chunk it applies, which need not be `idx`.
    pub(crate) fn submit(&self, idx: usize, work: W, apply: impl Fn(&mut T, usize, W)) {
        let mut st = self.lock();
        st.waiting.insert(idx, work);
        while st.value.is_some() {
            let next = st.next;
            let Some(w) = st.waiting.remove(&next) else {
                break;
            };
            let Some(mut value) = st.value.take() else {
                break;
            };
            st.next += 1;
            drop(st);
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                apply(&mut value, next, w)
            }));
            st = self.lock();
            match r {
                Ok(()) => st.value = Some(value),
                Err(p) => {
                    // `value` stays taken: later chunks only queue up, no thread waits,
                    // and the panic reaches the scan's caller.
                    st.panicked = true;
                    drop(st);
                    self.applied.notify_all();
                    std::panic::resume_unwind(p);
                }
            }
            self.applied.notify_all();
        }
        // Deadlock-free: the earliest chunk not yet handed to every aggregator has
        // all the chunks before it here, so its thread never waits on this.
        while st.waiting.len() > MAX_WAITING && st.next <= idx && !st.panicked {
            st = self.applied.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The value once every chunk was applied; `None` when work panicked or a chunk
    /// never came.
    pub(crate) fn into_inner(self) -> Option<T> {
        let st = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        if st.waiting.is_empty() {
            st.value
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_in_order_whatever_the_order_of_submission() {
        let o = Ordered::new(Vec::new());
        for idx in [2, 0, 3, 1, 5, 4] {
            o.submit(idx, idx, |v: &mut Vec<(usize, usize)>, i, w| v.push((i, w)));
        }
        assert_eq!(o.into_inner(), Some((0..6).map(|i| (i, i)).collect()));
    }

    #[test]
    fn a_backlog_makes_threads_wait_without_deadlock() {
        // Chunk 0 comes last: the others pile up past the bound, their threads wait
        // until chunk 0 arrives and everything is applied.
        let o = Ordered::new(Vec::new());
        let n = MAX_WAITING * 3;
        std::thread::scope(|s| {
            for idx in 1..n {
                let o = &o;
                s.spawn(move || {
                    o.submit(idx, idx, |v: &mut Vec<(usize, usize)>, i, w| v.push((i, w)))
                });
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
            o.submit(0, 0, |v: &mut Vec<(usize, usize)>, i, w| v.push((i, w)));
        });
        assert_eq!(o.into_inner(), Some((0..n).map(|i| (i, i)).collect()));
    }

    #[test]
    fn a_missing_chunk_gives_none() {
        let o = Ordered::new(Vec::new());
        o.submit(1, 1, |v: &mut Vec<(usize, usize)>, i, w| v.push((i, w)));
        assert_eq!(o.into_inner(), None);
    }

    #[test]
    fn threads_apply_every_chunk_once_in_order() {
        let o = Ordered::new(Vec::new());
        let next = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| loop {
                    let idx = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if idx >= 2000 {
                        break;
                    }
                    o.submit(idx, idx, |v: &mut Vec<(usize, usize)>, i, w| v.push((i, w)));
                });
            }
        });
        assert_eq!(o.into_inner(), Some((0..2000).map(|i| (i, i)).collect()));
    }
}
