//! HTTP content codings, decoded as the body arrives, as browsers decode them: gzip (several
//! members too), `deflate` as zlib or as the raw deflate some servers send, brotli, and stacks
//! of them (`Content-Encoding: gzip, gzip`). Every stage's output is capped, so a compression
//! bomb stops at the cap after at most one chunk's worth of work.

use std::io::{self, Write};

/// More codings than this on one response is an attack, not a configuration.
const MAX_CODINGS: usize = 4;

#[derive(Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The decoded body would pass the cap.
    TooLarge,
    /// The compressed data is broken.
    Invalid,
    /// A coding newsroom does not know (named, cleaned and cut short).
    Unsupported(String),
}

/// The body's decoder: the codings of `Content-Encoding`, undone last first.
pub struct Decoder {
    /// In the order they are undone: the last coding applied first.
    stages: Vec<Stage>,
    out: Vec<u8>,
    max: usize,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("stages", &self.stages.len())
            .finish_non_exhaustive()
    }
}

/// A sink that refuses to grow past its cap.
struct Capped {
    buf: Vec<u8>,
    max: usize,
    over: bool,
}

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.len() + data.len() > self.max {
            self.over = true;
            return Err(io::Error::other("over the cap"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

enum Stage {
    Gzip(flate2::write::MultiGzDecoder<Capped>),
    /// `deflate` before its first two bytes tell zlib from raw deflate.
    Sniff(Vec<u8>, usize),
    Zlib(flate2::write::ZlibDecoder<Capped>),
    Raw(flate2::write::DeflateDecoder<Capped>),
    Brotli(Box<brotli_decompressor::DecompressorWriter<Capped>>),
}

fn capped(max: usize) -> Capped {
    Capped {
        buf: Vec::new(),
        max,
        over: false,
    }
}

/// Whether two bytes open a zlib stream (RFC 1950: method 8, window ≤ 32K, check bits).
fn is_zlib(b0: u8, b1: u8) -> bool {
    b0 & 0x0f == 8 && b0 >> 4 <= 7 && (u16::from(b0) << 8 | u16::from(b1)) % 31 == 0
}

impl Stage {
    fn sink(&mut self) -> Option<&mut Capped> {
        match self {
            Stage::Gzip(d) => Some(d.get_mut()),
            Stage::Zlib(d) => Some(d.get_mut()),
            Stage::Raw(d) => Some(d.get_mut()),
            Stage::Brotli(d) => Some(d.get_mut()),
            Stage::Sniff(..) => None,
        }
    }

    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if let Stage::Sniff(seen, max) = self {
            seen.extend_from_slice(data);
            if seen.len() < 2 {
                return Ok(());
            }
            let pending = std::mem::take(seen);
            let max = *max;
            *self = if is_zlib(pending[0], pending[1]) {
                Stage::Zlib(flate2::write::ZlibDecoder::new(capped(max)))
            } else {
                Stage::Raw(flate2::write::DeflateDecoder::new(capped(max)))
            };
            return self.write(&pending);
        }
        match self {
            Stage::Gzip(d) => d.write_all(data),
            Stage::Zlib(d) => d.write_all(data),
            Stage::Raw(d) => d.write_all(data),
            Stage::Brotli(d) => d.write_all(data),
            Stage::Sniff(..) => Ok(()),
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        match self {
            Stage::Gzip(d) => d.try_finish(),
            Stage::Zlib(d) => d.try_finish(),
            Stage::Raw(d) => d.try_finish(),
            Stage::Brotli(d) => d.close(),
            // One byte of deflate is no stream.
            Stage::Sniff(seen, _) if seen.is_empty() => Ok(()),
            Stage::Sniff(..) => Err(io::Error::other("truncated")),
        }
    }

    fn over(&mut self) -> bool {
        self.sink().is_some_and(|s| s.over)
    }
}

impl Decoder {
    /// A decoder for a `Content-Encoding` header's values (each may list several codings),
    /// whose output stops at `max` bytes.
    pub fn new<'a>(
        headers: impl IntoIterator<Item = &'a str>,
        max: usize,
    ) -> Result<Self, DecodeError> {
        let mut codings = Vec::new();
        for value in headers {
            for coding in value.split(',') {
                let coding = coding.trim().to_ascii_lowercase();
                let stage = match coding.as_str() {
                    "" | "identity" => continue,
                    "gzip" | "x-gzip" => {
                        Stage::Gzip(flate2::write::MultiGzDecoder::new(capped(max)))
                    }
                    "deflate" => Stage::Sniff(Vec::new(), max),
                    "br" => Stage::Brotli(Box::new(brotli_decompressor::DecompressorWriter::new(
                        capped(max),
                        8192,
                    ))),
                    other => {
                        let mut name = crate::feed::sanitize::clean_line(other);
                        name.truncate(name.char_indices().nth(20).map_or(name.len(), |(i, _)| i));
                        return Err(DecodeError::Unsupported(name));
                    }
                };
                codings.push(stage);
                if codings.len() > MAX_CODINGS {
                    return Err(DecodeError::Unsupported("too many codings".into()));
                }
            }
        }
        codings.reverse();
        Ok(Self {
            stages: codings,
            out: Vec::new(),
            max,
        })
    }

    /// With no coding at all, `reserve` bytes are set aside up front.
    pub(crate) fn reserve(&mut self, reserve: usize) {
        if self.stages.is_empty() {
            self.out.reserve(reserve.min(self.max));
        }
    }

    /// Bytes decoded so far.
    #[must_use]
    pub(crate) fn decoded_len(&self) -> usize {
        self.out.len()
    }

    /// Feeds the next piece of the body as it came off the wire.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), DecodeError> {
        self.feed(0, chunk, false)
    }

    /// The decoded body, once the last piece was pushed.
    pub fn finish(mut self) -> Result<Vec<u8>, DecodeError> {
        self.feed(0, &[], true)?;
        Ok(self.out)
    }

    /// Writes `data` into stage `i` (finishing it too when `last`), then moves its output on.
    fn feed(&mut self, i: usize, data: &[u8], last: bool) -> Result<(), DecodeError> {
        let Some(stage) = self.stages.get_mut(i) else {
            if self.out.len() + data.len() > self.max {
                return Err(DecodeError::TooLarge);
            }
            self.out.extend_from_slice(data);
            return Ok(());
        };
        let mut result = stage.write(data);
        if result.is_ok() && last {
            result = stage.finish();
        }
        if result.is_err() {
            return Err(if stage.over() {
                DecodeError::TooLarge
            } else {
                DecodeError::Invalid
            });
        }
        let produced = stage.sink().map(|s| std::mem::take(&mut s.buf));
        self.feed(i + 1, &produced.unwrap_or_default(), last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).expect("in memory");
        e.finish().expect("in memory")
    }

    fn decode(headers: &[&str], body: &[u8], max: usize) -> Result<Vec<u8>, DecodeError> {
        let mut d = Decoder::new(headers.iter().copied(), max)?;
        for piece in body.chunks(7) {
            d.push(piece)?;
        }
        d.finish()
    }

    #[test]
    fn every_coding_and_stacks_of_them() {
        let text = b"<rss><channel><title>coded</title></channel></rss>".repeat(20);
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
        zlib.write_all(&text).expect("in memory");
        let zlib = zlib.finish().expect("in memory");
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
        raw.write_all(&text).expect("in memory");
        let raw = raw.finish().expect("in memory");
        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
            w.write_all(&text).expect("in memory");
        }
        let max = 1 << 20;
        assert_eq!(
            decode(&["gzip"], &gzip(&text), max).as_deref(),
            Ok(&text[..])
        );
        assert_eq!(decode(&["deflate"], &zlib, max).as_deref(), Ok(&text[..]));
        assert_eq!(decode(&["deflate"], &raw, max).as_deref(), Ok(&text[..]));
        assert_eq!(decode(&["br"], &br, max).as_deref(), Ok(&text[..]));
        assert_eq!(
            decode(&["gzip, gzip"], &gzip(&gzip(&text)), max).as_deref(),
            Ok(&text[..])
        );
        assert_eq!(
            decode(&["deflate", "GZIP"], &gzip(&raw), max).as_deref(),
            Ok(&text[..])
        );
        assert_eq!(decode(&["identity"], &text, max).as_deref(), Ok(&text[..]));
    }

    #[test]
    fn bombs_broken_data_and_unknown_codings() {
        let bomb = gzip(&vec![0u8; 4 << 20]);
        assert_eq!(
            decode(&["gzip"], &bomb, 1 << 20),
            Err(DecodeError::TooLarge)
        );
        assert_eq!(
            decode(&["gzip, gzip"], &gzip(&bomb), 1 << 20),
            Err(DecodeError::TooLarge)
        );
        assert_eq!(
            decode(&["gzip"], b"not gzip at all", 1 << 20),
            Err(DecodeError::Invalid)
        );
        let cut = gzip(b"hello world");
        assert_eq!(
            decode(&["gzip"], &cut[..cut.len() - 4], 1 << 20),
            Err(DecodeError::Invalid)
        );
        assert!(matches!(
            decode(&["zstd\u{1b}"], b"", 10),
            Err(DecodeError::Unsupported(n)) if n == "zstd"
        ));
        assert!(Decoder::new(["gzip, gzip, gzip, gzip, gzip"], 10).is_err());
    }
}
