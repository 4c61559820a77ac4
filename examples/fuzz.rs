//! The long fuzz campaigns on stable Rust: the generators of tests/fuzzgen/ (the same
//! cases `cargo test --test fuzz_seeded` runs a few hundred of), for as many cases as
//! asked, each case in a child process so that an abort, a stack overflow or a hang is
//! reported with its case number instead of ending the campaign.
//!
//! ```text
//! cargo build --release --example fuzz
//! taskset -c 1 target/release/examples/fuzz exec --iters 100000 --seed 1
//! taskset -c 1 target/release/examples/fuzz files --iters 30000
//! taskset -c 1 target/release/examples/fuzz functions            # every function × edges
//! target/release/examples/fuzz exec --seed 1 --case 4242         # replay one case, verbosely
//! ```
//!
//! Options: `--seed S` (default 1), `--iters N` (default 10000; `functions` defaults to
//! every case of its table), `--chunk K` cases per child (default 2000), `--timeout
//! SECS` without progress before a child counts as hung (default 60), `--case I` runs
//! case I alone in this process and prints what it tries; `exec --hostile` makes one
//! case in 20 a query of the shapes that once crashed kql (long pipelines, deep
//! nesting, NaN make-series axes, long format strings: issue 15). Run it under `ulimit -v` to
//! turn a runaway allocation into an abort that is reported like the others.

#[path = "../tests/fuzzgen/mod.rs"]
mod fuzzgen;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Opts {
    kind: String,
    seed: u64,
    iters: Option<u64>,
    chunk: u64,
    timeout: u64,
    case: Option<u64>,
    child: Option<(u64, u64)>,
    hostile: bool,
}

fn parse_args() -> Result<Opts, String> {
    let mut args = std::env::args().skip(1);
    let kind = args.next().ok_or("usage: fuzz exec|files|functions [--seed S] [--iters N] [--chunk K] [--timeout SECS] [--case I]")?;
    if !matches!(kind.as_str(), "exec" | "files" | "functions") {
        return Err(format!(
            "unknown campaign `{kind}`: exec, files or functions"
        ));
    }
    let mut o = Opts {
        kind,
        seed: 1,
        iters: None,
        chunk: 2000,
        timeout: 60,
        case: None,
        child: None,
        hostile: false,
    };
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> Result<u64, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or(format!("{name} takes a number"))
        };
        match a.as_str() {
            "--seed" => o.seed = num("--seed")?,
            "--iters" => o.iters = Some(num("--iters")?),
            "--chunk" => o.chunk = num("--chunk")?.max(1),
            "--timeout" => o.timeout = num("--timeout")?,
            "--case" => o.case = Some(num("--case")?),
            "--hostile" => o.hostile = true,
            "--child" => {
                let from = num("--child")?;
                let to = num("--child")?;
                o.child = Some((from, to));
            }
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(o)
}

/// What one case did: queries run (or calls, or files), clean errors, checks.
type Counts = (u64, u64, u64);

/// Runs case `i` of the campaign.
fn run_case(kind: &str, seed: u64, i: u64) -> Result<Counts, String> {
    let mut rng = fuzzgen::Rng::for_case(seed, i);
    match kind {
        "exec" => fuzzgen::exec::case(&mut rng).map(|s| (s.queries, s.errors, s.checks)),
        "files" => fuzzgen::files::case(&mut rng).map(|s| (s.reads, s.errors, s.checks)),
        _ => fuzzgen::functions::case(seed, i).map(|s| (s.calls, s.errors, 0)),
    }
}

fn default_iters(kind: &str) -> u64 {
    match kind {
        "functions" => fuzzgen::functions::case_count(),
        _ => 10_000,
    }
}

