//! The harness's hostile-registry scenarios (faultproxy rules, tests/harness/README.md), set
//! per repository so parallel tests do not interfere; bounded runs of arbor with peak RSS;
//! and a check, independent of arbor's sanitiser, that bytes are safe for a terminal.
use super::{harness, json, run_ok, stdout};
use serde_json::Value;
use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Tags the `escape_tags` scenario lists (as tests/harness/go/faultproxy/hostile.go does).
pub const HOSTILE_TAGS: &[&str] = &[
    "title\x1b]0;pwned\x07",
    "clip\x1b]52;c;cHduZWQ=\x07",
    "clear\x1b[2J",
    "c1\u{9b}31m",
    "invoice\u{202e}fdp",
    "\u{2066}lri",
    "rlm\u{200f}",
    "trimmed\t",
    "new\nline",
    "trail\x01",
];

/// The artifact type, annotation and file titles `seed` writes.
pub const HOSTILE_TYPE: &str = "application/vnd.arbor.hostile\x1b]0;pwned\x07\u{202e}+json";
pub const HOSTILE_KEY: &str = "key\x1b[2J\u{202e}";
pub const HOSTILE_VALUE: &str = "value\x1b]52;c;cHduZWQ=\x07\u{9b}31m\u{2066}x\u{200f}";
pub const HOSTILE_TITLES: &[&str] = &["invoice\u{202e}fdp.exe", "title\x1b]0;pwned\x07.txt"];

/// A faultproxy and its collector (a second origin that records Authorization headers).
pub struct Hostile {
    pub addr: String,
    pub collector: String,
}

/// The faultproxy in front of distribution 2.8.3 (tag-schema referrers).
pub fn hostile_dist() -> Hostile {
    let h = harness();
    Hostile {
        addr: h.fault_dist(),
        collector: h.var("ARBOR_TEST_FAULT_DIST_COLLECTOR"),
    }
}

/// The faultproxy in front of the spec-complete referrers-API registry.
pub fn hostile_refs() -> Hostile {
    let h = harness();
    Hostile {
        addr: h.fault_refs(),
        collector: h.var("ARBOR_TEST_FAULT_REFS_COLLECTOR"),
    }
}

/// Digests of the escape-laden graph `seed` pushed (see seed.go).
#[derive(Debug, Clone)]
pub struct Seeded {
    pub subject: String,
    pub annotated: String,
    pub sbom: String,
    /// Files titled `invoice<RLO>fdp.exe` and `plain.txt`.
    pub files: String,
    /// One file titled `title<OSC 0>.txt`.
    pub titled: String,
    pub referrers_api: bool,
}

fn curl() -> Command {
    let mut c = Command::new("curl");
    c.args(["-sS", "--fail-with-body", "-m", "30"]);
    c
}

impl Hostile {
    /// Sets the repository's rule (replacing any other; counters and logs start again).
    pub fn set(&self, repo: &str, rule: Value) {
        run_ok(
            curl()
                .args(["-o", "/dev/null", "-X", "PUT", "-d"])
                .arg(rule.to_string())
                .arg(format!("http://{}/__fault/{repo}", self.addr)),
        );
    }

    pub fn clear(&self, repo: &str) {
        run_ok(
            curl()
                .args(["-X", "DELETE"])
                .arg(format!("http://{}/__fault/{repo}", self.addr)),
        );
    }

    /// Requests seen for the repository since its rule was set: counts, a log (time, method,
    /// kind, URI, auth scheme), invalid/shadow tag requests, tokens issued.
    pub fn stats(&self, repo: &str) -> Value {
        json(&run_ok(
            curl().arg(format!("http://{}/__stats/{repo}", self.addr)),
        ))
    }

    /// What the collector was sent for the repository: requests, with_authorization, entries.
    pub fn collected(&self, repo: &str) -> Value {
        json(&run_ok(
            curl().arg(format!("http://{}/__collected/{repo}", self.addr)),
        ))
    }

