//! Compiling a [`Netlist`] into a levelized [`Circuit`] (the full-scan view).

use crate::circuit::{
    Adjacency, Circuit, CircuitInstance, CircuitPin, NameTable, NodeId, ScanCell,
};
use crate::error::NetlistError;
use crate::gate::GateKind;
use crate::netlist::{CellId, CellKind, InstanceId, NetId, Netlist};

/// What to do with a net that is read but driven by nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum UndrivenPolicy {
    /// Tie the net to an unknown value (X): faults it masks count as undetectable.
    #[default]
    TieX,
    /// Treat the net as an extra primary input, after the declared ones.
    Input,
}

impl std::fmt::Display for UndrivenPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            UndrivenPolicy::TieX => "tied to X",
            UndrivenPolicy::Input => "treated as primary inputs",
        })
    }
}

/// Options for [`Netlist::levelize_with`].
#[derive(Debug, Clone, Copy, Default)]
pub struct LevelizeOptions {
    /// Policy for undriven nets.
    pub undriven: UndrivenPolicy,
}

const NO_NODE: u32 = u32::MAX;

impl Netlist {
    /// Compiles the netlist with the default options (undriven nets tied to X).
    pub fn levelize(&self) -> Result<Circuit, NetlistError> {
        self.levelize_with(&LevelizeOptions::default())
    }

