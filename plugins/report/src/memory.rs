//! Giving freed memory back to the system between the run's phases.
//!
//! The history is read while the book is held, and reading it builds
//! short-lived structures (the host's answer, the risk signals before they
//! are compacted) that leave the heap full of free holes. malloc keeps
//! them; the sections computed next would then add their own memory on
//! top, and the run's peak would count both.

/// Returns the pages malloc holds free to the system (glibc's
/// `malloc_trim`, which also releases free pages inside the heap); nothing
/// elsewhere.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}
