//! Fault accounting shared by every report the project writes (the JSON key names are part of
//! the interface: `total`, `detected`, `undetected`, `fault_coverage`).

use crate::patterns::PatternId;

/// Counts of a fault list after grading.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FaultCounts {
    /// Faults in the list.
    pub total: usize,
    /// Faults some pattern detects.
    pub detected: usize,
    /// Faults no pattern detects.
    pub undetected: usize,
    /// `detected / total`, in percent (0 for an empty list).
    pub fault_coverage: f64,
}

impl FaultCounts {
    /// Counts from per-fault first detections.
    pub fn from_detections<'a>(
        detections: impl IntoIterator<Item = &'a Option<PatternId>>,
    ) -> Self {
        let (mut total, mut detected) = (0, 0);
        for d in detections {
            total += 1;
            detected += usize::from(d.is_some());
        }
        FaultCounts {
            total,
            detected,
            undetected: total - detected,
            fault_coverage: percent(detected, total),
        }
    }
}

/// `part / whole` in percent, 0 when `whole` is 0.
pub fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// Cumulative coverage after each of `patterns` patterns, in percent of `detections.len()`.
pub fn coverage_curve(detections: &[Option<PatternId>], patterns: usize) -> Vec<f64> {
    let mut new_per_pattern = vec![0usize; patterns];
    for p in detections.iter().flatten() {
        new_per_pattern[p.index()] += 1;
    }
    let mut detected = 0;
    new_per_pattern
        .into_iter()
        .map(|n| {
            detected += n;
            percent(detected, detections.len())
        })
        .collect()
}
