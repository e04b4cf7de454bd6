//! Names to nets inside one module instance: declarations, vectors, bit and part selects,
//! implicit nets, and assignment targets.
//!
//! Nets are created lazily, the first time a name is used. A port of a child instance is not a
//! net of its own: its bits are the parent's nets, bound before the child's body is elaborated,
//! so flattening inserts no buffers.
//!
//! Naming: a scalar `x` in instance path `u1/u2` is the net `u1/u2/x`; bit `i` of a vector is
//! `x[i]`, which is also what the escaped identifier `\x[i] ` names, so both spellings reach
//! the same net.

use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::super::ast::{Direction, Expr, Name, NetKind, PartSelect};
use super::{ElabError, Elaborator};
use crate::error::SourcePos;
use crate::netlist::NetId;

/// Widest vector accepted (bits); wider ones are certainly a mistake and would exhaust memory.
pub(super) const MAX_VECTOR_WIDTH: i64 = 1 << 20;

/// What one name is declared as in one module instance (ranges evaluated).
#[derive(Debug, Clone, Copy)]
pub(super) struct DeclInfo {
    /// Port direction, if it is a port.
    pub direction: Option<Direction>,
    /// Net kind, if declared as a net.
    pub kind: Option<NetKind>,
    /// `(msb, lsb)` for vectors.
    pub range: Option<(i64, i64)>,
    /// The first declaration.
    pub pos: SourcePos,
}

impl DeclInfo {
    /// Number of bits.
    pub(super) fn width(&self) -> usize {
        match self.range {
            Some((msb, lsb)) => (msb - lsb).unsigned_abs() as usize + 1,
            None => 1,
        }
    }
}

/// The nets of a declared name.
#[derive(Debug, Clone)]
pub(super) enum Signal {
    /// A one-bit net.
    Scalar(NetId),
    /// A vector.
    Vector(Rc<VectorNets>),
}

/// The nets of a vector, least significant (by declaration) first.
#[derive(Debug)]
pub(super) struct VectorNets {
    /// Declared left index.
    pub msb: i64,
    /// Declared right index.
    pub lsb: i64,
    /// `bits[k]` is the net of index `lsb + k` (or `lsb - k` for `[0:7]`-style ranges).
    pub bits: Vec<NetId>,
}

impl VectorNets {
    /// Position (0 = least significant) of index `idx`, if it is in range.
    pub(super) fn offset(&self, idx: i64) -> Option<usize> {
        let off = if self.msb >= self.lsb {
            idx.checked_sub(self.lsb)?
        } else {
            self.lsb.checked_sub(idx)?
        };
        (0..self.bits.len() as i64).contains(&off).then_some(off as usize)
    }

    /// `[msb:lsb]` as written.
    pub(super) fn range_text(&self) -> String {
        format!("[{}:{}]", self.msb, self.lsb)
    }
}

impl Signal {
    /// The nets, least significant first.
    pub(super) fn bits(&self) -> &[NetId] {
        match self {
            Signal::Scalar(n) => std::slice::from_ref(n),
            Signal::Vector(v) => &v.bits,
        }
    }
}

/// A name of a module instance that is not a plain one-bit wire: a port, a vector, or a net
/// of a special kind (supply, `reg`, `trireg`).
#[derive(Debug, Clone)]
pub(super) struct Special {
    /// Its declaration (merged over repeated declarations).
    pub decl: DeclInfo,
    /// Its nets, once resolved.
    pub signal: Option<Signal>,
}

/// One module instance being elaborated.
///
/// Plain one-bit wires, declared or implicit, are not in any table of the scope: their net is
/// looked up by name in the netlist directly. Everything else (ports, vectors, special nets) is
/// in [`Scope::special`], which stays small enough to stay in cache. A plain wire thus costs one
/// lookup in the netlist's (large) table per use; on large flat netlists those lookups are
/// cache misses that dominate elaboration time, so the reader keeps no table of its own.
pub(super) struct Scope<'a> {
    /// Index of the module.
    pub module: usize,
    /// Index of the file the module is in (for messages).
    pub file: usize,
    /// Instance path followed by `/`; empty for the top module.
    pub prefix: String,
    /// Parameter values.
    pub params: FxHashMap<&'a str, i64>,
    /// Ports, vectors and special nets.
    pub special: FxHashMap<&'a str, Special>,
}

