//! Scan chains: which flip-flops are stitched into which chain, in which order, through which
//! ports.
//!
//! A [`ScanChains`] is what scan insertion produces and what pattern writers (STIL) need to turn
//! the full-scan view of [`Circuit`] (every flip-flop a pseudo input and a pseudo output) into
//! shift operations. It is stored as a JSON chain file:
//!
//! ```json
//! {
//!   "chains": [
//!     {
//!       "name": "chain1",
//!       "scan_in": "scan_in_1",
//!       "scan_out": "scan_out_1",
//!       "scan_enable": "scan_enable",
//!       "clock": "CK",
//!       "cells": ["ff_a", "ff_b", "ff_c"]
//!     }
//!   ]
//! }
//! ```
//!
//! `cells` are flip-flop instance names ([`ScanCell::name`]) listed from scan-in to scan-out:
//! `cells[0]` is loaded from the scan-in port, the last cell drives the scan-out port. `clock` may
//! be `null` (or left out) when the netlist does not name one. Unknown keys are rejected, so a
//! misspelt key is an error rather than silently ignored.
//!
//! A chain file describes a circuit only if [`ScanChains::validate`] accepts it: every cell named
//! exists, none is in two chains (or twice in one), and every flip-flop is in some chain. Without a
//! chain file, [`ScanChains::one_chain`] is the default: all flip-flops in one chain in netlist
//! order.

use std::path::Path;

use rustc_hash::FxHashMap;

use crate::circuit::{Circuit, ScanCell};
use crate::error::{NetlistError, ParseError, SourcePos};

/// One scan chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanChain {
    /// The chain's name (unique among the chains).
    pub name: String,
    /// The input port the chain shifts in from.
    pub scan_in: String,
    /// The output port the chain shifts out to.
    pub scan_out: String,
    /// The port that selects shifting (1) over capturing (0).
    pub scan_enable: String,
    /// The clock port that shifts the chain, when known.
    #[serde(default)]
    pub clock: Option<String>,
    /// Flip-flop instance names ([`ScanCell::name`]) from scan-in to scan-out.
    pub cells: Vec<String>,
}

/// The scan chains of a design.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanChains {
    /// The chains, in the order their ports are numbered.
    pub chains: Vec<ScanChain>,
}

/// Why a [`ScanChains`] does not describe a circuit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// A chain names a cell that is not a flip-flop of the circuit.
    #[error("scan chain `{chain}`: `{cell}` is not a flip-flop of the netlist")]
    UnknownCell {
        /// The chain.
        chain: String,
        /// The name that matched no flip-flop.
        cell: String,
    },
    /// The circuit has two flip-flops of this name, so the chain cannot say which it means.
    #[error("scan chain `{chain}`: the netlist has more than one flip-flop named `{cell}`")]
    AmbiguousCell {
        /// The chain.
        chain: String,
        /// The name shared by several flip-flops.
        cell: String,
    },
    /// A cell is listed twice (in two chains, or twice in one).
    #[error(
        "flip-flop `{cell}` is listed in scan chain `{first}` and again in scan chain `{second}`"
    )]
    CellInTwoChains {
        /// The cell.
        cell: String,
        /// The chain that lists it first.
        first: String,
        /// The chain that lists it again (the same chain when it is listed twice in one).
        second: String,
    },
    /// A flip-flop of the circuit is in no chain.
    #[error("flip-flop `{cell}` is in no scan chain ({missing} flip-flops in all are missing)")]
    UnchainedCell {
        /// The first such flip-flop, in netlist order.
        cell: String,
        /// How many flip-flops are in no chain.
        missing: usize,
    },
    /// A chain has no cells.
    #[error("scan chain `{chain}` has no cells")]
    EmptyChain {
        /// The chain.
        chain: String,
    },
    /// Two chains have the same name.
    #[error("two scan chains are named `{chain}`")]
    DuplicateChainName {
        /// The name.
        chain: String,
    },
    /// A name (of the chain or of one of its ports) is empty.
    #[error("scan chain {index} (counting from 1): `{field}` is empty")]
    EmptyName {
        /// The chain's position in the list, counting from 1.
        index: usize,
        /// Which field is empty: `name`, `scan_in`, `scan_out`, `scan_enable` or `clock`.
        field: &'static str,
    },
    /// Two chains share a scan-in or scan-out port, or one port is both.
    #[error("port `{port}` is the {first_role} of scan chain `{first}` and the {second_role} of scan chain `{second}`")]
    SharedPort {
        /// The port.
        port: String,
        /// The chain that uses it first.
        first: String,
        /// What it is for that chain: `scan_in` or `scan_out`.
        first_role: &'static str,
        /// The chain that uses it again.
        second: String,
        /// What it is for that chain.
        second_role: &'static str,
    },
}

