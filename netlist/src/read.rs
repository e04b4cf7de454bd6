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
    let bytes = read_bytes(path)?;
    if format == Format::Aiger {
        // Binary AIGER is not text: parse the bytes as they are.
        let netlist = crate::aiger::parse_aiger_netlist(&bytes, &file)?;
        return Ok(check_not_empty(netlist, 0, "", &file)?);
    }
    let text = decode_text(bytes, &file)?;
    Ok(parse_netlist(&text, &file, format, options)?)
}
