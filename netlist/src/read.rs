//! Reading netlist files: format detection, decompression, text decoding.

use std::path::Path;

use crate::error::{NetlistError, ParseError, SourcePos};
use crate::liberty::Library;
use crate::netlist::Netlist;
use crate::verilog::{parse_verilog, VerilogOptions};

/// A netlist file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Format {
    /// ISCAS `.bench`.
    Bench,
    /// Structural Verilog.
    Verilog,
    /// AIGER and-inverter graph, binary (`.aig`) or ASCII (`.aag`).
    Aiger,
}

impl Format {
    /// The format implied by a file name (`.bench`, `.v`, `.vg`, `.sv`, `.verilog`, `.aig`, `.aag`,
    /// each optionally followed by `.gz`).
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let extension = name.rsplit_once('.')?.1;
        match extension {
            "bench" => Some(Format::Bench),
            "v" | "vg" | "sv" | "verilog" => Some(Format::Verilog),
            "aig" | "aag" => Some(Format::Aiger),
            _ => None,
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "bench" => Ok(Format::Bench),
            "verilog" | "v" => Ok(Format::Verilog),
            "aiger" | "aig" | "aag" => Ok(Format::Aiger),
            other => Err(format!("unknown format `{other}`: expected bench, verilog or aiger")),
        }
    }
}

/// How to read a netlist file.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions<'a> {
    /// The format; by default chosen from the file extension.
    pub format: Option<Format>,
    /// The top module of a Verilog file.
    pub top: Option<&'a str>,
    /// Standard cells for Verilog netlists.
    pub library: Option<&'a Library>,
}

/// Reads a whole file, transparently gunzipping it when it starts with the gzip magic bytes.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, NetlistError> {
    use std::io::Read;
    let io = |source| NetlistError::Io { path: path.display().to_string(), source };
    let raw = std::fs::read(path).map_err(io)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut text = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut text).map_err(io)?;
        Ok(text)
    } else {
        Ok(raw)
    }
}

/// Decodes file contents as UTF-8, reporting where the first invalid byte is.
pub fn decode_text(bytes: Vec<u8>, file: &str) -> Result<String, ParseError> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let text = String::from_utf8_lossy(&bytes[..valid]);
        ParseError::at(
            file,
            SourcePos::of_offset(&text, valid),
            format!("not a text file: invalid UTF-8 at byte {valid}"),
        )
    })
}

/// Parses netlist text in the given format. Rejects input that defines nothing.
pub fn parse_netlist(
    text: &str,
    file: &str,
    format: Format,
    options: &ReadOptions<'_>,
) -> Result<Netlist, ParseError> {
    let netlist = match format {
        Format::Bench => crate::bench::parse_bench(text, file)?,
        Format::Verilog => parse_verilog(
            text,
            file,
            &VerilogOptions { top: options.top, library: options.library },
        )?,
        Format::Aiger => crate::aiger::parse_aiger_netlist(text.as_bytes(), file)?,
    };
    check_not_empty(netlist, text.len(), text, file)
}

/// Rejects a netlist that defines nothing (the error points at the end of the input).
fn check_not_empty(
    netlist: Netlist,
    end: usize,
    text: &str,
    file: &str,
) -> Result<Netlist, ParseError> {
    if netlist.cells().next().is_none() {
        return Err(ParseError::at(
            file,
            SourcePos::of_offset(text, end),
            "the netlist is empty: expected at least one port, gate or flip-flop",
        ));
    }
    Ok(netlist)
}

