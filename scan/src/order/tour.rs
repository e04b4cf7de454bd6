//! Open-path travelling-salesman heuristics on Manhattan distance: nearest neighbour, then 2-opt
//! and Or-opt moves until none gains.
//!
//! Points are integer coordinates (DEF database units), so lengths are exact and every run is
//! deterministic: ties go to the lower point index. Candidate moves are limited to each point's
//! [`NEIGHBOURS`] nearest points (found with a uniform grid), which keeps a pass linear in the
//! number of points; a 2-opt move still reverses a stretch of the path array.

/// A position in database units.
pub type Point = (i64, i64);

/// Candidate neighbours per point for 2-opt and Or-opt.
pub const NEIGHBOURS: usize = 10;

/// Manhattan distance.
#[inline]
pub fn distance(a: Point, b: Point) -> i64 {
    (a.0 - b.0).abs() + (a.1 - b.1).abs()
}

/// Length of the open path visiting `points[tour[0]], points[tour[1]], ...`.
pub fn path_length(points: &[Point], tour: &[u32]) -> i64 {
    tour.windows(2).map(|w| distance(points[w[0] as usize], points[w[1] as usize])).sum()
}

/// A uniform grid of point ids for nearest-point queries.
struct Grid {
    origin: Point,
    cell: i64,
    columns: i64,
    rows: i64,
    buckets: Vec<Vec<u32>>,
    count: usize,
}

impl Grid {
    fn new(points: &[Point], ids: &[u32]) -> Grid {
        let xs = ids.iter().map(|&i| points[i as usize].0);
        let ys = ids.iter().map(|&i| points[i as usize].1);
        let (min_x, max_x) = (xs.clone().min().unwrap_or(0), xs.max().unwrap_or(0));
        let (min_y, max_y) = (ys.clone().min().unwrap_or(0), ys.max().unwrap_or(0));
        let width = (max_x - min_x).max(1);
        let height = (max_y - min_y).max(1);
        // About two points per bucket.
        let area = width as f64 * height as f64;
        let cell = ((area * 2.0 / ids.len().max(1) as f64).sqrt().ceil() as i64).max(1);
        let columns = width / cell + 1;
        let rows = height / cell + 1;
        let mut grid = Grid {
            origin: (min_x, min_y),
            cell,
            columns,
            rows,
            buckets: vec![Vec::new(); (columns * rows) as usize],
            count: ids.len(),
        };
        for &id in ids {
            let b = grid.bucket(points[id as usize]);
            grid.buckets[b].push(id);
        }
        grid
    }

    fn coordinates(&self, p: Point) -> (i64, i64) {
        let c = ((p.0 - self.origin.0) / self.cell).clamp(0, self.columns - 1);
        let r = ((p.1 - self.origin.1) / self.cell).clamp(0, self.rows - 1);
        (c, r)
    }

    fn bucket(&self, p: Point) -> usize {
        let (c, r) = self.coordinates(p);
        (r * self.columns + c) as usize
    }

    fn remove(&mut self, points: &[Point], id: u32) {
        let b = self.bucket(points[id as usize]);
        if let Some(i) = self.buckets[b].iter().position(|&x| x == id) {
            self.buckets[b].swap_remove(i);
            self.count -= 1;
        }
    }

    /// The `k` points nearest `p` (by distance, then id), `exclude` left out.
    fn nearest(&self, points: &[Point], p: Point, k: usize, exclude: Option<u32>) -> Vec<u32> {
        let mut found: Vec<(i64, u32)> = Vec::new();
        let (c, r) = self.coordinates(p);
        let max_ring = self.columns.max(self.rows);
        for ring in 0..=max_ring {
            let mut visit = |cc: i64, rr: i64| {
                if cc < 0 || rr < 0 || cc >= self.columns || rr >= self.rows {
                    return;
                }
                for &id in &self.buckets[(rr * self.columns + cc) as usize] {
                    if Some(id) != exclude {
                        found.push((distance(p, points[id as usize]), id));
                    }
                }
            };
            if ring == 0 {
                visit(c, r);
            } else {
                for cc in c - ring..=c + ring {
                    visit(cc, r - ring);
                    visit(cc, r + ring);
                }
                for rr in r - ring + 1..r + ring {
                    visit(c - ring, rr);
                    visit(c + ring, rr);
                }
            }
            if found.len() >= k {
                found.sort_unstable();
                found.truncate(k);
                // Points in the next ring are at least `ring * cell` away.
                if found[k - 1].0 <= ring * self.cell {
                    break;
                }
            }
        }
        found.sort_unstable();
        found.truncate(k);
        found.into_iter().map(|(_, id)| id).collect()
    }
}