impl ScanChains {
    /// The default for a circuit without a chain file: one chain `chain1` holding every flip-flop
    /// in netlist order ([`Circuit::scan_cells`] order), through ports `scan_in_1`, `scan_out_1`
    /// and `scan_enable`, clocked by the flip-flops' clock when they all share one. No chains when
    /// the circuit has no flip-flops.
    pub fn one_chain(circuit: &Circuit) -> ScanChains {
        let cells = circuit.scan_cells();
        if cells.is_empty() {
            return ScanChains::default();
        }
        ScanChains {
            chains: vec![ScanChain {
                name: "chain1".to_string(),
                scan_in: "scan_in_1".to_string(),
                scan_out: "scan_out_1".to_string(),
                scan_enable: "scan_enable".to_string(),
                clock: shared_clock(cells),
                cells: cells.iter().map(|c| c.name.clone()).collect(),
            }],
        }
    }

    /// Parses a JSON chain file; `file` names it in error messages.
    pub fn parse_json(text: &str, file: &str) -> Result<ScanChains, ParseError> {
        serde_json::from_str(text).map_err(|e| {
            let pos = SourcePos { line: e.line() as u32, column: e.column() as u32 };
            // serde_json appends the position to its message; the ParseError carries it instead.
            let message = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let message = message.strip_suffix(&suffix).unwrap_or(&message);
            ParseError::at(file, pos, format!("invalid scan chain file: {message}"))
        })
    }

