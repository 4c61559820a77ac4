//! Progress of long file scans, drawn on standard error when it is a terminal: the
//! table, how much of its file is read, the rate and the rows so far. Off unless the
//! command turns it on (`kql run` does, but not when standard error is piped, under CI,
//! or with `-q`); results never depend on it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Files smaller than this read too fast for a bar to help.
const MIN_BYTES: u64 = 64 << 20;

/// Turns progress bars on or off for the rest of the process.
pub fn enable(on: bool) {
    ENABLED.store(on, Ordering::SeqCst);
}

/// One scan's bar; nothing when progress is off or the file is small.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    rows: AtomicU64,
}

impl Progress {
    pub(crate) fn start(label: &str, bytes: u64) -> Progress {
        let bar = (ENABLED.load(Ordering::SeqCst) && bytes >= MIN_BYTES).then(|| {
            let bar = ProgressBar::with_draw_target(Some(bytes), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{prefix} {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} {msg}",
            ) {
                bar.set_style(style);
            }
            bar.set_prefix(label.to_string());
            bar
        });
        Progress {
            bar,
            rows: AtomicU64::new(0),
        }
    }

    /// A chunk of `bytes` holding `rows` rows was read.
    pub(crate) fn advance(&self, bytes: u64, rows: u64) {
        if let Some(bar) = &self.bar {
            let rows = self.rows.fetch_add(rows, Ordering::Relaxed) + rows;
            bar.set_message(format!("{rows} rows"));
            bar.inc(bytes);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
