//! Transparent compression chosen by file name.
//!
//! Corpora are routinely shipped as `.jsonl.gz` or `.jsonl.zst`. The rest of
//! the tool should only ever see a `BufRead` of plain bytes on input and a
//! `Write` on output, so the choice of codec is made once, here, from the
//! file's final extension.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;
use flate2::write::GzEncoder;

/// Size of the buffers on both the reading and the writing side.
const BUF_SIZE: usize = 256 * 1024;
/// flate2's default level (the same as `gzip` without options).
const GZIP_LEVEL: u32 = 6;
/// zstd's own default level.
const ZSTD_LEVEL: i32 = 3;

/// The compression of a file, as implied by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// By the path's final extension: ".gz" -> Gzip, ".zst" -> Zstd,
    /// anything else None. The comparison ignores ASCII case, so
    /// "A.JSONL.GZ" is Gzip too.
    pub fn from_path(path: &Path) -> Compression {
        match path.extension().and_then(OsStr::to_str) {
            Some(ext) if ext.eq_ignore_ascii_case("gz") => Compression::Gzip,
            Some(ext) if ext.eq_ignore_ascii_case("zst") => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

/// Opens a buffered reader that decompresses transparently.
///
/// Gzip input may consist of several concatenated members (as produced by
/// `cat a.gz b.gz` or by parallel compressors); all of them are read.
/// Likewise, concatenated zstd frames are all read. Truncated or corrupt
/// input surfaces as an `io::Error` from a read call, never as a silent end
/// of file; so does an empty (zero-byte) `.gz` or `.zst` file, which is not
/// a valid stream.
///
/// Usually `file` is a [`File`]; any reader will do (for instance one that
/// counts the compressed bytes for a progress bar).
pub fn open_reader<R: Read + Send + 'static>(file: R, c: Compression) -> io::Result<Box<dyn BufRead + Send>> {
    let raw = BufReader::with_capacity(BUF_SIZE, file);
    Ok(match c {
        Compression::None => Box::new(raw),
        // The decoders hand out whatever they have decoded so far, often in
        // small pieces; the outer buffer keeps line splitting cheap.
        Compression::Gzip => Box::new(BufReader::with_capacity(BUF_SIZE, MultiGzDecoder::new(raw))),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            BUF_SIZE,
            zstd::stream::read::Decoder::with_buffer(raw)?,
        )),
    })
}

/// A writer that compresses (or not) according to a [`Compression`].
///
/// [`CompressedWriter::finish`] must be called and its result checked: it
/// flushes the buffer and writes the gzip trailer or the end of the zstd
/// frame. Dropping the writer without finishing leaves a truncated file.
pub struct CompressedWriter<W: Write = File> {
    inner: Inner<W>,
}

// The buffer sits in front of the encoder so that the many small writes of
// the caller (typically one per line) reach the codec in large chunks; the
// encoders keep their own output buffers, so `W` is written in large chunks
// too.
enum Inner<W: Write> {
    Plain(BufWriter<W>),
    Gzip(BufWriter<GzEncoder<W>>),
    Zstd(BufWriter<zstd::stream::write::Encoder<'static, W>>),
}

impl<W: Write> CompressedWriter<W> {
    /// Wraps `inner`. Gzip uses level 6, zstd level 3 with a content
    /// checksum (as the `zstd` command line tool writes by default).
    pub fn new(inner: W, c: Compression) -> io::Result<Self> {
        let inner = match c {
            Compression::None => Inner::Plain(BufWriter::with_capacity(BUF_SIZE, inner)),
            Compression::Gzip => Inner::Gzip(BufWriter::with_capacity(
                BUF_SIZE,
                GzEncoder::new(inner, flate2::Compression::new(GZIP_LEVEL)),
            )),
            Compression::Zstd => {
                let mut enc = zstd::stream::write::Encoder::new(inner, ZSTD_LEVEL)?;
                enc.include_checksum(true)?;
                Inner::Zstd(BufWriter::with_capacity(BUF_SIZE, enc))
            }
        };
        Ok(CompressedWriter { inner })
    }