    /// Compiles the netlist into a levelized [`Circuit`].
    ///
    /// Fails on nets with several drivers, gates with a wrong number of inputs and combinational
    /// loops, naming the nets concerned. Input ports that feed nothing but flip-flop clocks, sets
    /// and resets become [`Circuit::clocks`] rather than pattern inputs.
    pub fn levelize_with(&self, options: &LevelizeOptions) -> Result<Circuit, NetlistError> {
        let bound = self.index_bound();
        if bound >= NO_NODE as usize {
            return Err(NetlistError::TooLarge(format!("{bound} nets and cells")));
        }
        let mut node_of_net = vec![NO_NODE; bound];
        let mut kinds: Vec<GateKind> = Vec::new();
        let mut names = NameTable::default();
        let mut new_node = |kind: GateKind, name: &str, kinds: &mut Vec<GateKind>| {
            kinds.push(kind);
            names.push(name);
            NodeId(kinds.len() as u32 - 1)
        };

        // Drivers: exactly one per net that is read.
        let mut undriven = Vec::new();
        for net in self.nets() {
            let count = self.driver_count(net);
            if count > 1 {
                let drivers = self.net_drivers(net);
                let list: Vec<String> = drivers
                    .iter()
                    .map(|&c| {
                        let cell = self.cell(c);
                        if cell.pos.line > 0 {
                            format!("`{}` (line {})", cell.name, cell.pos.line)
                        } else {
                            format!("`{}`", cell.name)
                        }
                    })
                    .collect();
                return Err(NetlistError::MultipleDrivers {
                    net: self.net_name(net).to_string(),
                    count: drivers.len(),
                    drivers: list.join(", "),
                });
            }
            if count == 0 && self.sink_count(net) > 0 {
                undriven.push(net);
            }
        }

        // Primary inputs, except clock-only ports.
        let control = self.control_nets();
        let mut clocks = Vec::new();
        for &port in self.inputs() {
            let net = self.cell_output(port).expect("input ports always drive their net");
            if control.contains(&net) && self.sink_count(net) == 0 {
                clocks.push(self.net_name(net).to_string());
                continue;
            }
            node_of_net[net.index()] = new_node(GateKind::Input, self.net_name(net), &mut kinds).0;
        }
        if options.undriven == UndrivenPolicy::Input {
            for &net in &undriven {
                node_of_net[net.index()] =
                    new_node(GateKind::Input, self.net_name(net), &mut kinds).0;
            }
        }
        let num_primary_inputs = kinds.len();

        // Pseudo inputs: one per flip-flop, in netlist order. From here on every new node also
        // records the standard-cell instance it comes from, so fault sites can be cell pins.
        let mut instance_ids: Vec<Option<InstanceId>> = vec![None; self.instances().len()];
        let mut node_instances = vec![u32::MAX; kinds.len()];
        let mut instance_of = |cell: CellId| match self.cell(cell).instance {
            Some(id) => {
                instance_ids[id.index()] = Some(id);
                id.index() as u32
            }
            None => u32::MAX,
        };
        for &flop in self.flops() {
            let q = self.cell_output(flop).expect("flip-flops always drive their Q net");
            node_of_net[q.index()] = new_node(GateKind::Input, self.net_name(q), &mut kinds).0;
            node_instances.push(instance_of(flop));
        }
        if options.undriven == UndrivenPolicy::TieX {
            for &net in &undriven {
                node_of_net[net.index()] =
                    new_node(GateKind::ConstX, self.net_name(net), &mut kinds).0;
                node_instances.push(u32::MAX);
            }
        }

        // Gates: collect pins once (flat, CSR style), then Kahn's algorithm for levels.
        let gates: Vec<CellId> = self.gates().collect();
        let mut pin_offsets: Vec<u32> = Vec::with_capacity(gates.len() + 1);
        let mut pin_nets: Vec<NetId> = Vec::with_capacity(gates.len() * 2);
        pin_offsets.push(0);
        let mut gate_of_net = vec![u32::MAX; bound];
        let mut buffer = Vec::new();
        for (g, &cell) in gates.iter().enumerate() {
            self.cell_inputs_into(cell, &mut buffer);
            let CellKind::Gate(kind) = self.cell(cell).kind else {
                unreachable!("gates() yields gates only")
            };
            let (min, max) = kind.arity();
            if buffer.len() < min || buffer.len() > max {
                let c = self.cell(cell);
                return Err(NetlistError::Invalid(format!(
                    "gate `{}`{} of kind {kind} has {} inputs",
                    c.name,
                    if c.pos.line > 0 { format!(" (line {})", c.pos.line) } else { String::new() },
                    buffer.len()
                )));
            }
            let out = self.cell_output(cell).expect("gates always drive a net");
            gate_of_net[out.index()] = g as u32;
            pin_nets.extend_from_slice(&buffer);
            pin_offsets.push(pin_nets.len() as u32);
        }
        let gate_pins = |g: usize| &pin_nets[pin_offsets[g] as usize..pin_offsets[g + 1] as usize];
        // Readers of each gate, as a CSR built from the driver of every pin.
        let mut pending = vec![0u32; gates.len()];
        let mut reader_offsets = vec![0u32; gates.len() + 1];
        for (g, pending) in pending.iter_mut().enumerate() {
            for net in gate_pins(g) {
                let driver = gate_of_net[net.index()];
                if driver != u32::MAX {
                    *pending += 1;
                    reader_offsets[driver as usize + 1] += 1;
                }
            }
        }
        for g in 0..gates.len() {
            reader_offsets[g + 1] += reader_offsets[g];
        }
        let mut fill = reader_offsets.clone();
        let mut readers = vec![0u32; reader_offsets[gates.len()] as usize];
        for g in 0..gates.len() {
            for net in gate_pins(g) {
                let driver = gate_of_net[net.index()];
                if driver != u32::MAX {
                    readers[fill[driver as usize] as usize] = g as u32;
                    fill[driver as usize] += 1;
                }
            }
        }
        drop(fill);
        let mut level = vec![0u32; gates.len()];
        let mut ready: Vec<u32> =
            (0..gates.len() as u32).filter(|&g| pending[g as usize] == 0).collect();
        let mut order = Vec::with_capacity(gates.len());
        while let Some(g) = ready.pop() {
            order.push(g);
            for &r in &readers
                [reader_offsets[g as usize] as usize..reader_offsets[g as usize + 1] as usize]
            {
                let r = r as usize;
                level[r] = level[r].max(level[g as usize] + 1);
                pending[r] -= 1;
                if pending[r] == 0 {
                    ready.push(r as u32);
                }
            }
        }
        drop(readers);
        drop(reader_offsets);
        if order.len() != gates.len() {
            let loops = self.combinational_loops();
            let nets = loops.into_iter().next().unwrap_or_default();
            return Err(NetlistError::CombinationalLoop {
                nets: nets.iter().map(|&n| self.net_name(n).to_string()).collect(),
            });
        }
        // Gates read only inputs and constants are at level 1: inputs sit at level 0.
        order.sort_unstable_by_key(|&g| (level[g as usize], g));
        for &g in &order {
            let cell = gates[g as usize];
            let CellKind::Gate(kind) = self.cell(cell).kind else {
                unreachable!("gates() yields gates only")
            };
            let out = self.cell_output(cell).expect("gates always drive a net");
            node_of_net[out.index()] = new_node(kind, self.net_name(out), &mut kinds).0;
            node_instances.push(instance_of(cell));
        }

        // Fanin lists in node order.
        let n = kinds.len();
        let mut fanin = Adjacency { offsets: Vec::with_capacity(n + 1), targets: Vec::new() };
        fanin.offsets.push(0);
        let first_gate = n - order.len();
        for _ in 0..first_gate {
            fanin.offsets.push(0);
        }
        for &g in &order {
            for net in gate_pins(g as usize) {
                fanin.targets.push(NodeId(node_of_net[net.index()]));
            }
            fanin.offsets.push(fanin.targets.len() as u32);
        }
        let mut levels = vec![0u32; n];
        for node in first_gate..n {
            let fi = &fanin.targets[fanin.offsets[node] as usize..fanin.offsets[node + 1] as usize];
            levels[node] = fi.iter().map(|f| levels[f.index()] + 1).max().unwrap_or(0);
        }
        let fanout = fanin.transpose(n);

        let node_of = |net: NetId| NodeId(node_of_net[net.index()]);
        let mut outputs = Vec::with_capacity(self.outputs().len() + self.flops().len());
        for &port in self.outputs() {
            self.cell_inputs_into(port, &mut buffer);
            outputs.push(node_of(buffer[0]));
        }
        let num_primary_outputs = outputs.len();
        let mut scan_cells = Vec::with_capacity(self.flops().len());
        for &flop in self.flops() {
            let cell = self.cell(flop);
            self.cell_inputs_into(flop, &mut buffer);
            let d = node_of(buffer[0]);
            let q = node_of(self.cell_output(flop).expect("flip-flops always drive their Q net"));
            outputs.push(d);
            let (clock, clock_inverted) = match &cell.kind {
                CellKind::Flop(info) => {
                    (info.clock.map(|c| self.net_name(c).to_string()), info.clock_inverted)
                }
                _ => (None, false),
            };
            scan_cells.push(ScanCell { name: cell.name.clone(), q, d, clock, clock_inverted });
        }

        debug_assert_eq!(node_instances.len(), kinds.len(), "one instance entry per node");
        let node_of_pin = |net: NetId| match node_of_net[net.index()] {
            NO_NODE => None,
            node => Some(NodeId(node)),
        };
        let instances = self
            .instances()
            .iter()
            .map(|instance| CircuitInstance {
                name: instance.name.clone(),
                cell_type: instance.cell_type.clone(),
                pins: instance
                    .pins
                    .iter()
                    .map(|pin| CircuitPin {
                        name: pin.name.clone(),
                        direction: pin.direction,
                        node: node_of_pin(pin.net),
                    })
                    .collect(),
            })
            .collect();

        Ok(Circuit {
            name: self.name().to_string(),
            kinds,
            levels,
            fanin,
            fanout,
            names,
            num_primary_inputs,
            outputs,
            num_primary_outputs,
            scan_cells,
            clocks,
            node_instances,
            instance_ids,
            instances,
        })
    }
}
