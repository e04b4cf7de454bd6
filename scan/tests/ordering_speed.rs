//! Ordering 100,000 cells: nearest neighbour, then 2-opt and Or-opt, shorten the path. Timings
//! are printed (2.5 s on the shared 2-core machine), never asserted: speed is measured, not
//! tested.

use rand::{Rng, SeedableRng};
use scan::order::tour::{improve, nearest_neighbour, path_length, Point};

#[test]
fn hundred_thousand_cells_are_ordered_shorter_than_nearest_neighbour() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(100_000);
    // Cells on placement rows: 1.4 um rows, x anywhere on a 2 mm die (2000 units per micron).
    let points: Vec<Point> = (0..100_000)
        .map(|_| (rng.gen_range(0..4_000_000), rng.gen_range(0..1428) * 2800))
        .collect();
    let ids: Vec<u32> = (0..points.len() as u32).collect();
    let start = std::time::Instant::now();
    let nearest = nearest_neighbour(&points, &ids);
    let after_nearest = start.elapsed();
    let mut tour = nearest.clone();
    improve(&points, &mut tour);
    let total = start.elapsed();
    let (a, b) = (path_length(&points, &nearest), path_length(&points, &tour));
    eprintln!(
        "100,000 cells: nearest neighbour {:.2} s, total {:.2} s; length {a} -> {b} ({:+.1}%)",
        after_nearest.as_secs_f64(),
        total.as_secs_f64(),
        (b - a) as f64 / a as f64 * 100.0
    );
    assert!(b < a, "2-opt and Or-opt did not shorten the nearest-neighbour path");
}
