//! Automatic test pattern generation over the levelized [`netlist::Circuit`].
//!
//! Structure, following the data flow of `DESIGN.md`:
//! - [`fault`]: the stuck-at fault universe (stems and branches, on cell pins for standard-cell
//!   designs), equivalence and dominance collapsing, and the map back to every uncollapsed fault;
//! - [`sim`]: good-machine simulation and PPSFP fault simulation, two- and three-valued, 64
//!   patterns per word and several words per pass, parallel across faults;
//! - [`patterns`]: pattern sets and the text pattern format;
//! - [`report`]: the fault accounting every report shares;
//! - [`flow`]: the ATPG flow (random phase, SAT with dynamic compaction, fill, static
//!   compaction, self-check) and what it reports;
//! - [`sat`]: SAT-based test generation for one fault at a time (Tseitin encoding of the good
//!   circuit once, a faulty copy of the fault's cone per fault, every answer re-simulated).
//!
//! Invariants: no I/O outside `read_*` functions; nothing panics on user input (pattern files
//! are checked and every problem is a [`netlist::ParseError`] naming file, line and column);
//! every result is independent of the number of threads.

pub mod fault;
pub mod flow;
pub mod patterns;
pub mod report;
pub mod sat;
pub mod sim;
pub mod testbench;
