//! Compiling a [`Netlist`] into a levelized [`Circuit`] (the full-scan view).

use crate::circuit::{
    Adjacency, Circuit, CircuitInstance, CircuitPin, NameTable, NodeId, ScanCell,
};
use crate::error::NetlistError;
use crate::gate::GateKind;
use crate::netlist::{CellKind, InstanceId, NetId, Netlist};

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

/// A flip-flop as levelizing needs it.
struct FlopPart {
    q: NetId,
    d: NetId,
    instance: u32,
    name: String,
    clock: Option<String>,
    clock_inverted: bool,
}

/// Everything levelizing takes from the netlist's cells and edges, gathered in one pass (and
/// checked: several drivers, gate arity), so that [`Netlist::into_circuit`] can free the graph's
/// edges and the cells before the levelizing proper. Net names are still read from the netlist.
struct Parts {
    /// Non-clock primary inputs, in port order.
    inputs: Vec<NetId>,
    clocks: Vec<String>,
    /// Nets read but driven by nothing, in net order.
    undriven: Vec<NetId>,
    flops: Vec<FlopPart>,
    /// The net each primary output reads.
    outputs: Vec<NetId>,
    gate_kinds: Vec<GateKind>,
    gate_outputs: Vec<NetId>,
    /// The instance of each gate, or empty when the netlist has no standard-cell instances.
    gate_instances: Vec<u32>,
    /// Gate `g` reads `pin_nets[pin_offsets[g]..pin_offsets[g + 1]]`.
    pin_offsets: Vec<u32>,
    pin_nets: Vec<NetId>,
}

