//! Automatic test pattern generation over the levelized [`netlist::Circuit`].
//!
//! Structure, following the data flow of `DESIGN.md`:
//! - [`fault`]: the stuck-at fault universe (stems and branches, on cell pins for standard-cell
//!   designs), equivalence and dominance collapsing, and the map back to every uncollapsed fault;
//! - [`sim`]: good-machine simulation and PPSFP fault simulation, two- and three-valued, 64
//!   patterns per word and several words per pass, parallel across faults;
//! - [`patterns`]: pattern sets, the text pattern format and STIL (IEEE 1450);
//! - [`report`]: the fault accounting every report shares, and the report of a run;
//! - [`sat`]: SAT-based test generation for one fault at a time (the good circuit encoded cone
//!   by cone, a guarded faulty copy of the fault's cone per fault, every answer cut down by
//!   justification and re-simulated), and SAT sweeping for the hardest faults;
//! - [`flow`]: the ATPG flow (random phase, SAT with dynamic compaction, fill, second pass and
//!   sweeping, static compaction, self-check) and what it reports;
//! - [`shard`]: a run split into shards of the fault list, and the merge of their results;
//! - [`transition`]: transition-delay faults (slow-to-rise, slow-to-fall) under launch-on-capture
//!   or launch-on-shift, run through the same machinery on the two-frame unrolled circuit;
//! - [`testbench`]: self-checking Verilog testbenches that replay a pattern file.
//!
//! Invariants: no I/O outside `read_*` functions; nothing panics on user input (pattern files
//! are checked and every problem is a [`netlist::ParseError`] naming file, line and column);
//! every result is independent of the number of threads.

pub mod fault;
pub mod flow;
pub mod patterns;
pub mod rank;
pub mod report;
pub mod sat;
pub mod shard;
pub mod sim;
pub mod testbench;
pub mod transition;