/// Reads a netlist file (`.bench`, Verilog or AIGER, optionally gzipped).
pub fn read_netlist(path: &Path, options: &ReadOptions<'_>) -> Result<Netlist, NetlistError> {
    let file = path.display().to_string();
    let format = match options.format.or_else(|| Format::from_path(path)) {
        Some(f) => f,
        None => {
            return Err(NetlistError::Invalid(format!(
                "{file}: cannot tell the format from the file name; pass --format bench or --format verilog"
            )))
        }
    };
    if format == Format::Bench {
        let netlist = read_bench_file(path, &file)?;
        return Ok(netlist);
    }
    let bytes = read_bytes(path)?;
    if format == Format::Aiger {
        // Binary AIGER is not text: parse the bytes as they are.
        let netlist = crate::aiger::parse_aiger_netlist(&bytes, &file)?;
        return Ok(check_not_empty(netlist, 0, "", &file)?);
    }
    let text = decode_text(bytes, &file)?;
    Ok(parse_netlist(&text, &file, format, options)?)
}

/// Bytes of a `.bench` file parsed at a time by [`read_bench_file`].
const BENCH_CHUNK: usize = 16 << 20;

/// Reads a `.bench` file (optionally gzipped) in pieces of whole lines, so that the text is never
/// held at once next to the growing netlist: at 10 million gates the file is 430 MB. Errors are
/// exactly those of decoding the whole file and then [`crate::bench::parse_bench`]: an invalid
/// UTF-8 byte anywhere in the file is reported in preference to a syntax error.
fn read_bench_file(path: &Path, file: &str) -> Result<Netlist, NetlistError> {
    read_bench_chunks(path, file, BENCH_CHUNK)
}