    /// Pushes the escape-laden graph into the registry behind the proxy (tag `v1`).
    pub fn seed(&self, repo: &str) -> Seeded {
        let v = json(&run_ok(
            curl()
                .args(["-X", "POST"])
                .arg(format!("http://{}/__seed/{repo}", self.addr)),
        ));
        let s = |k: &str| v[k].as_str().expect(k).to_string();
        Seeded {
            subject: s("subject"),
            annotated: s("annotated"),
            sbom: s("sbom"),
            files: s("files"),
            titled: s("titled"),
            referrers_api: v["referrers_api"].as_bool().unwrap_or(false),
        }
    }

    /// `host:port/repo` on the proxy.
    pub fn repo(&self, repo: &str) -> String {
        format!("{}/{repo}", self.addr)
    }
}

/// A command that ran under a deadline.
pub struct Bounded {
    pub out: Output,
    pub elapsed: Duration,
    /// It was still running at the deadline and was killed.
    pub killed: bool,
    /// Peak resident set size of the process, KiB (from wait4's rusage).
    pub max_rss_kib: u64,
}

/// Runs `cmd` with stdin closed, killing it at `deadline`; its output, time and peak RSS.
#[cfg(unix)]
#[allow(clippy::zombie_processes)] // reaped by wait4 below, which also gives the rusage
pub fn run_bounded(cmd: &mut Command, deadline: Duration) -> Bounded {
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    let drain = |p: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = p {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out_t = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err_t = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let pid = child.id() as libc::pid_t;
    let mut killed = false;
    let (status, rss) = loop {
        let mut status = 0;
        // SAFETY: rusage is plain data; wait4 fills it for our own child.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut ru) };
        if r == pid {
            break (status, ru.ru_maxrss as u64);
        }
        assert!(r == 0, "wait4: {}", std::io::Error::last_os_error());
        if !killed && start.elapsed() >= deadline {
            let _ = child.kill();
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    use std::os::unix::process::ExitStatusExt;
    let out = Output {
        status: std::process::ExitStatus::from_raw(status),
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
    };
    Bounded {
        out,
        elapsed: start.elapsed(),
        killed,
        max_rss_kib: rss,
    }
}

/// Characters no registry string may put on a terminal, listed independently of arbor's
/// sanitiser: C0 but newline, DEL, C1, bidi controls, zero-width and other invisible format
/// characters, line/paragraph separators, tag characters.
pub fn is_terminal_hazard(c: char) -> bool {
    let u = c as u32;
    (u < 0x20 && c != '\n')
        || (0x7f..=0x9f).contains(&u)
        || matches!(
            u,
            0x00ad
                | 0x0600..=0x0605
                | 0x061c
                | 0x06dd
                | 0x070f
                | 0x180e
                | 0x200b..=0x200f
                | 0x2028..=0x202e
                | 0x2060..=0x2064
                | 0x2066..=0x206f
                | 0xfeff
                | 0xfff9..=0xfffb
                | 0xe0001
                | 0xe0020..=0xe007f
        )
}

/// Each hazard in `bytes` (invalid UTF-8 too), described with its position.
pub fn terminal_hazards(bytes: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut offset = 0;
    for chunk in bytes.utf8_chunks() {
        for (i, c) in chunk.valid().char_indices() {
            if is_terminal_hazard(c) {
                found.push(format!("U+{:04X} at byte {}", c as u32, offset + i));
            }
        }
        offset += chunk.valid().len();
        if !chunk.invalid().is_empty() {
            found.push(format!("invalid UTF-8 at byte {offset}"));
            offset += chunk.invalid().len();
        }
    }
    found
}

/// Panics, showing the escaped text, when `bytes` hold anything from [`is_terminal_hazard`].
pub fn assert_terminal_safe(bytes: &[u8], what: &str) {
    let found = terminal_hazards(bytes);
    assert!(
        found.is_empty(),
        "{what} would put control characters on a terminal: {}\n{}",
        found.join(", "),
        String::from_utf8_lossy(bytes).escape_debug()
    );
}

/// `curl` output of a GET, for checking scenarios from outside arbor.
pub fn curl_get(url: &str, extra: &[&str]) -> Output {
    let mut c = Command::new("curl");
    c.args(["-s", "-D", "-"]).args(extra).arg(url);
    c.output().expect("curl")
}

/// The body of a `curl -D -` answer (after the blank line ending the headers).
pub fn body_of(out: &Output) -> String {
    let text = stdout(out);
    text.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}