/// Nearest-neighbour path over `ids`, starting from the point nearest the origin (0, 0).
pub fn nearest_neighbour(points: &[Point], ids: &[u32]) -> Vec<u32> {
    let Some(&start) =
        ids.iter().min_by_key(|&&i| (points[i as usize].0.abs() + points[i as usize].1.abs(), i))
    else {
        return Vec::new();
    };
    let mut grid = Grid::new(points, ids);
    let mut built = ids.len();
    let mut tour = Vec::with_capacity(ids.len());
    let mut current = start;
    grid.remove(points, current);
    tour.push(current);
    let mut remaining: Vec<u32> = Vec::new();
    while grid.count > 0 {
        // A sparse grid makes ring searches long: rebuild it over the points left.
        if grid.count * 4 < built && grid.count > 16 {
            remaining.clear();
            remaining.extend(grid.buckets.iter().flatten().copied());
            remaining.sort_unstable();
            grid = Grid::new(points, &remaining);
            built = remaining.len();
        }
        let next = grid.nearest(points, points[current as usize], 1, None)[0];
        grid.remove(points, next);
        tour.push(next);
        current = next;
    }
    tour
}

/// Improves an open path in place with 2-opt and Or-opt (segments of 1 to 3 points, either way
/// round) until no move shortens it. The endpoints may change. Never makes the path longer.
pub fn improve(points: &[Point], tour: &mut [u32]) {
    let n = tour.len();
    if n < 3 {
        return;
    }
    // Work on local ids 0..n: `t` is the path, `pos` the inverse.
    let local: Vec<Point> = tour.iter().map(|&i| points[i as usize]).collect();
    let ids: Vec<u32> = (0..n as u32).collect();
    let grid = Grid::new(&local, &ids);
    let neighbours: Vec<Vec<u32>> = (0..n)
        .map(|i| grid.nearest(&local, local[i], NEIGHBOURS.min(n - 1), Some(i as u32)))
        .collect();
    let mut t: Vec<u32> = ids.clone();
    let mut pos: Vec<u32> = ids;
    let d = |a: u32, b: u32| distance(local[a as usize], local[b as usize]);
    loop {
        let mut improved = false;
        for x in 0..n as u32 {
            for &y in &neighbours[x as usize] {
                let (p, q) = (pos[x as usize] as usize, pos[y as usize] as usize);
                let candidates =
                    if q > p { [(p + 1, q), (p, q - 1)] } else { [(q, p - 1), (q + 1, p)] };
                for (a, b) in candidates {
                    if a >= b || (a == 0 && b == n - 1) {
                        continue;
                    }
                    let mut delta = 0;
                    if a > 0 {
                        delta += d(t[a - 1], t[b]) - d(t[a - 1], t[a]);
                    }
                    if b < n - 1 {
                        delta += d(t[a], t[b + 1]) - d(t[b], t[b + 1]);
                    }
                    if delta < 0 {
                        t[a..=b].reverse();
                        for (i, &v) in t.iter().enumerate().take(b + 1).skip(a) {
                            pos[v as usize] = i as u32;
                        }
                        improved = true;
                        break;
                    }
                }
            }
            for length in 1..=3usize.min(n - 1) {
                let p = pos[x as usize] as usize;
                for start in [Some(p), p.checked_sub(length - 1)] {
                    let Some(start) = start else { continue };
                    if start + length > n {
                        continue;
                    }
                    if or_opt(&mut t, &mut pos, &neighbours, start, length, &d) {
                        improved = true;
                        break;
                    }
                }
            }
        }
        if !improved {
            break;
        }
    }
    // `t` holds local ids; map them back to the caller's ids.
    let original: Vec<u32> = tour.to_vec();
    for (slot, &v) in tour.iter_mut().zip(&t) {
        *slot = original[v as usize];
    }
}

