//! Instances of Liberty cells: connections checked against the cell's pins (positional ones
//! in library pin order) and handed to [`LibCell::instantiate`], which decomposes the cell.

use std::rc::Rc;

use super::super::ast::{Connections, Expr as Ast, Instance};
use super::signals::Scope;
use super::Elaborator;
use crate::error::{ParseError, SourcePos};
use crate::liberty::LibCell;
use crate::netlist::NetId;

impl<'a, 'o> Elaborator<'a, 'o> {
    pub(super) fn library_cell(&self, cell: &str) -> Option<&'o LibCell> {
        self.library.and_then(|l| l.cell(cell))
    }

    /// An instance of a Liberty cell.
    pub(super) fn library_instance(
        &mut self,
        scope: &mut Scope<'a>,
        inst: &Instance<'a>,
    ) -> Result<(), ParseError> {
        let cell_type = inst.cell.text;
        let Some(lib_cell) = self.library_cell(cell_type) else { return Ok(()) };
        let pins = match self.pin_names.get(cell_type) {
            Some(p) => p.clone(),
            None => {
                let p: Rc<[&'o str]> = lib_cell.pin_names().into();
                self.pin_names.insert(cell_type, p.clone());
                p
            }
        };
        let name = self.instance_name(scope, inst.name.text);
        let mut connections: Vec<(&str, NetId)> = Vec::with_capacity(pins.len());
        let pairs: Vec<(&str, &Ast<'a>, SourcePos)> = match &inst.connections {
            Connections::Positional(list) => {
                if list.len() > pins.len() {
                    return Err(self.error(
                        scope.file,
                        inst.name.pos,
                        format!(
                            "too many connections for `{}`: {} given, cell `{}` has {} pins",
                            inst.name.text,
                            list.len(),
                            cell_type,
                            pins.len()
                        ),
                    ));
                }
                pins.iter()
                    .zip(list)
                    .filter_map(|(p, e)| e.as_ref().map(|e| (*p, e, e.pos())))
                    .collect()
            }
            Connections::Named(list) => {
                let mut out = Vec::with_capacity(list.len());
                for (pin, e) in list {
                    let Some(&p) = pins.iter().find(|p| **p == pin.text) else {
                        return Err(self.error(
                            scope.file,
                            pin.pos,
                            format!(
                                "cell `{cell_type}` has no pin `{}` (pins: {})",
                                pin.text,
                                pins.join(", ")
                            ),
                        ));
                    };
                    if out.iter().any(|&(q, _, _)| q == p) {
                        return Err(self.error(
                            scope.file,
                            pin.pos,
                            format!("pin `{}` is connected twice", pin.text),
                        ));
                    }
                    if let Some(e) = e {
                        out.push((p, e, pin.pos));
                    }
                }
                out
            }
        };
        for (pin, e, _) in pairs {
            // Outputs and inputs look alike here (the library knows which is which): nets are
            // passed as they are, and only a computed value gets gates of its own.
            let net = match e {
                Ast::Ident(_) | Ast::Bit(..) | Ast::Part(..) | Ast::Concat(..) => {
                    let bits = self.lvalue(scope, e)?;
                    match bits[..] {
                        [one] => one,
                        _ => {
                            return Err(self.error(
                                scope.file,
                                e.pos(),
                                format!(
                                    "pin `{pin}` of `{cell_type}` is 1 bit, not {} bits",
                                    bits.len()
                                ),
                            ))
                        }
                    }
                }
                other => self.input_net(scope, other, "a cell pin connection", &name)?,
            };
            connections.push((pin, net));
        }
        lib_cell.instantiate(&mut self.netlist, &name, &connections, inst.name.pos).map_err(
            |m| {
                self.error(
                    scope.file,
                    inst.name.pos,
                    format!("instance `{}` of cell `{cell_type}`: {m}", inst.name.text),
                )
            },
        )?;
        Ok(())
    }
}
