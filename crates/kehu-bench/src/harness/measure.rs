//! Running one command and measuring it: wall time from spawn to reap, and
//! the child's peak resident memory from `wait4`, with a time limit.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::error::BenchError;

/// How one run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The process exited with this code.
    Exited(i32),
    /// The process was killed by this signal (not by us).
    Signalled(i32),
    /// The process ran past the time limit and was killed.
    TimedOut,
}

/// One measured run.
#[derive(Clone, Debug)]
pub struct Measurement {
    /// Time from spawn to reap.
    pub wall: Duration,
    /// Peak resident set size of the child (and the children it waited
    /// for), in bytes.
    pub peak_rss: u64,
    /// User plus system CPU time of the child and the children it waited
    /// for: steadier than wall time on a busy machine.
    pub cpu: Duration,
    /// How it ended.
    pub outcome: Outcome,
    /// The first part of its standard error, for SKIP and FAIL reasons.
    pub stderr: String,
}

const STDERR_KEEP: usize = 4096;

/// Runs `command` once with standard output discarded, standard error kept
/// (its first 4 KiB), killing its whole process group after `limit`.
pub fn measure(command: &mut Command, limit: Duration) -> Result<Measurement, BenchError> {
    let shown = format!("{command:?}");
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0);
    let started = Instant::now();
    let mut child = command.spawn().map_err(|e| BenchError::Command {
        command: shown.clone(),
        detail: e.to_string(),
    })?;
    let pid = child.id() as libc::pid_t;
    let stderr_reader = child.stderr.take().map(|mut pipe| {
        thread::spawn(move || {
            let mut kept = Vec::new();
            let mut buffer = [0u8; 8192];
            while let Ok(n) = pipe.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                let room = STDERR_KEEP.saturating_sub(kept.len());
                kept.extend_from_slice(&buffer[..n.min(room)]);
            }
            String::from_utf8_lossy(&kept).into_owned()
        })
    });
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let watchdog = thread::spawn(move || {
        if done_rx.recv_timeout(limit) == Err(mpsc::RecvTimeoutError::Timeout) {
            // SAFETY: kill(2) with a negative pid signals the process group
            // we created for the child; it has no memory-safety effects.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
            return true;
        }
        false
    });

    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = loop {
        // SAFETY: `status` and `usage` are valid, writable and live for the
        // call; `pid` is our own unreaped child.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break r;
    };
    let wall = started.elapsed();
    let _ = done_tx.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    if reaped != pid {
        return Err(BenchError::Command {
            command: shown,
            detail: format!("wait4: {}", std::io::Error::last_os_error()),
        });
    }
    // The child is reaped; make sure std does not try again.
    std::mem::forget(child);
    // Any grandchild still holding stderr open belongs to the killed group.
    if timed_out {
        // SAFETY: as above, signals our own process group only.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let stderr = stderr_reader
        .and_then(|handle| handle.join().ok())
        .unwrap_or_default();
    let outcome = if timed_out {
        Outcome::TimedOut
    } else if libc::WIFEXITED(status) {
        Outcome::Exited(libc::WEXITSTATUS(status))
    } else {
        Outcome::Signalled(libc::WTERMSIG(status))
    };
    Ok(Measurement {
        wall,
        // Linux reports ru_maxrss in KiB.
        peak_rss: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
        outcome,
        stderr,
    })
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
        + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_time_memory_and_exit_code() {
        let m = measure(
            Command::new("sh").args([
                "-c",
                "head -c 50000000 /dev/zero | tail -c 1 >/dev/null; echo oops >&2; exit 3",
            ]),
            Duration::from_secs(30),
        )
        .unwrap();
        assert_eq!(m.outcome, Outcome::Exited(3));
        assert_eq!(m.stderr.trim(), "oops");
        assert!(m.peak_rss > 1_000_000, "{}", m.peak_rss);
        assert!(m.cpu <= m.wall * 4, "{:?} {:?}", m.cpu, m.wall);
        assert!(m.wall > Duration::ZERO);
    }

    #[test]
    fn kills_a_command_past_its_limit() {
        let m = measure(
            Command::new("sh").args(["-c", "sleep 30"]),
            Duration::from_millis(200),
        )
        .unwrap();
        assert_eq!(m.outcome, Outcome::TimedOut);
        assert!(m.wall < Duration::from_secs(10));
    }

    #[test]
    fn a_missing_program_is_an_error() {
        assert!(
            measure(
                &mut Command::new("/nonexistent/kehu"),
                Duration::from_secs(1)
            )
            .is_err()
        );
    }
}