impl Scope<'_> {
    /// The declaration of a port, vector or special net.
    pub(super) fn decl(&self, name: &str) -> Option<&DeclInfo> {
        self.special.get(name).map(|s| &s.decl)
    }
}

/// Room for the decimal digits of any `i64`.
fn itoa_buffer() -> [u8; 20] {
    [0; 20]
}

/// `value` in decimal, written into `buf` (vector bits are named by the thousand; `format!` is
/// slow for that).
fn format_integer(value: i64, buf: &mut [u8; 20]) -> &str {
    let mut n = value.unsigned_abs();
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if value < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    std::str::from_utf8(&buf[at..]).unwrap_or("0")
}

/// Whether `name` has the shape of a name [`crate::Netlist::add_internal_net`] makes
/// (`hint_nN`), the only names that can collide with generated nets.
fn may_be_generated(name: &str) -> bool {
    let digits = name.bytes().rev().take_while(u8::is_ascii_digit).count();
    digits > 0 && name[..name.len() - digits].ends_with("_n")
}

impl<'a> Elaborator<'a, '_> {
    /// The net called `prefix + local` (created if new), rejecting names that collide with a
    /// net generated earlier by expression lowering.
    pub(super) fn named_net(
        &mut self,
        prefix: &str,
        local: &str,
        pos: SourcePos,
        file: usize,
    ) -> Result<NetId, ElabError> {
        let net = if prefix.is_empty() {
            self.netlist.net(local)
        } else {
            self.name_buf.clear();
            self.name_buf.push_str(prefix);
            self.name_buf.push_str(local);
            let name = std::mem::take(&mut self.name_buf);
            let net = self.netlist.net(&name);
            self.name_buf = name;
            net
        };
        if may_be_generated(local) && self.netlist.net_data(net).internal {
            return Err(self.error(
                file,
                pos,
                format!(
                    "net name `{}` collides with a net the reader generated; rename it",
                    self.netlist.net_name(net)
                ),
            ));
        }
        Ok(net)
    }

    /// The nets of a declared name.
    fn declared_signal(
        &mut self,
        prefix: &str,
        file: usize,
        name: Name<'a>,
        decl: DeclInfo,
    ) -> Result<Signal, ElabError> {
        let Some((msb, lsb)) = decl.range else {
            return Ok(Signal::Scalar(self.named_net(prefix, name.text, name.pos, file)?));
        };
        let width = (msb - lsb).unsigned_abs() as usize + 1;
        let mut bits = Vec::with_capacity(width);
        let step = if msb >= lsb { 1 } else { -1 };
        let mut local = String::with_capacity(name.text.len() + 8);
        let mut digits = itoa_buffer();
        for k in 0..width as i64 {
            local.clear();
            local.push_str(name.text);
            local.push('[');
            local.push_str(format_integer(lsb + k * step, &mut digits));
            local.push(']');
            bits.push(self.named_net(prefix, &local, name.pos, file)?);
        }
        Ok(Signal::Vector(Rc::new(VectorNets { msb, lsb, bits })))
    }

    /// The nets of `name` in `scope`, created on first use. Undeclared names are implicit
    /// one-bit wires, except `base[i]` spellings of a bit of a declared vector `base`.
    pub(super) fn signal(
        &mut self,
        scope: &mut Scope<'a>,
        name: Name<'a>,
    ) -> Result<Signal, ElabError> {
        // In the top module a name that is already a net (not one the reader generated) is
        // that net: ports, special nets and wires are nets of their own name there, and a
        // vector's name is never a net (its bits are). Most uses of a name come after the
        // first, so this skips the lookup in the scope's table for them.
        if scope.prefix.is_empty() {
            if let Some(net) = self.own_net(self.netlist.find_net(name.text)) {
                return Ok(Signal::Scalar(net));
            }
        }
        if !scope.special.is_empty() {
            if let Some(special) = scope.special.get_mut(name.text) {
                if let Some(s) = &special.signal {
                    return Ok(s.clone());
                }
                let signal = self.declared_signal(&scope.prefix, scope.file, name, special.decl)?;
                special.signal = Some(signal.clone());
                return Ok(signal);
            }
            if let Some(net) = self.escaped_bit(scope, name)? {
                return Ok(Signal::Scalar(net));
            }
        }
        Ok(Signal::Scalar(self.named_net(&scope.prefix, name.text, name.pos, scope.file)?))
    }

    /// `net`, the net of some name of the top module, if it is that name's signal there: a net
    /// the reader did not generate (see [`Elaborator::signal`]).
    pub(super) fn own_net(&self, net: Option<NetId>) -> Option<NetId> {
        net.filter(|&net| !self.netlist.net_data(net).internal)
    }

    /// The net of a one-bit name (declared scalar, implicit, or a one-bit vector), or `None`
    /// when it is a wider vector or a parameter. One table lookup for plain wires.
    pub(super) fn scalar_net(
        &mut self,
        scope: &mut Scope<'a>,
        name: Name<'a>,
    ) -> Result<Option<NetId>, ElabError> {
        if scope.special.is_empty() && scope.params.is_empty() {
            return self.named_net(&scope.prefix, name.text, name.pos, scope.file).map(Some);
        }
        if scope.params.contains_key(name.text) && !scope.special.contains_key(name.text) {
            return Ok(None);
        }
        Ok(match self.signal(scope, name)? {
            Signal::Scalar(n) => Some(n),
            Signal::Vector(v) if v.bits.len() == 1 => Some(v.bits[0]),
            Signal::Vector(_) => None,
        })
    }

    /// Whether `name` is declared as a plain wire (only used to word error messages).
    fn declared_wire(&self, scope: &Scope<'a>, name: &str) -> bool {
        let m = self.modules[scope.module];
        m.decls.iter().any(|d| d.name.text == name) || m.wire_names().any(|w| w.text == name)
    }

    /// The error for a select of something that is not a declared vector.
    fn not_a_vector(&self, scope: &Scope<'a>, name: Name<'a>) -> ElabError {
        let message = if self.declared_wire(scope, name.text) {
            format!("`{}` is a 1-bit net, not a vector; it cannot be indexed", name.text)
        } else {
            format!("`{}` is not declared; only declared vectors can be indexed", name.text)
        };
        self.error(scope.file, name.pos, message)
    }

    /// For an undeclared `\base[i] `: the bit of the declared vector `base`, if it exists.
    fn escaped_bit(
        &mut self,
        scope: &mut Scope<'a>,
        name: Name<'a>,
    ) -> Result<Option<NetId>, ElabError> {
        let Some(stripped) = name.text.strip_suffix(']') else { return Ok(None) };
        let Some((base, index)) = stripped.rsplit_once('[') else { return Ok(None) };
        let Ok(index) = index.trim().parse::<i64>() else { return Ok(None) };
        if !matches!(scope.decl(base), Some(DeclInfo { range: Some(_), .. })) {
            return Ok(None);
        }
        let base_name = Name { text: base, pos: name.pos };
        match self.signal(scope, base_name)? {
            Signal::Vector(v) => Ok(v.offset(index).map(|off| v.bits[off])),
            Signal::Scalar(_) => Ok(None),
        }
    }

    /// One net for a name that must be one bit wide.
    pub(super) fn scalar(
        &mut self,
        scope: &mut Scope<'a>,
        name: Name<'a>,
        what: &str,
    ) -> Result<NetId, ElabError> {
        match self.signal(scope, name)? {
            Signal::Scalar(n) => Ok(n),
            Signal::Vector(v) if v.bits.len() == 1 => Ok(v.bits[0]),
            Signal::Vector(v) => Err(self.error(
                scope.file,
                name.pos,
                format!(
                    "{what} must be 1 bit wide, but `{}` is {} bits {}",
                    name.text,
                    v.bits.len(),
                    v.range_text()
                ),
            )),
        }
    }

    /// The net of `name[index]`.
    pub(super) fn select_bit(
        &mut self,
        scope: &mut Scope<'a>,
        name: Name<'a>,
        index: &Expr<'a>,
    ) -> Result<NetId, ElabError> {
        if !scope.special.contains_key(name.text) {
            return Err(self.not_a_vector(scope, name));
        }
        let idx = self.constant(scope, index)?;
        match self.signal(scope, name)? {
            Signal::Vector(v) => match v.offset(idx) {
                Some(off) => Ok(v.bits[off]),
                None => Err(self.error(
                    scope.file,
                    index.pos(),
                    format!("bit select `{}[{idx}]` is out of range {}", name.text, v.range_text()),
                )),
            },
            Signal::Scalar(n)
                if idx == 0 && scope.decl(name.text).is_none_or(|d| d.range.is_none()) =>
            {
                // A bit select of a scalar is not legal Verilog, but `x[0]` of a one-bit
                // port bound to a scalar is harmless.
                Ok(n)
            }
            Signal::Scalar(_) => Err(self.not_a_vector(scope, name)),
        }
    }

    /// The nets of a part select, least significant first.
    pub(super) fn select_part(
        &mut self,
        scope: &mut Scope<'a>,
        name: Name<'a>,
        kind: PartSelect,
        bounds: &(Expr<'a>, Expr<'a>),
    ) -> Result<Vec<NetId>, ElabError> {
        if !scope.special.contains_key(name.text) {
            return Err(self.not_a_vector(scope, name));
        }
        let a = self.constant(scope, &bounds.0)?;
        let b = self.constant(scope, &bounds.1)?;
        let (left, right) = match kind {
            PartSelect::Range => (a, b),
            PartSelect::Up | PartSelect::Down => {
                if !(1..=MAX_VECTOR_WIDTH).contains(&b) {
                    return Err(self.error(
                        scope.file,
                        bounds.1.pos(),
                        format!("part select width {b} is not positive"),
                    ));
                }
                let other_end = if kind == PartSelect::Up {
                    a.checked_add(b - 1)
                } else {
                    a.checked_sub(b - 1)
                };
                let Some(other_end) = other_end else {
                    return Err(self.error(
                        scope.file,
                        bounds.0.pos(),
                        "part select index overflows",
                    ));
                };
                (a.max(other_end), a.min(other_end))
            }
        };
        let signal = self.signal(scope, name)?;
        let v = match signal {
            Signal::Vector(v) => v,
            Signal::Scalar(n) if left == 0 && right == 0 => return Ok(vec![n]),
            Signal::Scalar(_) => return Err(self.not_a_vector(scope, name)),
        };
        let (Some(ol), Some(or)) = (v.offset(left), v.offset(right)) else {
            return Err(self.error(
                scope.file,
                bounds.0.pos(),
                format!(
                    "part select `{}[{left}:{right}]` is out of range {}",
                    name.text,
                    v.range_text()
                ),
            ));
        };
        let (lo, hi) = match kind {
            PartSelect::Range if ol < or => {
                return Err(self.error(
                    scope.file,
                    bounds.0.pos(),
                    format!(
                    "part select `{}[{left}:{right}]` is reversed relative to the declaration {}",
                    name.text,
                    v.range_text()
                ),
                ))
            }
            _ => (ol.min(or), ol.max(or)),
        };
        Ok(v.bits[lo..=hi].to_vec())
    }

    /// The nets an assignment target (or output connection) writes, least significant first.
    pub(super) fn lvalue(
        &mut self,
        scope: &mut Scope<'a>,
        e: &Expr<'a>,
    ) -> Result<Vec<NetId>, ElabError> {
        match e {
            Expr::Ident(name) => Ok(self.signal(scope, *name)?.bits().to_vec()),
            Expr::Bit(name, index) => Ok(vec![self.select_bit(scope, *name, index)?]),
            Expr::Part(name, kind, bounds) => self.select_part(scope, *name, *kind, bounds),
            Expr::Concat(parts, _) => {
                let mut bits = Vec::new();
                for part in parts.iter().rev() {
                    bits.extend(self.lvalue(scope, part)?);
                }
                Ok(bits)
            }
            other => Err(self.error(
                scope.file,
                other.pos(),
                "expected a net here (a name, a bit or part select, or a concatenation of those)",
            )),
        }
    }

    /// The one net a gate output terminal (or one-bit output pin) writes.
    pub(super) fn lvalue_scalar(
        &mut self,
        scope: &mut Scope<'a>,
        e: &Expr<'a>,
        what: &str,
    ) -> Result<NetId, ElabError> {
        match e {
            Expr::Ident(name) => self.scalar(scope, *name, what),
            Expr::Bit(name, index) => self.select_bit(scope, *name, index),
            other => {
                let bits = self.lvalue(scope, other)?;
                match bits[..] {
                    [one] => Ok(one),
                    _ => Err(self.error(
                        scope.file,
                        other.pos(),
                        format!("{what} must be 1 bit wide, but this is {} bits", bits.len()),
                    )),
                }
            }
        }
    }
}
