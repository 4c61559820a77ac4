//! What keeps a bad query from taking the process down: stack space for deep
//! queries, and panics caught and told (a panic is a bug in kql, but one query's
//! bug must not end a whole `kql test` run, nor die without a word).
//!
//! Stack: binding, optimizing, running and printing a query
//! recurse over its tree, so a long pipeline or deep nesting needs stack in
//! proportion. Every thread that works on a query runs with a known stack: the
//! query's own thread gets [`QUERY_STACK`] (a reservation of address space, not memory
//! in use), worker threads [`WORKER_STACK`]. The depth limits of the parser and the
//! binder ([`crate::syntax::MAX_DEPTH`], [`crate::plan::MAX_PLAN_DEPTH`]) keep every
//! tree within what these stacks hold; `tests/reliability_crashes.rs` runs each
//! stage at the limits.

/// The stack of the thread a query runs on. A debug build's frames are several times
/// bigger, so it reserves more.
pub const QUERY_STACK: usize = if cfg!(debug_assertions) {
    1 << 30
} else {
    256 << 20
};

/// The stack of each worker thread of a parallel scan (they evaluate expressions,
/// whose depth the parser bounds, not plans).
pub const WORKER_STACK: usize = 64 << 20;

thread_local! {
    static BIG: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` on a thread with [`QUERY_STACK`] of stack (on this thread when it already
/// is one). A panic in `f` comes back as a panic here; an error is a thread the system
/// would not start.
pub fn with_query_stack<T: Send>(f: impl FnOnce() -> T + Send) -> std::io::Result<T> {
    if BIG.with(|b| b.get()) {
        return Ok(f());
    }
    std::thread::scope(|s| {
        let h = std::thread::Builder::new()
            .name("query".into())
            .stack_size(QUERY_STACK)
            .spawn_scoped(s, || {
                BIG.with(|b| b.set(true));
                f()
            })?;
        Ok(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    })
}

/// Starts a worker thread of a parallel scan in `scope`, with [`WORKER_STACK`].
pub fn spawn_worker<'scope, 'env, T: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    f: impl FnOnce() -> T + Send + 'scope,
) -> std::thread::ScopedJoinHandle<'scope, T> {
    std::thread::Builder::new()
        .stack_size(WORKER_STACK)
        .spawn_scoped(scope, f)
        // As `Scope::spawn` does: a system out of threads is beyond recovery here.
        .unwrap_or_else(|e| panic!("cannot start a worker thread: {e}"))
}

/// Drops `x` on a thread of its own: freeing a big structure of many small allocations
/// (a summarize's groups) takes milliseconds no later step waits for. The process may
/// end before the thread is done: its memory goes back to the system then anyway.
pub fn drop_aside<T: Send + 'static>(x: T) {
    // (When the thread cannot start, the closure and `x` with it are dropped here.)
    let _ = std::thread::Builder::new()
        .name("drop".into())
        .spawn(move || drop(x));
}

/// The first panic message since the last [`catch`], with where it was raised. A
/// panic on a worker thread reaches the query's thread as "a scoped thread panicked";
/// the message worth telling is the first one.
static FIRST_PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Panics print nothing from now on (no backtrace on standard error): [`catch`]
/// reports them. Call once, at the start of the program.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let mut first = FIRST_PANIC.lock().unwrap_or_else(|e| e.into_inner());
        if first.is_none() {
            let msg = payload_text(info.payload());
            *first = Some(match info.location() {
                Some(l) => format!("{msg} (at {}:{})", l.file(), l.line()),
                None => msg,
            });
        }
    }));
}

/// `f()`, or the message of the panic that stopped it.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    take_first();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    let first = take_first();
    r.map_err(|p| first.unwrap_or_else(|| payload_text(&*p)))
}

fn take_first() -> Option<String> {
    FIRST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).take()
}

fn payload_text(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_comes_back_as_its_message() {
        let r: Result<(), String> = catch(|| panic!("boom {}", 42));
        assert!(r.unwrap_err().contains("boom 42"));
        assert_eq!(catch(|| 7), Ok(7));
    }

    #[test]
    fn the_query_stack_holds_deep_recursion() {
        // About 1 KB of stack per level: 100,000 levels need ~100 MB, far beyond a
        // test thread's 2 MB.
        fn down(n: usize) -> usize {
            let pad = std::hint::black_box([0u8; 1024]);
            if n == 0 {
                pad[0] as usize
            } else {
                down(n - 1) + 1 + pad[1] as usize
            }
        }
        assert_eq!(with_query_stack(|| down(100_000)).unwrap(), 100_000);
    }
}