/// Tries to move the segment `t[start..start + length]` next to a neighbour of one of its ends;
/// applies the first move that gains and says whether it did.
fn or_opt(
    t: &mut [u32],
    pos: &mut [u32],
    neighbours: &[Vec<u32>],
    start: usize,
    length: usize,
    d: &impl Fn(u32, u32) -> i64,
) -> bool {
    let n = t.len();
    let end = start + length; // exclusive
    let (first, last) = (t[start], t[end - 1]);
    let before = (start > 0).then(|| t[start - 1]);
    let after = (end < n).then(|| t[end]);
    let mut removal = 0;
    if let Some(u) = before {
        removal -= d(u, first);
    }
    if let Some(v) = after {
        removal -= d(last, v);
    }
    if let (Some(u), Some(v)) = (before, after) {
        removal += d(u, v);
    }
    for &y in neighbours[first as usize].iter().chain(&neighbours[last as usize]) {
        let r = pos[y as usize] as usize;
        if (start..end).contains(&r) {
            continue;
        }
        // Gap g: between t[g - 1] and t[g].
        for gap in [r, r + 1] {
            if (start..=end).contains(&gap) {
                continue;
            }
            let u = (gap > 0).then(|| t[gap - 1]);
            let v = (gap < n).then(|| t[gap]);
            let base = match (u, v) {
                (Some(u), Some(v)) => -d(u, v),
                _ => 0,
            };
            let forward = base + u.map_or(0, |u| d(u, first)) + v.map_or(0, |v| d(last, v));
            let reversed = base + u.map_or(0, |u| d(u, last)) + v.map_or(0, |v| d(first, v));
            let (insertion, reverse) =
                if reversed < forward { (reversed, true) } else { (forward, false) };
            if removal + insertion < 0 {
                let range = if gap < start {
                    t[gap..end].rotate_right(length);
                    if reverse {
                        t[gap..gap + length].reverse();
                    }
                    gap..end
                } else {
                    t[start..gap].rotate_left(length);
                    if reverse {
                        t[gap - length..gap].reverse();
                    }
                    start..gap
                };
                for i in range {
                    pos[t[i] as usize] = i as u32;
                }
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn random_points(seed: u64, n: usize) -> Vec<Point> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..n).map(|_| (rng.gen_range(0..10_000), rng.gen_range(0..10_000))).collect()
    }

    #[test]
    fn nearest_neighbour_visits_every_point_once() {
        let points = random_points(1, 500);
        let ids: Vec<u32> = (0..500).collect();
        let mut tour = nearest_neighbour(&points, &ids);
        tour.sort_unstable();
        assert_eq!(tour, ids);
    }

    #[test]
    fn nearest_neighbour_matches_brute_force() {
        let points = random_points(2, 300);
        let ids: Vec<u32> = (0..300).collect();
        let tour = nearest_neighbour(&points, &ids);
        let mut left: Vec<u32> = ids.clone();
        let start = *left
            .iter()
            .min_by_key(|&&i| (points[i as usize].0.abs() + points[i as usize].1.abs(), i))
            .expect("points");
        let mut brute = vec![start];
        left.retain(|&i| i != start);
        while !left.is_empty() {
            let cur = points[*brute.last().expect("started") as usize];
            let (k, &next) = left
                .iter()
                .enumerate()
                .min_by_key(|(_, &i)| (distance(cur, points[i as usize]), i))
                .expect("left");
            brute.push(next);
            left.remove(k);
        }
        assert_eq!(tour, brute);
    }

    #[test]
    fn improvement_keeps_the_points_and_never_lengthens() {
        for seed in 0..5 {
            let points = random_points(seed, 400);
            let ids: Vec<u32> = (0..400).collect();
            let nn = nearest_neighbour(&points, &ids);
            let mut better = nn.clone();
            improve(&points, &mut better);
            assert!(path_length(&points, &better) <= path_length(&points, &nn));
            let mut sorted = better.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, ids);
            // Deterministic.
            let mut again = nn.clone();
            improve(&points, &mut again);
            assert_eq!(again, better);
        }
    }
}