    /// Reads a JSON chain file.
    pub fn read_chain_file(path: &Path) -> Result<ScanChains, NetlistError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path)
            .map_err(|source| NetlistError::Io { path: file.clone(), source })?;
        let text = crate::read::decode_text(bytes, &file)?;
        Ok(ScanChains::parse_json(&text, &file)?)
    }

    /// The chain file text (pretty-printed JSON, ending in a newline).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .expect("chains hold only strings and lists, which always serialize");
        text.push('\n');
        text
    }

    /// Number of cells in all chains.
    pub fn num_cells(&self) -> usize {
        self.chains.iter().map(|c| c.cells.len()).sum()
    }

    /// Checks the chains against `circuit` and resolves their cells: for each chain, the index in
    /// [`Circuit::scan_cells`] of each of its cells, in chain order (scan-in first).
    ///
    /// Every chain needs a name, ports and at least one cell; chain names, scan-in ports and
    /// scan-out ports must be distinct; every cell named must be a flip-flop of the circuit,
    /// listed once, and every flip-flop must be in some chain.
    pub fn validate(&self, circuit: &Circuit) -> Result<Vec<Vec<usize>>, ChainError> {
        self.check_names()?;
        let mut by_name: FxHashMap<&str, Option<usize>> = FxHashMap::default();
        for (i, cell) in circuit.scan_cells().iter().enumerate() {
            by_name.entry(cell.name.as_str()).and_modify(|index| *index = None).or_insert(Some(i));
        }
        // The chain each flip-flop was first listed in.
        let mut owner: Vec<Option<usize>> = vec![None; circuit.scan_cells().len()];
        let mut resolved = Vec::with_capacity(self.chains.len());
        for (c, chain) in self.chains.iter().enumerate() {
            let mut indices = Vec::with_capacity(chain.cells.len());
            for cell in &chain.cells {
                let index = match by_name.get(cell.as_str()) {
                    None => {
                        return Err(ChainError::UnknownCell {
                            chain: chain.name.clone(),
                            cell: cell.clone(),
                        })
                    }
                    Some(None) => {
                        return Err(ChainError::AmbiguousCell {
                            chain: chain.name.clone(),
                            cell: cell.clone(),
                        })
                    }
                    Some(&Some(index)) => index,
                };
                if let Some(first) = owner[index] {
                    return Err(ChainError::CellInTwoChains {
                        cell: cell.clone(),
                        first: self.chains[first].name.clone(),
                        second: chain.name.clone(),
                    });
                }
                owner[index] = Some(c);
                indices.push(index);
            }
            resolved.push(indices);
        }
        let missing = owner.iter().filter(|o| o.is_none()).count();
        if let Some(first) = owner.iter().position(Option::is_none) {
            return Err(ChainError::UnchainedCell {
                cell: circuit.scan_cells()[first].name.clone(),
                missing,
            });
        }
        Ok(resolved)
    }

    /// The checks that need no circuit: names present and distinct, no chain empty.
    fn check_names(&self) -> Result<(), ChainError> {
        let mut chain_names: FxHashMap<&str, ()> = FxHashMap::default();
        // Port -> (chain, role) for scan-in and scan-out ports.
        let mut ports: FxHashMap<&str, (&str, &'static str)> = FxHashMap::default();
        for (i, chain) in self.chains.iter().enumerate() {
            let fields = [
                ("name", chain.name.as_str()),
                ("scan_in", chain.scan_in.as_str()),
                ("scan_out", chain.scan_out.as_str()),
                ("scan_enable", chain.scan_enable.as_str()),
                ("clock", chain.clock.as_deref().unwrap_or("-")),
            ];
            if let Some((field, _)) = fields.iter().find(|(_, value)| value.is_empty()) {
                return Err(ChainError::EmptyName { index: i + 1, field });
            }
            if chain_names.insert(&chain.name, ()).is_some() {
                return Err(ChainError::DuplicateChainName { chain: chain.name.clone() });
            }
            if chain.cells.is_empty() {
                return Err(ChainError::EmptyChain { chain: chain.name.clone() });
            }
            for (port, role) in [(&chain.scan_in, "scan_in"), (&chain.scan_out, "scan_out")] {
                if let Some(&(first, first_role)) = ports.get(port.as_str()) {
                    return Err(ChainError::SharedPort {
                        port: port.clone(),
                        first: first.to_string(),
                        first_role,
                        second: chain.name.clone(),
                        second_role: role,
                    });
                }
                ports.insert(port, (&chain.name, role));
            }
        }
        Ok(())
    }
}

