//! Writing command output: atomically to files (temporary file, then rename) or to stdout, and
//! the parts of reports that several commands write.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use atpg::flow::{AbortReason, FlowResult};

/// Writes `contents` to `path` so that readers never see a half-written file: the data goes to a
/// temporary file in the same directory, which is then renamed over the target.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    temp.write_all(contents).with_context(|| format!("writing {}", path.display()))?;
    temp.persist(path)
        .with_context(|| format!("renaming the temporary file to {}", path.display()))?;
    Ok(())
}

/// Prints a serialisable value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    println!("{text}");
    Ok(())
}

/// An aborted fault in the report: its name, why test generation gave up on it, and the SAT
/// conflicts spent on it as a target.
#[derive(Debug, serde::Serialize)]
pub struct AbortedFault {
    /// The fault's name.
    pub fault: String,
    /// Why test generation gave up on it.
    pub reason: AbortReason,
    /// SAT conflicts spent on it as a target (where the flow counts them).
    pub conflicts: Option<u64>,
}

/// The aborted faults of `result`, a run of the flow on `circuit` (the two-frame circuit for
/// transition faults).
pub fn aborted_faults(
    circuit: &netlist::Circuit,
    result: &FlowResult,
    shard: Option<atpg::shard::Shard>,
) -> Vec<AbortedFault> {
    let faults = match shard {
        Some(shard) => shard.select(result.collapsed.faults()),
        None => result.collapsed.faults().to_vec(),
    };
    // `abort_reasons` is `Some` exactly where the status is aborted.
    faults
        .iter()
        .zip(&result.abort_reasons)
        .enumerate()
        .filter_map(|(k, (&fault, &reason))| {
            Some(AbortedFault {
                fault: result.universe.fault_name(circuit, fault),
                reason: reason?,
                conflicts: result.labels.as_ref().map(|labels| labels[k].sat_conflicts),
            })
        })
        .collect()
}
