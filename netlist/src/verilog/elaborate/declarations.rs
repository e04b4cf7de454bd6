//! The declarations of one module instance: parameter values (defaults and overrides),
//! ports, vectors and special nets with their ranges evaluated, and the checks on them
//! (conflicting widths or directions, ports without a direction, directions without a port).

use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::super::ast::{Decl, DeclKind, Name, NetKind, ParamOverrides, Range};
use super::signals::{DeclInfo, Scope, Special, MAX_VECTOR_WIDTH};
use super::{values, Elaborator};
use crate::error::{ParseError, SourcePos};

impl<'a> Elaborator<'a, '_> {
    /// Parameter values of one instance of `module`; `overrides` are already evaluated
    /// `(name or position, value, position)` triples written in file `overrides_file`.
    pub(super) fn parameters(
        &mut self,
        module: usize,
        overrides: &[(ParamKey<'a>, i64, SourcePos)],
        overrides_file: usize,
    ) -> Result<FxHashMap<&'a str, i64>, ParseError> {
        let m = self.modules[module];
        let mut values = FxHashMap::default();
        if m.params.is_empty() {
            if let Some((_, _, pos)) = overrides.first() {
                self.netlist.warn(
                    Some(*pos),
                    format!(
                        "module `{}` has no parameters; the parameter overrides are ignored",
                        m.name.text
                    ),
                );
            }
            return Ok(values);
        }
        let overridable: Vec<&'a str> =
            m.params.iter().filter(|p| !p.local).map(|p| p.name.text).collect();
        let mut by_name: FxHashMap<&'a str, i64> = FxHashMap::default();
        let mut by_position: Vec<i64> = Vec::new();
        for &(key, value, pos) in overrides {
            match key {
                ParamKey::Name(name) => {
                    if !overridable.contains(&name) {
                        return Err(self.error(
                            overrides_file,
                            pos,
                            format!("module `{}` has no parameter `{name}`", m.name.text),
                        ));
                    }
                    by_name.entry(name).or_insert(value);
                }
                ParamKey::Position(_) => {
                    if by_position.len() == overridable.len() {
                        return Err(self.error(
                            overrides_file,
                            pos,
                            format!(
                                "too many parameter values for module `{}` ({} parameters)",
                                m.name.text,
                                overridable.len()
                            ),
                        ));
                    }
                    by_position.push(value);
                }
            }
        }
        let mut position = 0;
        for p in &m.params {
            let given = if p.local {
                None
            } else {
                position += 1;
                by_name.get(p.name.text).or(by_position.get(position - 1)).copied()
            };
            let value = match given {
                Some(v) => v,
                None => values::constant_value(&p.value, &|name| values.get(name).copied())
                    .map_err(|(pos, msg)| self.error(m.file, pos, msg))?,
            };
            values.insert(p.name.text, value);
        }
        Ok(values)
    }

    /// The ports, vectors and special nets of one instance of `module` (ranges evaluated), with
    /// repeated declarations checked for conflicting widths and directions. Plain one-bit wires
    /// are only checked against those: they need no table of their own.
    pub(super) fn declarations(
        &mut self,
        module: usize,
        params: &FxHashMap<&'a str, i64>,
    ) -> Result<FxHashMap<&'a str, Special>, ParseError> {
        let m = self.modules[module];
        let plain = |d: &Decl<'_>| d.range.is_none() && d.kind == DeclKind::Net(NetKind::Wire);
        let mut table: FxHashMap<&'a str, Special> = FxHashMap::default();
        let mut last_range: Option<(*const Range<'a>, (i64, i64))> = None;
        let show = |r: Option<(i64, i64)>| match r {
            Some((a, b)) => format!("[{a}:{b}]"),
            None => "1 bit".to_string(),
        };
        for decl in m.decls.iter().filter(|d| !plain(d)) {
            let range = match &decl.range {
                None => None,
                Some(r) => {
                    let key = Rc::as_ptr(r);
                    match last_range {
                        Some((k, v)) if k == key => Some(v),
                        _ => {
                            let lookup = |name: &str| params.get(name).copied();
                            let eval = |e| {
                                values::constant_value(e, &lookup)
                                    .map_err(|(pos, msg)| self.error(m.file, pos, msg))
                            };
                            let v = (eval(&r.msb)?, eval(&r.lsb)?);
                            if v.0.abs_diff(v.1) >= MAX_VECTOR_WIDTH as u64 {
                                return Err(self.error(
                                    m.file,
                                    decl.name.pos,
                                    format!(
                                        "vector `{}` [{}:{}] is too wide",
                                        decl.name.text, v.0, v.1
                                    ),
                                ));
                            }
                            last_range = Some((key, v));
                            Some(v)
                        }
                    }
                }
            };
            let (direction, kind) = match decl.kind {
                DeclKind::Port(d) => (Some(d), None),
                DeclKind::Net(k) => (None, Some(k)),
            };
            match table.get_mut(decl.name.text) {
                None => {
                    let decl_info = DeclInfo { direction, kind, range, pos: decl.name.pos };
                    table.insert(decl.name.text, Special { decl: decl_info, signal: None });
                }
                Some(Special { decl: existing, .. }) => {
                    if existing.range != range {
                        return Err(self.error(
                            m.file,
                            decl.name.pos,
                            format!(
                                "`{}` is declared with conflicting widths: {} here, {} at {}",
                                decl.name.text,
                                show(range),
                                show(existing.range),
                                existing.pos
                            ),
                        ));
                    }
                    match (existing.direction, direction) {
                        (Some(a), Some(b)) if a != b => {
                            return Err(self.error(
                                m.file,
                                decl.name.pos,
                                format!(
                                "port `{}` is declared with conflicting directions (first at {})",
                                decl.name.text, existing.pos
                            ),
                            ))
                        }
                        (None, Some(b)) => existing.direction = Some(b),
                        _ => {}
                    }
                    if existing.kind.is_none() {
                        existing.kind = kind;
                    }
                }
            }
        }
        // Plain wires can only conflict with vectors; most modules with many wires have few.
        if table.values().any(|s| s.decl.range.is_some()) {
            let plain_names = m.decls.iter().filter(|d| plain(d)).map(|d| d.name);
            let vector = |name: &Name<'a>| match table.get(name.text) {
                Some(Special { decl: existing, .. }) => existing.range.is_some(),
                None => false,
            };
            // The first conflict in source order: plain wires are in two lists.
            let conflict = plain_names.chain(m.wire_names()).filter(vector).min_by_key(|n| n.pos);
            if let Some(name) = conflict {
                let existing = &table[name.text].decl;
                return Err(self.error(
                    m.file,
                    name.pos,
                    format!(
                        "`{}` is declared with conflicting widths: 1 bit here, {} at {}",
                        name.text,
                        show(existing.range),
                        existing.pos
                    ),
                ));
            }
        }
        Ok(table)
    }

    /// Every port has a direction and every direction declaration names a port.
    pub(super) fn check_ports(
        &self,
        module: usize,
        decls: &FxHashMap<&'a str, Special>,
    ) -> Result<(), ParseError> {
        let m = self.modules[module];
        let mut listed = FxHashSet::default();
        for port in &m.ports {
            if !listed.insert(port.text) {
                return Err(self.error(
                    m.file,
                    port.pos,
                    format!("port `{}` is listed twice", port.text),
                ));
            }
            if decls.get(port.text).and_then(|s| s.decl.direction).is_none() {
                return Err(self.error(
                    m.file,
                    port.pos,
                    format!(
                        "port `{}` of module `{}` has no input/output/inout declaration",
                        port.text, m.name.text
                    ),
                ));
            }
        }
        for decl in &m.decls {
            if matches!(decl.kind, DeclKind::Port(_)) && !listed.contains(decl.name.text) {
                return Err(self.error(
                    m.file,
                    decl.name.pos,
                    format!(
                        "`{}` is declared as a port but is not in the port list of module `{}`",
                        decl.name.text, m.name.text
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Parameter overrides of an instance, evaluated in the parent.
    pub(super) fn override_values(
        &mut self,
        scope: &Scope<'a>,
        params: Option<&ParamOverrides<'a>>,
    ) -> Result<Vec<(ParamKey<'a>, i64, SourcePos)>, ParseError> {
        let mut out = Vec::new();
        match params {
            None => {}
            Some(ParamOverrides::Positional(list)) => {
                for (k, e) in list.iter().enumerate() {
                    out.push((ParamKey::Position(k), self.constant(scope, e)?, e.pos()));
                }
            }
            Some(ParamOverrides::Named(list)) => {
                for (name, e) in list {
                    out.push((ParamKey::Name(name.text), self.constant(scope, e)?, name.pos));
                }
            }
        }
        Ok(out)
    }
}

/// A parameter override's target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ParamKey<'a> {
    /// The n-th overridable parameter.
    Position(usize),
    /// A parameter by name.
    Name(&'a str),
}