/// The clock of every cell, when they all name the same one.
fn shared_clock(cells: &[ScanCell]) -> Option<String> {
    let first = cells.first()?.clock.as_ref()?;
    cells.iter().all(|c| c.clock.as_ref() == Some(first)).then(|| first.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bench(text: &str) -> Circuit {
        crate::bench::parse_bench(text, "test.bench")
            .expect("parses")
            .levelize()
            .expect("levelizes")
    }

    /// Three flip-flops `q1`, `q2`, `q3` (named after their output nets) in a ring with logic.
    const THREE_FLOPS: &str = "\
INPUT(a)
OUTPUT(z)
q1 = DFF(n1)
q2 = DFF(n2)
q3 = DFF(n3)
n1 = AND(a, q3)
n2 = NOT(q1)
n3 = OR(q2, a)
z = XOR(q3, q1)
";

    fn chain(name: &str, port: usize, cells: &[&str]) -> ScanChain {
        ScanChain {
            name: name.to_string(),
            scan_in: format!("si{port}"),
            scan_out: format!("so{port}"),
            scan_enable: "se".to_string(),
            clock: Some("clk".to_string()),
            cells: cells.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn one_chain_takes_every_flop_in_netlist_order() {
        let circuit = bench(THREE_FLOPS);
        let chains = ScanChains::one_chain(&circuit);
        assert_eq!(chains.chains.len(), 1);
        let only = &chains.chains[0];
        assert_eq!(only.name, "chain1");
        assert_eq!((only.scan_in.as_str(), only.scan_out.as_str()), ("scan_in_1", "scan_out_1"));
        assert_eq!(only.scan_enable, "scan_enable");
        // `.bench` flip-flops have no clock net.
        assert_eq!(only.clock, None);
        assert_eq!(only.cells, ["q1", "q2", "q3"]);
        assert_eq!(chains.validate(&circuit), Ok(vec![vec![0, 1, 2]]));
        assert_eq!(chains.num_cells(), 3);
    }

    #[test]
    fn one_chain_of_a_combinational_circuit_is_no_chain() {
        let circuit = bench(crate::testdata::C17_BENCH);
        let chains = ScanChains::one_chain(&circuit);
        assert!(chains.chains.is_empty());
        assert_eq!(chains.validate(&circuit), Ok(vec![]));
    }

    #[test]
    fn shared_clock_only_when_all_cells_agree() {
        let cell = |clock: Option<&str>| ScanCell {
            name: "f".to_string(),
            q: crate::NodeId(0),
            d: crate::NodeId(0),
            clock: clock.map(str::to_string),
            clock_inverted: false,
        };
        assert_eq!(shared_clock(&[cell(Some("ck")), cell(Some("ck"))]), Some("ck".to_string()));
        assert_eq!(shared_clock(&[cell(Some("ck")), cell(Some("ck2"))]), None);
        assert_eq!(shared_clock(&[cell(Some("ck")), cell(None)]), None);
        assert_eq!(shared_clock(&[]), None);
    }

    #[test]
    fn validate_resolves_chain_order() {
        let circuit = bench(THREE_FLOPS);
        let chains =
            ScanChains { chains: vec![chain("a", 1, &["q3", "q1"]), chain("b", 2, &["q2"])] };
        assert_eq!(chains.validate(&circuit), Ok(vec![vec![2, 0], vec![1]]));
    }

    #[test]
    fn validate_names_the_offending_cell() {
        let circuit = bench(THREE_FLOPS);
        let check = |chains: Vec<ScanChain>| {
            ScanChains { chains }.validate(&circuit).expect_err("invalid").to_string()
        };
        assert_eq!(
            check(vec![chain("a", 1, &["q1", "q2", "q4", "q3"])]),
            "scan chain `a`: `q4` is not a flip-flop of the netlist"
        );
        assert_eq!(
            check(vec![chain("a", 1, &["q1", "q2"]), chain("b", 2, &["q3", "q2"])]),
            "flip-flop `q2` is listed in scan chain `a` and again in scan chain `b`"
        );
        assert_eq!(
            check(vec![chain("a", 1, &["q1", "q2", "q1", "q3"])]),
            "flip-flop `q1` is listed in scan chain `a` and again in scan chain `a`"
        );
        assert_eq!(
            check(vec![chain("a", 1, &["q3"])]),
            "flip-flop `q1` is in no scan chain (2 flip-flops in all are missing)"
        );
        assert_eq!(check(vec![chain("a", 1, &[])]), "scan chain `a` has no cells");
        assert_eq!(
            check(vec![chain("a", 1, &["q1"]), chain("a", 2, &["q2", "q3"])]),
            "two scan chains are named `a`"
        );
        assert_eq!(
            check(vec![chain("a", 1, &["q1"]), chain("b", 1, &["q2", "q3"])]),
            "port `si1` is the scan_in of scan chain `a` and the scan_in of scan chain `b`"
        );
        let mut looped = chain("a", 1, &["q1", "q2", "q3"]);
        looped.scan_out = looped.scan_in.clone();
        assert_eq!(
            check(vec![looped]),
            "port `si1` is the scan_in of scan chain `a` and the scan_out of scan chain `a`"
        );
        let mut unnamed = chain("a", 1, &["q1", "q2", "q3"]);
        unnamed.scan_enable.clear();
        assert_eq!(check(vec![unnamed]), "scan chain 1 (counting from 1): `scan_enable` is empty");
    }

    #[test]
    fn validate_rejects_ambiguous_flop_names() {
        // Two flip-flops of one name cannot come from `.bench` text; build the circuit by hand.
        let mut netlist = crate::Netlist::new("dup");
        let a = netlist.net("a");
        netlist.add_input(a);
        for q in ["q1", "q2"] {
            let out = netlist.net(q);
            netlist.add_flop("ff", a, out, crate::FlopInfo::default());
            netlist.add_output(out);
        }
        let circuit = netlist.levelize().expect("levelizes");
        let chains = ScanChains { chains: vec![chain("c", 1, &["ff"])] };
        assert_eq!(
            chains.validate(&circuit).expect_err("ambiguous").to_string(),
            "scan chain `c`: the netlist has more than one flip-flop named `ff`"
        );
    }

    #[test]
    fn json_round_trip() {
        let mut unclocked = chain("b", 2, &["q2"]);
        unclocked.clock = None;
        let chains = ScanChains { chains: vec![chain("a", 1, &["q3", "q1"]), unclocked] };
        let text = chains.to_json();
        assert!(text.contains("\"clock\": null"), "{text}");
        assert_eq!(ScanChains::parse_json(&text, "c.json"), Ok(chains));
    }

    #[test]
    fn json_matches_the_documented_format() {
        let text = r#"{"chains": [{"name": "chain1", "scan_in": "si", "scan_out": "so",
            "scan_enable": "se", "clock": "CK", "cells": ["q1", "q2", "q3"]},
            {"name": "c2", "scan_in": "si2", "scan_out": "so2", "scan_enable": "se",
            "cells": ["x"]}]}"#;
        let chains = ScanChains::parse_json(text, "c.json").expect("valid");
        assert_eq!(chains.chains[0].clock.as_deref(), Some("CK"));
        assert_eq!(chains.chains[0].cells, ["q1", "q2", "q3"]);
        assert_eq!(chains.chains[1].clock, None, "a missing clock is no clock");
    }

    #[test]
    fn json_errors_carry_file_line_and_column() {
        let text = "{\"chains\": [\n  {\"name\": \"a\", \"scan_inn\": \"si\"}\n]}";
        let error = ScanChains::parse_json(text, "c.json").expect_err("unknown key");
        assert_eq!(error.file, "c.json");
        assert_eq!(error.pos.line, 2);
        assert!(error.pos.column > 1);
        assert!(error.message.contains("unknown field `scan_inn`"), "{error}");
        assert!(!error.message.contains("at line"), "the position is not repeated: {error}");

        let error = ScanChains::parse_json("{\"chains\": [", "c.json").expect_err("truncated");
        assert_eq!(error.pos.line, 1);
        let error = ScanChains::parse_json("{\"chains\": [{\"name\": 3}]}", "c.json")
            .expect_err("wrong type");
        assert!(error.to_string().starts_with("c.json:1:"), "{error}");
    }

    #[test]
    fn read_chain_file_reports_missing_files() {
        let error = ScanChains::read_chain_file(Path::new("/nonexistent/chains.json"))
            .expect_err("no such file");
        assert!(matches!(error, NetlistError::Io { .. }), "{error}");
    }
}
