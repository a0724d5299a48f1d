//! Output a plugin streams to the host while it runs.
//!
//! The host prints streamed bytes as they come ([`HostApi::write`]), so a
//! report of a hundred megabytes is written in pieces: never held whole,
//! never escaped into the response JSON and parsed back. A host that does
//! not take streamed output (a test host) gets the same bytes in the
//! response instead.

use std::cell::{Cell, RefCell};
use std::io::{self, Write};

use kehu_plugin::abi::{HOST_OK, HOST_UNSUPPORTED, HostApi, STREAM_STDOUT};

/// How much a [`StdoutWriter`] gathers before handing it to the host.
const CHUNK: usize = 256 * 1024;

/// The plugin's streamed standard output for one run.
pub(crate) struct Streams<'a> {
    host: Option<&'a HostApi>,
    /// Set once the host said it does not take streamed output.
    unsupported: Cell<bool>,
    /// What the host did not take, for the response.
    kept: RefCell<Vec<u8>>,
}

impl<'a> Streams<'a> {
    pub(crate) fn new(host: Option<&'a HostApi>) -> Streams<'a> {
        Streams {
            host,
            unsupported: Cell::new(host.is_none()),
            kept: RefCell::new(Vec::new()),
        }
    }

    /// Sends `bytes` to the host's stdout, or keeps them for the response
    /// when the host does not take streamed output.
    pub(crate) fn send(&self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        if let Some(host) = self.host
            && !self.unsupported.get()
        {
            // SAFETY: `host` is the HostApi of the current `run` call (the
            // Context holding these streams cannot outlive it); `bytes` is
            // valid for the call.
            let status =
                unsafe { (host.write)(host.context, STREAM_STDOUT, bytes.as_ptr(), bytes.len()) };
            match status {
                HOST_OK => return Ok(()),
                HOST_UNSUPPORTED => self.unsupported.set(true),
                _ => return Err(io::Error::other("the host could not write the output")),
            }
        }
        self.kept.borrow_mut().extend_from_slice(bytes);
        Ok(())
    }

    /// What the host did not take.
    pub(crate) fn take_kept(&self) -> Vec<u8> {
        std::mem::take(&mut *self.kept.borrow_mut())
    }
}

/// A buffered writer onto the host's standard output, from
/// [`crate::Context::stdout`]. Bytes reach the host in chunks, before
/// anything the plugin returns in its [`crate::Output`]. Dropping the writer
/// flushes it; call [`Write::flush`] to see the error of the last chunk.
pub struct StdoutWriter<'c> {
    streams: &'c Streams<'c>,
    buffer: Vec<u8>,
}

impl<'c> StdoutWriter<'c> {
    pub(crate) fn new(streams: &'c Streams<'c>) -> StdoutWriter<'c> {
        StdoutWriter {
            streams,
            buffer: Vec::with_capacity(CHUNK),
        }
    }
}

impl Write for StdoutWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.buffer.len() + bytes.len() > CHUNK {
            self.flush()?;
        }
        if bytes.len() >= CHUNK {
            return self.streams.send(bytes);
        }
        self.buffer.extend_from_slice(bytes);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.streams.send(&self.buffer);
        self.buffer.clear();
        result
    }
}

impl Drop for StdoutWriter<'_> {
    fn drop(&mut self) {
        // A failed write was already seen by the writes before it, or by an
        // explicit flush; nothing useful can be done with it here.
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::io::Write as _;

    use kehu_core::Date;
    use kehu_plugin::protocol::Request;
    use kehu_plugin::services::{HostServices, OutputStream, ServiceError};

    use crate::testing::run_request;
    use crate::{Context, Output, Plugin, PluginError};

    /// A host that takes streamed stdout (or, with `takes` false, does not).
    struct Host {
        takes: bool,
        stdout: RefCell<Vec<u8>>,
    }

    impl HostServices for Host {
        fn book(&self) -> Result<Vec<u8>, ServiceError> {
            Err(ServiceError::new("no book"))
        }

        fn customer_history(&self, _id: &str) -> Result<Vec<u8>, ServiceError> {
            Err(ServiceError::new("no history"))
        }

        fn changes(&self, _: Option<Date>, _: Option<Date>) -> Result<Vec<u8>, ServiceError> {
            Err(ServiceError::new("no history"))
        }

        fn write_output(&self, stream: OutputStream, bytes: &[u8]) -> Option<std::io::Result<()>> {
            assert_eq!(stream, OutputStream::Stdout);
            self.takes.then(|| {
                self.stdout.borrow_mut().extend_from_slice(bytes);
                Ok(())
            })
        }
    }

    /// Streams a report larger than one chunk, then returns a last line.
    #[derive(Default)]
    struct Report;

    const LINES: usize = 50_000;

    impl Plugin for Report {
        fn run(&self, ctx: &mut Context<'_>, _args: &[String]) -> Result<Output, PluginError> {
            let mut out = ctx.stdout();
            for i in 0..LINES {
                writeln!(out, "customer {i} \"quoted\"")
                    .map_err(|e| PluginError::Failed(e.to_string()))?;
            }
            out.flush()
                .map_err(|e| PluginError::Failed(e.to_string()))?;
            Ok(Output::text("done\n"))
        }
    }

    fn expected() -> String {
        let mut text: String = (0..LINES)
            .map(|i| format!("customer {i} \"quoted\"\n"))
            .collect();
        text.push_str("done\n");
        text
    }

    fn run(takes: bool) -> (String, String) {
        let host = Host {
            takes,
            stdout: RefCell::new(Vec::new()),
        };
        let request = Request::new("report", Vec::new(), "2026-11-20".parse().unwrap());
        let response = run_request::<Report>(&host, &request).unwrap();
        assert_eq!(response.exit_code, 0);
        (
            String::from_utf8(host.stdout.into_inner()).unwrap(),
            response.stdout,
        )
    }

    #[test]
    fn a_streaming_host_gets_every_byte_in_order_and_the_response_none() {
        let (streamed, in_response) = run(true);
        assert_eq!(streamed, expected());
        assert_eq!(in_response, "");
    }

    #[test]
    fn a_host_that_does_not_stream_gets_it_all_in_the_response() {
        let (streamed, in_response) = run(false);
        assert_eq!(streamed, "");
        assert_eq!(in_response, expected());
    }
}