/// The child: runs cases `from..to`, one line per case on standard output.
fn child(o: &Opts, from: u64, to: u64) {
    let message: Arc<Mutex<String>> = Arc::default();
    let m = message.clone();
    std::panic::set_hook(Box::new(move |info| {
        *m.lock().unwrap() = info.to_string().replace('\n', " ");
    }));
    let out = std::io::stdout();
    for i in from..to {
        {
            let mut out = out.lock();
            let _ = writeln!(out, "start {i}");
            let _ = out.flush();
        }
        let r = std::panic::catch_unwind(|| run_case(&o.kind, o.seed, i));
        let line = match r {
            Ok(Ok((a, b, c))) => format!("done {i} {a} {b} {c}"),
            Ok(Err(why)) => format!("fail {i} {}", why.replace('\n', "\\n")),
            Err(_) => format!(
                "panic {i} {} || while trying: {}",
                message.lock().unwrap(),
                fuzzgen::last().replace('\n', "\\n")
            ),
        };
        let mut out = out.lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
    cleanup(&o.kind);
}

fn cleanup(kind: &str) {
    match kind {
        "exec" => fuzzgen::exec::cleanup(),
        "files" => fuzzgen::files::cleanup(),
        _ => {}
    }
}

#[derive(Default)]
struct Tally {
    cases: u64,
    counts: Counts,
    findings: Vec<String>,
}

/// The parent: hands out chunks of cases to children and tallies their lines.
fn parent(o: &Opts) {
    let iters = o.iters.unwrap_or_else(|| default_iters(&o.kind));
    let exe = std::env::current_exe().expect("own path");
    let start = Instant::now();
    let mut t = Tally::default();
    let mut next = 0;
    let mut reported = 0;
    while next < iters {
        let to = (next + o.chunk).min(iters);
        let mut child = Command::new(&exe)
            .args([&o.kind, "--seed", &o.seed.to_string()])
            .args(o.hostile.then_some("--hostile"))
            .arg("--child")
            .args([next.to_string(), to.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the child");
        // The child's lines, read on a thread so that a hang can be timed.
        let lines: Arc<Mutex<(Vec<String>, Instant)>> =
            Arc::new(Mutex::new((Vec::new(), Instant::now())));
        let reader = {
            let lines = lines.clone();
            let stdout = child.stdout.take().unwrap();
            std::thread::spawn(move || {
                for l in BufReader::new(stdout).lines().map_while(Result::ok) {
                    let mut g = lines.lock().unwrap();
                    g.0.push(l);
                    g.1 = Instant::now();
                }
            })
        };
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break Some(s);
            }
            if lines.lock().unwrap().1.elapsed() > Duration::from_secs(o.timeout) {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let _ = reader.join();
        let got = std::mem::take(&mut lines.lock().unwrap().0);
        let mut started = None;
        let mut finished = next;
        for l in &got {
            let mut w = l.splitn(3, ' ');
            let (what, i) = (w.next().unwrap_or(""), w.next().unwrap_or("0"));
            let i: u64 = i.parse().unwrap_or(0);
            let rest = w.next().unwrap_or("");
            match what {
                "start" => started = Some(i),
                "done" => {
                    let n: Vec<u64> = rest.split(' ').filter_map(|x| x.parse().ok()).collect();
                    t.counts.0 += n.first().copied().unwrap_or(0);
                    t.counts.1 += n.get(1).copied().unwrap_or(0);
                    t.counts.2 += n.get(2).copied().unwrap_or(0);
                }
                "fail" => t.findings.push(format!("case {i}: invariant: {rest}")),
                "panic" => t.findings.push(format!("case {i}: PANIC: {rest}")),
                _ => {}
            }
            if what != "start" {
                started = None;
                finished = i + 1;
                t.cases += 1;
            }
        }
        match status {
            Some(s) if s.success() => next = to,
            other => {
                // The case that started and did not finish killed the child.
                let i = started.unwrap_or(finished);
                let why = match other {
                    None => format!("HANG: no progress for {} s", o.timeout),
                    Some(s) => format!("CRASH: the child ended with {s}"),
                };
                t.findings.push(format!("case {i}: {why}"));
                t.cases += 1;
                next = i + 1;
            }
        }
        for f in &t.findings[reported..] {
            eprintln!("{f}");
        }
        reported = t.findings.len();
        eprintln!(
            "{} cases, {} runs, {} clean errors, {} checks, {} findings, {:.0?}",
            t.cases,
            t.counts.0,
            t.counts.1,
            t.counts.2,
            t.findings.len(),
            start.elapsed()
        );
    }
    cleanup(&o.kind);
    println!(
        "campaign {} seed {}: {} cases, {} runs (queries, reads or calls), {} clean errors, {} invariant checks, {} findings, {:.1?}",
        o.kind,
        o.seed,
        t.cases,
        t.counts.0,
        t.counts.1,
        t.counts.2,
        t.findings.len(),
        start.elapsed()
    );
    for f in &t.findings {
        println!("{f}");
    }
    if !t.findings.is_empty() {
        println!(
            "replay one: {} {}{} --seed {} --case N",
            exe.display(),
            o.kind,
            if o.hostile { " --hostile" } else { "" },
            o.seed
        );
        std::process::exit(1);
    }
}

fn main() {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    fuzzgen::exec::HOSTILE.store(o.hostile, std::sync::atomic::Ordering::Relaxed);
    if let Some((from, to)) = o.child {
        child(&o, from, to);
    } else if let Some(i) = o.case {
        fuzzgen::VERBOSE.store(true, std::sync::atomic::Ordering::Relaxed);
        let r = run_case(&o.kind, o.seed, i);
        cleanup(&o.kind);
        match r {
            Ok(c) => println!("case {i}: ok {c:?}"),
            Err(why) => {
                println!("case {i}: {why}");
                std::process::exit(1);
            }
        }
    } else {
        parent(&o);
    }
}