    /// Flushes everything, writes the codec's trailer and returns the
    /// underlying writer (so the caller can sync and rename the file).
    pub fn finish(self) -> io::Result<W> {
        let mut w = match self.inner {
            Inner::Plain(b) => b.into_inner().map_err(io::IntoInnerError::into_error)?,
            Inner::Gzip(b) => b.into_inner().map_err(io::IntoInnerError::into_error)?.finish()?,
            Inner::Zstd(b) => b.into_inner().map_err(io::IntoInnerError::into_error)?.finish()?,
        };
        w.flush()?;
        Ok(w)
    }
}

impl<W: Write> Write for CompressedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Plain(w) => w.write(buf),
            Inner::Gzip(w) => w.write(buf),
            Inner::Zstd(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.inner {
            Inner::Plain(w) => w.write_all(buf),
            Inner::Gzip(w) => w.write_all(buf),
            Inner::Zstd(w) => w.write_all(buf),
        }
    }

    /// Pushes buffered data through the encoder. This does not end the
    /// compressed stream; only [`CompressedWriter::finish`] does.
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Plain(w) => w.flush(),
            Inner::Gzip(w) => w.flush(),
            Inner::Zstd(w) => w.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Seek, SeekFrom};

    /// Text that compresses, but not to nothing: lines with varying numbers.
    fn sample() -> Vec<u8> {
        let mut s = String::new();
        for i in 0..20_000u64 {
            let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
            s.push_str(&format!("{{\"id\":{i},\"text\":\"line {x} é\"}}\n"));
        }
        s.into_bytes()
    }

    fn write_with(c: Compression, data: &[u8]) -> File {
        let file = tempfile::tempfile().unwrap();
        let mut w = CompressedWriter::new(file, c).unwrap();
        // Many small writes, as the caller makes them.
        for chunk in data.chunks(37) {
            w.write_all(chunk).unwrap();
        }
        let mut file = w.finish().unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        file
    }

    fn read_all(file: File, c: Compression) -> io::Result<Vec<u8>> {
        let mut r = open_reader(file, c)?;
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok(out)
    }

    fn file_with(bytes: &[u8]) -> File {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        file
    }

    fn file_bytes(mut file: File) -> Vec<u8> {
        let mut v = Vec::new();
        file.read_to_end(&mut v).unwrap();
        v
    }

    #[test]
    fn round_trip_all() {
        let data = sample();
        for c in [Compression::None, Compression::Gzip, Compression::Zstd] {
            let file = write_with(c, &data);
            assert_eq!(read_all(file, c).unwrap(), data, "{c:?}");
        }
    }

    #[test]
    fn round_trip_lines() {
        let data = sample();
        for c in [Compression::None, Compression::Gzip, Compression::Zstd] {
            let r = open_reader(write_with(c, &data), c).unwrap();
            let lines: Vec<String> = r.lines().collect::<io::Result<_>>().unwrap();
            let expected = String::from_utf8(data.clone()).unwrap();
            let expected: Vec<&str> = expected.lines().collect();
            assert_eq!(lines.len(), 20_000, "{c:?}");
            assert_eq!(lines, expected, "{c:?}");
        }
    }

    #[test]
    fn round_trip_empty() {
        for c in [Compression::None, Compression::Gzip, Compression::Zstd] {
            let file = write_with(c, b"");
            assert_eq!(read_all(file, c).unwrap(), b"", "{c:?}");
        }
    }

    #[test]
    fn output_is_really_compressed() {
        let data = sample();
        let gz = file_bytes(write_with(Compression::Gzip, &data));
        assert_eq!(&gz[..2], &[0x1f, 0x8b]);
        assert!(gz.len() < data.len() / 2);
        let zst = file_bytes(write_with(Compression::Zstd, &data));
        assert_eq!(&zst[..4], &[0x28, 0xb5, 0x2f, 0xfd]);
        assert!(zst.len() < data.len() / 2);
        let plain = file_bytes(write_with(Compression::None, &data));
        assert_eq!(plain, data);
    }

    #[test]
    fn generic_writer() {
        let mut w = CompressedWriter::new(Vec::new(), Compression::Gzip).unwrap();
        w.write_all(b"hello\n").unwrap();
        let bytes = w.finish().unwrap();
        let mut out = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "hello\n");
    }

    #[test]
    fn empty_compressed_file_is_an_error() {
        assert!(read_all(file_with(b""), Compression::Gzip).is_err());
        assert!(read_all(file_with(b""), Compression::Zstd).is_err());
        assert_eq!(read_all(file_with(b""), Compression::None).unwrap(), b"");
    }

    #[test]
    fn any_reader() {
        let gz = file_bytes(write_with(Compression::Gzip, b"in memory\n"));
        let mut r = open_reader(io::Cursor::new(gz), Compression::Gzip).unwrap();
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        assert_eq!(line, "in memory\n");
    }

    #[test]
    fn multi_member_gzip() {
        let mut bytes = file_bytes(write_with(Compression::Gzip, b"first\nmember\n"));
        bytes.extend(file_bytes(write_with(Compression::Gzip, b"second member\n")));
        let out = read_all(file_with(&bytes), Compression::Gzip).unwrap();
        assert_eq!(out, b"first\nmember\nsecond member\n");
    }

    #[test]
    fn multi_frame_zstd() {
        let mut bytes = file_bytes(write_with(Compression::Zstd, b"one\n"));
        bytes.extend(file_bytes(write_with(Compression::Zstd, b"two\n")));
        let out = read_all(file_with(&bytes), Compression::Zstd).unwrap();
        assert_eq!(out, b"one\ntwo\n");
    }

    /// Cut points: inside the compressed data, and inside the trailer.
    fn cuts(len: usize) -> [usize; 4] {
        [len / 2, len - 8, len - 3, len - 1]
    }

    #[test]
    fn truncated_gzip_is_an_error() {
        let bytes = file_bytes(write_with(Compression::Gzip, &sample()));
        for cut in cuts(bytes.len()) {
            let res = read_all(file_with(&bytes[..cut]), Compression::Gzip);
            assert!(res.is_err(), "cut at {cut} of {} read fine", bytes.len());
        }
    }

    #[test]
    fn truncated_zstd_is_an_error() {
        let bytes = file_bytes(write_with(Compression::Zstd, &sample()));
        for cut in cuts(bytes.len()) {
            let res = read_all(file_with(&bytes[..cut]), Compression::Zstd);
            assert!(res.is_err(), "cut at {cut} of {} read fine", bytes.len());
        }
    }

    #[test]
    fn corrupt_input_is_an_error() {
        let mut gz = file_bytes(write_with(Compression::Gzip, &sample()));
        let mid = gz.len() / 2;
        gz[mid] ^= 0xff;
        assert!(read_all(file_with(&gz), Compression::Gzip).is_err());
        let mut zst = file_bytes(write_with(Compression::Zstd, &sample()));
        let mid = zst.len() / 2;
        zst[mid] ^= 0xff;
        assert!(read_all(file_with(&zst), Compression::Zstd).is_err());
        // Not compressed at all.
        let plain = b"{\"text\":\"plain\"}\n";
        assert!(read_all(file_with(plain), Compression::Gzip).is_err());
        assert!(read_all(file_with(plain), Compression::Zstd).is_err());
    }

    #[test]
    fn from_path_cases() {
        let c = |p: &str| Compression::from_path(Path::new(p));
        assert_eq!(c("a.jsonl.gz"), Compression::Gzip);
        assert_eq!(c("a.jsonl.zst"), Compression::Zstd);
        assert_eq!(c("a.jsonl"), Compression::None);
        assert_eq!(c("a.gz.txt"), Compression::None);
        assert_eq!(c("dir.gz/a.jsonl"), Compression::None);
        assert_eq!(c("/data/A.JSONL.GZ"), Compression::Gzip);
        assert_eq!(c("a.zstd"), Compression::None);
        assert_eq!(c("gz"), Compression::None);
        assert_eq!(c(""), Compression::None);
    }

    #[test]
    fn serializes_lowercase() {
        assert_eq!(serde_json::to_string(&Compression::Gzip).unwrap(), "\"gzip\"");
        assert_eq!(serde_json::to_string(&Compression::Zstd).unwrap(), "\"zstd\"");
        assert_eq!(serde_json::to_string(&Compression::None).unwrap(), "\"none\"");
    }
}
