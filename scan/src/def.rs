//! Reading cell positions from DEF: `UNITS DISTANCE MICRONS` and the `COMPONENTS` section.
//!
//! Only what scan ordering needs is read: each component's name and the origin of its `PLACED`,
//! `FIXED` or `COVER` location (`- name model + PLACED ( x y ) orient ;`). Unplaced components
//! are left out. Every other section (`PINS`, `NETS`, rows, ...) is skipped, so the positions of
//! ports are not known; scan ports are new anyway. DEF escapes (`\[`) are removed from names so
//! they match the netlist's flattened instance names. Files may be gzip-compressed.

use std::io::Read;
use std::path::Path;

use netlist::{ParseError, SourcePos};
use rustc_hash::FxHashMap;

use crate::error::ScanError;
use crate::order::tour::Point;

/// Component origins of a placed design, in database units.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Placement {
    units_per_micron: f64,
    positions: FxHashMap<String, Point>,
}

impl Placement {
    /// An empty placement with `units_per_micron` database units per micron.
    pub fn new(units_per_micron: f64) -> Placement {
        Placement { units_per_micron, positions: FxHashMap::default() }
    }

    /// Records the origin of the component `name`, in database units.
    pub fn insert(&mut self, name: impl Into<String>, position: (i64, i64)) {
        self.positions.insert(name.into(), position);
    }

    /// The origin of the component `name`, in database units.
    pub fn position(&self, name: &str) -> Option<(i64, i64)> {
        self.positions.get(name).copied()
    }

    /// Database units per micron (`UNITS DISTANCE MICRONS`).
    pub fn units_per_micron(&self) -> f64 {
        self.units_per_micron
    }

    /// Number of placed components.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// Whether no component is placed.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }
}

/// Reads a DEF file (plain or gzip-compressed).
pub fn read_def(path: &Path) -> Result<Placement, ScanError> {
    let file = path.display().to_string();
    let io = |source| ScanError::Io { path: file.clone(), source };
    let bytes = std::fs::read(path).map_err(io)?;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_end(&mut out).map_err(io)?;
        out
    } else {
        bytes
    };
    let text = String::from_utf8(bytes)
        .map_err(|e| ParseError::at(&file, SourcePos::default(), format!("not UTF-8 text: {e}")))?;
    Ok(parse_def(&text, &file)?)
}

/// A token and where it starts.
struct Token<'a> {
    text: &'a str,
    pos: SourcePos,
}

fn tokens(text: &str) -> impl Iterator<Item = Token<'_>> {
    text.lines().enumerate().flat_map(|(l, line)| {
        // `#` starts a comment to the end of the line.
        let line = line.split('#').next().unwrap_or("");
        let base = line.as_ptr() as usize;
        line.split_whitespace().map(move |t| Token {
            text: t,
            pos: SourcePos { line: l as u32 + 1, column: (t.as_ptr() as usize - base) as u32 + 1 },
        })
    })
}

/// Parses DEF text; `file` names it in error messages.
pub fn parse_def(text: &str, file: &str) -> Result<Placement, ParseError> {
    let mut tokens = tokens(text).peekable();
    let mut units: Option<f64> = None;
    let mut positions = FxHashMap::default();
    let end_pos = SourcePos { line: text.lines().count() as u32, column: 1 };
    let error = |pos: SourcePos, message: String| ParseError::at(file, pos, message);
    while let Some(token) = tokens.next() {
        match token.text {
            "UNITS" => {
                let words: Vec<Token<'_>> = tokens.by_ref().take(3).collect();
                let ok =
                    words.len() == 3 && words[0].text == "DISTANCE" && words[1].text == "MICRONS";
                let value = words.get(2).and_then(|w| w.text.parse::<f64>().ok());
                match value {
                    Some(v) if ok && v > 0.0 => units = Some(v),
                    _ => {
                        return Err(error(
                            token.pos,
                            "expected `UNITS DISTANCE MICRONS <positive number> ;`".to_string(),
                        ))
                    }
                }
            }
            "COMPONENTS" => {
                // The count, then `;`.
                tokens.next();
                loop {
                    let Some(t) = tokens.next() else {
                        return Err(error(end_pos, "COMPONENTS section has no END".to_string()));
                    };
                    match t.text {
                        "END" => {
                            // `END COMPONENTS`.
                            tokens.next();
                            break;
                        }
                        ";" => continue,
                        "-" => {}
                        other => {
                            return Err(error(
                                t.pos,
                                format!("expected `-` to start a component, found `{other}`"),
                            ))
                        }
                    }
                    let Some(name) = tokens.next() else {
                        return Err(error(t.pos, "component without a name".to_string()));
                    };
                    let name_text = name.text.replace('\\', "");
                    let mut placed: Option<Point> = None;
                    while let Some(word) = tokens.next() {
                        match word.text {
                            ";" => break,
                            "PLACED" | "FIXED" | "COVER" => {
                                let parts: Vec<Token<'_>> = tokens.by_ref().take(4).collect();
                                let coordinate = |i: usize| {
                                    parts.get(i).and_then(|p| p.text.parse::<f64>().ok())
                                };
                                match (
                                    parts.first().map(|p| p.text),
                                    coordinate(1),
                                    coordinate(2),
                                    parts.get(3).map(|p| p.text),
                                ) {
                                    (Some("("), Some(x), Some(y), Some(")")) => {
                                        placed = Some((x.round() as i64, y.round() as i64));
                                    }
                                    _ => {
                                        return Err(error(
                                            word.pos,
                                            format!(
                                                "component `{name_text}`: expected `{} ( x y )`",
                                                word.text
                                            ),
                                        ))
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    if let Some(p) = placed {
                        positions.insert(name_text, p);
                    }
                }
            }
            _ => {}
        }
    }
    let Some(units) = units else {
        return Err(error(
            SourcePos { line: 1, column: 1 },
            "no `UNITS DISTANCE MICRONS` statement".to_string(),
        ));
    };
    Ok(Placement { units_per_micron: units, positions })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEF: &str = "VERSION 5.8 ;
DESIGN top ;
UNITS DISTANCE MICRONS 1000 ;
COMPONENTS 3 ;
    - a/ff1 DFF_X1 + PLACED ( 100 200 ) N ;
    - \\b[0] DFF_X1 + SOURCE DIST + FIXED ( 300 400 ) FS ;
    - c BUF_X1 ;
END COMPONENTS
PINS 1 ;
    - clk + NET clk + PLACED ( 0 0 ) N ;
END PINS
END DESIGN
";

    #[test]
    fn reads_units_and_placed_components() {
        let placement = parse_def(DEF, "t.def").expect("valid");
        assert_eq!(placement.units_per_micron(), 1000.0);
        assert_eq!(placement.position("a/ff1"), Some((100, 200)));
        assert_eq!(placement.position("b[0]"), Some((300, 400)));
        assert_eq!(placement.position("c"), None, "unplaced components have no position");
        assert_eq!(placement.len(), 2);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let text = DEF.replace("( 100 200 )", "( 100 )");
        let error = parse_def(&text, "t.def").expect_err("bad coordinates");
        assert_eq!((error.file.as_str(), error.pos.line, error.pos.column), ("t.def", 5, 22));
        let error = parse_def("COMPONENTS 1 ;\n - a X ;\n", "t.def").expect_err("no END");
        assert!(error.message.contains("no END"), "{error}");
        let error = parse_def("COMPONENTS 0 ;\nEND COMPONENTS\n", "t.def").expect_err("no units");
        assert!(error.message.contains("UNITS"), "{error}");
    }
}