impl Parts {
    /// Whether the gates form a combinational loop: a depth-first search from each gate through
    /// the gates driving its pins, over the flat pin lists (much faster than peeling the graph,
    /// whose adjacency lists are linked through one large edge array).
    fn have_loop(&self, bound: usize) -> bool {
        const ON_STACK: u8 = 1;
        const DONE: u8 = 2;
        let mut gate_of_net = vec![NO_NODE; bound];
        for (g, out) in self.gate_outputs.iter().enumerate() {
            gate_of_net[out.index()] = g as u32;
        }
        let mut state = vec![0u8; self.gate_kinds.len()];
        // (gate, position of the next pin to follow)
        let mut stack: Vec<(u32, u32)> = Vec::new();
        for root in 0..self.gate_kinds.len() {
            if state[root] != 0 {
                continue;
            }
            state[root] = ON_STACK;
            stack.push((root as u32, self.pin_offsets[root]));
            while let Some(top) = stack.last_mut() {
                let (g, pin) = *top;
                if pin == self.pin_offsets[g as usize + 1] {
                    state[g as usize] = DONE;
                    stack.pop();
                    continue;
                }
                top.1 += 1;
                let driver = gate_of_net[self.pin_nets[pin as usize].index()];
                if driver == NO_NODE {
                    continue;
                }
                match state[driver as usize] {
                    0 => {
                        state[driver as usize] = ON_STACK;
                        stack.push((driver, self.pin_offsets[driver as usize]));
                    }
                    ON_STACK => return true,
                    _ => {}
                }
            }
        }
        false
    }
}

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
        let parts = self.levelize_parts()?;
        self.levelize_parts_into_circuit(parts, options)
    }

    /// [`Netlist::levelize_with`] for a netlist that is not needed afterwards: the same circuit
    /// or the same error, in less memory. Once the cells and connections are gathered it frees
    /// the graph's edges, the cells and the name table (about two thirds of the netlist) before
    /// levelizing, so that the netlist and the circuit are never held in full at once.
    pub fn into_circuit(mut self, options: &LevelizeOptions) -> Result<Circuit, NetlistError> {
        // Not needed to levelize; free it first.
        self.net_by_name = Default::default();
        let parts = self.levelize_parts()?;
        if parts.have_loop(self.index_bound()) {
            // The borrowing version names the loop.
            drop(parts);
            return self.levelize_with(options);
        }
        self.graph.clear_edges();
        self.graph.shrink_to_fit_edges();
        self.cell_data = Vec::new();
        self.cell_nodes = Vec::new();
        self.levelize_parts_into_circuit(parts, options)
    }

    /// Gathers [`Parts`], failing on several drivers and gates of the wrong arity.
    fn levelize_parts(&self) -> Result<Parts, NetlistError> {
        let bound = self.index_bound();
        if bound >= NO_NODE as usize {
            return Err(NetlistError::TooLarge(format!("{bound} nets and cells")));
        }
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

        // Gates: pins once, flat (CSR style).
        let gate_count = self.gates().count();
        let mut gate_kinds = Vec::with_capacity(gate_count);
        let mut gate_outputs = Vec::with_capacity(gate_count);
        let mut gate_instances = Vec::new();
        let with_instances = !self.instances().is_empty();
        let mut pin_offsets: Vec<u32> = Vec::with_capacity(gate_count + 1);
        let mut pin_nets: Vec<NetId> = Vec::with_capacity(gate_count * 2);
        pin_offsets.push(0);
        let mut buffer = Vec::new();
        for cell in self.gates() {
            self.cell_inputs_into(cell, &mut buffer);
            let c = self.cell(cell);
            let CellKind::Gate(kind) = c.kind else { unreachable!("gates() yields gates only") };
            let (min, max) = kind.arity();
            if buffer.len() < min || buffer.len() > max {
                return Err(NetlistError::Invalid(format!(
                    "gate `{}`{} of kind {kind} has {} inputs",
                    c.name,
                    if c.pos.line > 0 { format!(" (line {})", c.pos.line) } else { String::new() },
                    buffer.len()
                )));
            }
            gate_kinds.push(kind);
            gate_outputs.push(self.cell_output(cell).expect("gates always drive a net"));
            if with_instances {
                gate_instances.push(c.instance.map_or(u32::MAX, |i| i.index() as u32));
            }
            pin_nets.extend_from_slice(&buffer);
            pin_offsets.push(pin_nets.len() as u32);
        }
        pin_nets.shrink_to_fit();

        // Primary inputs, except clock-only ports.
        let control = self.control_nets();
        let mut clocks = Vec::new();
        let mut inputs = Vec::with_capacity(self.inputs().len());
        for &port in self.inputs() {
            let net = self.cell_output(port).expect("input ports always drive their net");
            if control.contains(&net) && self.sink_count(net) == 0 {
                clocks.push(self.net_name(net).to_string());
            } else {
                inputs.push(net);
            }
        }
        let mut outputs = Vec::with_capacity(self.outputs().len());
        for &port in self.outputs() {
            self.cell_inputs_into(port, &mut buffer);
            outputs.push(buffer[0]);
        }
        let mut flops = Vec::with_capacity(self.flops().len());
        for &flop in self.flops() {
            let cell = self.cell(flop);
            self.cell_inputs_into(flop, &mut buffer);
            let (clock, clock_inverted) = match &cell.kind {
                CellKind::Flop(info) => {
                    (info.clock.map(|c| self.net_name(c).to_string()), info.clock_inverted)
                }
                _ => (None, false),
            };
            flops.push(FlopPart {
                q: self.cell_output(flop).expect("flip-flops always drive their Q net"),
                d: buffer[0],
                instance: cell.instance.map_or(u32::MAX, |i| i.index() as u32),
                name: cell.name.to_string(),
                clock,
                clock_inverted,
            });
        }
        Ok(Parts {
            inputs,
            clocks,
            undriven,
            flops,
            outputs,
            gate_kinds,
            gate_outputs,
            gate_instances,
            pin_offsets,
            pin_nets,
        })
    }

    /// Levels and the circuit from [`Parts`]. Reads only net names, the design name and the
    /// instances from the netlist (and its graph to name a loop, should there be one).
    fn levelize_parts_into_circuit(
        &self,
        parts: Parts,
        options: &LevelizeOptions,
    ) -> Result<Circuit, NetlistError> {
        let Parts {
            inputs,
            clocks,
            undriven,
            flops,
            outputs: output_nets,
            gate_kinds,
            gate_outputs,
            gate_instances,
            pin_offsets,
            pin_nets,
        } = parts;
        let bound = self.index_bound();
        let gate_count = gate_kinds.len();
        let gate_pins = |g: usize| &pin_nets[pin_offsets[g] as usize..pin_offsets[g + 1] as usize];

        // Kahn's algorithm over the gates. `node_of_net` serves first as the gate driving each
        // net (one table of four bytes per net and cell rather than two: at 10 million gates
        // each is about 90 MB).
        let mut node_of_net = vec![NO_NODE; bound];
        for (g, out) in gate_outputs.iter().enumerate() {
            node_of_net[out.index()] = g as u32;
        }
        let gate_of_net = &node_of_net;
        // Readers of each gate, as a CSR built from the driver of every pin.
        let mut pending = vec![0u32; gate_count];
        let mut reader_offsets = vec![0u32; gate_count + 1];
        for (g, pending) in pending.iter_mut().enumerate() {
            for net in gate_pins(g) {
                let driver = gate_of_net[net.index()];
                if driver != NO_NODE {
                    *pending += 1;
                    reader_offsets[driver as usize + 1] += 1;
                }
            }
        }
        for g in 0..gate_count {
            reader_offsets[g + 1] += reader_offsets[g];
        }
        // Fill each driver's list from its end, moving its end offset down to its start: no
        // cursor array. (The order within a list does not matter: levels do not depend on it.)
        let mut readers = vec![0u32; reader_offsets[gate_count] as usize];
        for g in 0..gate_count {
            for net in gate_pins(g) {
                let driver = gate_of_net[net.index()];
                if driver != NO_NODE {
                    let end = &mut reader_offsets[driver as usize + 1];
                    *end -= 1;
                    readers[*end as usize] = g as u32;
                }
            }
        }
        // Now driver `d`'s readers are `readers[reader_offsets[d + 1]..reader_offsets[d + 2]]`.
        reader_offsets.remove(0);
        reader_offsets.push(readers.len() as u32);
        let mut level = vec![0u32; gate_count];
        let mut ready: Vec<u32> =
            (0..gate_count as u32).filter(|&g| pending[g as usize] == 0).collect();
        let mut order = Vec::with_capacity(gate_count);
        while let Some(g) = ready.pop() {
            order.push(g);
            let list = reader_offsets[g as usize] as usize..reader_offsets[g as usize + 1] as usize;
            for &r in &readers[list] {
                let r = r as usize;
                level[r] = level[r].max(level[g as usize] + 1);
                pending[r] -= 1;
                if pending[r] == 0 {
                    ready.push(r as u32);
                }
            }
        }
        drop((readers, reader_offsets, pending, ready));
        if order.len() != gate_count {
            let loops = self.combinational_loops();
            let nets = loops.into_iter().next().unwrap_or_default();
            return Err(NetlistError::CombinationalLoop {
                nets: nets.iter().map(|&n| self.net_name(n).to_string()).collect(),
            });
        }
        // Gates read only inputs and constants are at level 1: inputs sit at level 0.
        order.sort_unstable_by_key(|&g| (level[g as usize], g));
        drop(level);
        node_of_net.fill(NO_NODE);

        let mut kinds: Vec<GateKind> = Vec::new();
        let mut names = NameTable::default();
        let mut new_node = |kind: GateKind, name: &str, kinds: &mut Vec<GateKind>| {
            kinds.push(kind);
            names.push(name);
            NodeId(kinds.len() as u32 - 1)
        };
        for &net in &inputs {
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
        let mut instance_of = |instance: u32| {
            if let Some(id) = self.instances().get(instance as usize).map(|_| instance) {
                instance_ids[id as usize] = Some(InstanceId::new(id));
            }
            instance
        };
        for flop in &flops {
            node_of_net[flop.q.index()] =
                new_node(GateKind::Input, self.net_name(flop.q), &mut kinds).0;
            node_instances.push(instance_of(flop.instance));
        }
        if options.undriven == UndrivenPolicy::TieX {
            for &net in &undriven {
                node_of_net[net.index()] =
                    new_node(GateKind::ConstX, self.net_name(net), &mut kinds).0;
                node_instances.push(u32::MAX);
            }
        }
        for &g in &order {
            let out = gate_outputs[g as usize];
            node_of_net[out.index()] =
                new_node(gate_kinds[g as usize], self.net_name(out), &mut kinds).0;
            node_instances.push(match gate_instances.get(g as usize) {
                Some(&instance) => instance_of(instance),
                None => u32::MAX,
            });
        }
        drop((gate_kinds, gate_outputs, gate_instances));

        // Fanin lists in node order.
        let n = kinds.len();
        let mut fanin = Adjacency { offsets: Vec::with_capacity(n + 1), targets: Vec::new() };
        fanin.targets.reserve_exact(pin_nets.len());
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
        drop(order);
        let mut levels = vec![0u32; n];
        for node in first_gate..n {
            let fi = &fanin.targets[fanin.offsets[node] as usize..fanin.offsets[node + 1] as usize];
            levels[node] = fi.iter().map(|f| levels[f.index()] + 1).max().unwrap_or(0);
        }
        let fanout = fanin.transpose(n);

        let node_of = |net: NetId| NodeId(node_of_net[net.index()]);
        let mut outputs = Vec::with_capacity(output_nets.len() + flops.len());
        outputs.extend(output_nets.iter().map(|&net| node_of(net)));
        let num_primary_outputs = outputs.len();
        let mut scan_cells = Vec::with_capacity(flops.len());
        for flop in flops {
            let d = node_of(flop.d);
            outputs.push(d);
            scan_cells.push(ScanCell {
                name: flop.name,
                q: node_of(flop.q),
                d,
                clock: flop.clock,
                clock_inverted: flop.clock_inverted,
            });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{random_netlist, RandomSpec};

    fn both(netlist: &Netlist, options: &LevelizeOptions) -> (String, String) {
        (
            format!("{:?}", netlist.clone().into_circuit(options)),
            format!("{:?}", netlist.levelize_with(options)),
        )
    }

    #[test]
    fn into_circuit_gives_what_levelize_gives() {
        let policies = [UndrivenPolicy::TieX, UndrivenPolicy::Input];
        for seed in 0..4 {
            let spec =
                RandomSpec { flops: 6, gates: 300, extended_kinds: true, ..Default::default() };
            let netlist = random_netlist(seed, &spec);
            for undriven in policies {
                let (consumed, borrowed) = both(&netlist, &LevelizeOptions { undriven });
                assert_eq!(consumed, borrowed, "seed {seed}");
            }
        }
        let texts = [
            // A loop through two gates.
            "INPUT(a)\nOUTPUT(y)\ny = AND(a, z)\nz = NOT(y)\n",
            // An undriven net.
            "INPUT(a)\nOUTPUT(y)\ny = AND(a, u)\nq = DFF(y)\n",
        ];
        for text in texts {
            let netlist = crate::bench::parse_bench(text, "t.bench").expect("parses");
            for undriven in policies {
                let (consumed, borrowed) = both(&netlist, &LevelizeOptions { undriven });
                assert_eq!(consumed, borrowed, "{text}");
            }
        }
        // Two drivers.
        let mut netlist = Netlist::new("t");
        let (a, y) = (netlist.net("a"), netlist.net("y"));
        netlist.add_input(a);
        netlist.add_output(y);
        netlist.add_gate("g1", GateKind::Not, &[a], y);
        netlist.add_gate("g2", GateKind::Buf, &[a], y);
        let (consumed, borrowed) = both(&netlist, &LevelizeOptions::default());
        assert!(borrowed.contains("MultipleDrivers"), "{borrowed}");
        assert_eq!(consumed, borrowed);
    }
}