/// [`read_bench_file`] with `chunk` bytes at a time (small in tests, to cross many boundaries).
fn read_bench_chunks(path: &Path, file: &str, chunk: usize) -> Result<Netlist, NetlistError> {
    use std::io::{BufRead, BufReader, Read};
    let io = |source| NetlistError::Io { path: path.display().to_string(), source };
    let handle = std::fs::File::open(path).map_err(io)?;
    let size = handle.metadata().map(|m| m.len() as usize).unwrap_or(0);
    let mut buffered = BufReader::with_capacity(1 << 16, handle);
    let gzipped = buffered.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    let mut input: Box<dyn Read> = if gzipped {
        Box::new(flate2::read::MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    let mut reader = crate::bench::BenchReader::new(file);
    if !gzipped {
        // Generated and real `.bench` files run about 40 bytes and three connections a line.
        reader.reserve(size / 36, size / 10);
    }
    let mut buffer: Vec<u8> = Vec::with_capacity(chunk + (1 << 16));
    // Bytes and newlines before `buffer[0]`, for the position of an invalid byte.
    let (mut offset, mut lines_before) = (0usize, 0usize);
    let mut syntax_error: Option<ParseError> = None;
    loop {
        // A line longer than the chunk doubles the buffer rather than creeping up on it.
        let wanted = chunk.saturating_sub(buffer.len()).max(buffer.len()).max(1);
        let before = buffer.len();
        let read = input.by_ref().take(wanted as u64).read_to_end(&mut buffer).map_err(io)?;
        let at_end = read == 0;
        // Parse up to the last newline (the newline itself stays for the next round, where it
        // ends the last line read), or everything at the end of the file.
        let cut = if at_end {
            buffer.len()
        } else {
            // What was there before holds no newline: it is the start of an unfinished line.
            match buffer[before..].iter().rposition(|&b| b == b'\n') {
                Some(p) => before + p,
                None => continue, // a line longer than the buffer: read more
            }
        };
        let text = match std::str::from_utf8(&buffer[..cut]) {
            Ok(text) => text,
            Err(e) => {
                let valid = e.valid_up_to();
                let text = std::str::from_utf8(&buffer[..valid]).unwrap_or_default();
                let mut pos = SourcePos::of_offset(text, valid);
                pos.line = pos.line.saturating_add(lines_before as u32);
                return Err(ParseError::at(
                    file,
                    pos,
                    format!("not a text file: invalid UTF-8 at byte {}", offset + valid),
                )
                .into());
            }
        };
        if syntax_error.is_none() {
            if let Err(e) = reader.lines(text) {
                // Keep reading: an invalid byte later in the file takes precedence, as it does
                // when the whole file is decoded first.
                syntax_error = Some(e);
            }
        }
        if at_end {
            if let Some(e) = syntax_error {
                return Err(e.into());
            }
            let netlist = reader.finish();
            if netlist.cells().next().is_none() {
                let mut pos = SourcePos::of_offset(text, text.len());
                pos.line = pos.line.saturating_add(lines_before as u32);
                return Err(ParseError::at(
                    file,
                    pos,
                    "the netlist is empty: expected at least one port, gate or flip-flop",
                )
                .into());
            }
            return Ok(netlist);
        }
        lines_before += text.bytes().filter(|&b| b == b'\n').count() + 1;
        offset += cut + 1;
        buffer.drain(..=cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What reading gives, as comparable text: the netlist written back with its warnings, or
    /// the error.
    fn outcome(result: Result<Netlist, NetlistError>) -> String {
        match result {
            Ok(netlist) => {
                let warnings: Vec<String> =
                    netlist.diagnostics().iter().map(|d| d.to_string()).collect();
                format!(
                    "{}\n{}\n{}",
                    netlist.name(),
                    crate::bench::write_bench(&netlist).expect("plain names"),
                    warnings.join("\n")
                )
            }
            Err(e) => e.to_string(),
        }
    }

    /// The old way: the whole file decoded, then parsed.
    fn whole(bytes: &[u8], file: &str) -> Result<Netlist, NetlistError> {
        let text = decode_text(bytes.to_vec(), file)?;
        Ok(parse_netlist(&text, file, Format::Bench, &ReadOptions::default())?)
    }

    #[test]
    fn reading_bench_in_pieces_equals_parsing_the_whole_text() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cases: &[&[u8]] = &[
            b"INPUT(a)\nINPUT(b)\nOUTPUT(y)\ny = NAND(a, q)\nq = DFF(y)\n",
            b"INPUT(a)\r\nOUTPUT(y)\r\n# comment\r\n\r\ny = NOT(a)",
            b"INPUT(a)\nOUTPUT(y)\nOUTPUT(y)\ny = BUFF(a)\n\n\n",
            b"INPUT(a)\nOUTPUT(y)\ny = FOO(a)\n",
            b"INPUT(a)\nINPUT(a)\n",
            b"INPUT(\xc3\xa9t\xc3\xa9)\nOUTPUT(y)\ny = AND(\xc3\xa9t\xc3\xa9 ,, a)\n",
            // A syntax error on line 2, an invalid byte on line 4: the byte wins.
            b"INPUT(a)\ny = = NOT(a)\n# fine\n# \xff\n",
            b"INPUT(a)\n# \xc3",
            b"",
            b"\n\n# only comments\n",
        ];
        for (k, bytes) in cases.iter().enumerate() {
            let path = dir.path().join(format!("case{k}.bench"));
            std::fs::write(&path, bytes).expect("write");
            let file = path.display().to_string();
            let expected = outcome(whole(bytes, &file));
            for chunk in [1, 2, 3, 5, 8, 13, 64, BENCH_CHUNK] {
                let got = outcome(read_bench_chunks(&path, &file, chunk));
                assert_eq!(got, expected, "case {k}, chunks of {chunk}");
            }
            assert_eq!(outcome(read_netlist(&path, &ReadOptions::default())), expected);
        }
    }

    #[test]
    fn gzipped_bench_is_read_in_pieces() {
        use std::io::Write;
        let dir = tempfile::tempdir().expect("temp dir");
        let text = b"INPUT(a)\nINPUT(b)\nOUTPUT(y)\ny = XOR(a, b)\n";
        let path = dir.path().join("x.bench.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text).expect("compress");
        std::fs::write(&path, gz.finish().expect("compress")).expect("write");
        let file = path.display().to_string();
        assert_eq!(outcome(read_bench_chunks(&path, &file, 4)), outcome(whole(text, &file)));
    }
}
