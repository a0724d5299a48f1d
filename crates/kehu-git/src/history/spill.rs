//! The lines the index builder writes for a batch of commits: in memory
//! while small, in an anonymous temporary file past [`SPILL`] bytes, so a
//! commit that changed the whole book (a first import of 100,000
//! customers) costs disk, not memory.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};

/// Bytes held in memory before they go to disk.
const SPILL: usize = 8 << 20;

/// Index lines, appended in order and copied out once.
#[derive(Default)]
pub(crate) struct Lines {
    buf: Vec<u8>,
    file: Option<File>,
}

impl Lines {
    /// Where the next bytes go; call [`Lines::settle`] after appending.
    pub(crate) fn buf(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Moves the bytes to disk once they are many.
    pub(crate) fn settle(&mut self) -> io::Result<()> {
        if self.buf.len() < SPILL {
            return Ok(());
        }
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(tempfile::tempfile()?),
        };
        file.write_all(&self.buf)?;
        self.buf.clear();
        self.buf.shrink_to(SPILL);
        Ok(())
    }

    /// Writes every line to `out`, in order.
    pub(crate) fn copy_to(self, out: &mut dyn Write) -> io::Result<()> {
        if let Some(mut file) = self.file {
            file.seek(SeekFrom::Start(0))?;
            io::copy(&mut file, out)?;
        }
        out.write_all(&self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_back_in_order_from_memory_and_disk() {
        let mut lines = Lines::default();
        let mut expected = Vec::new();
        for i in 0..300_000u32 {
            let text = format!("{i}\t{}\n", "x".repeat((i % 90) as usize));
            lines.buf().extend_from_slice(text.as_bytes());
            lines.settle().unwrap();
            expected.extend_from_slice(text.as_bytes());
        }
        assert!(lines.file.is_some() && lines.buf.len() < SPILL);
        let mut out = Vec::new();
        lines.copy_to(&mut out).unwrap();
        assert!(out == expected);
    }
}
