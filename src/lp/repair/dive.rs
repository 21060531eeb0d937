//! A quick answer to a keep program whose full practices choose their net changes: fix the
//! choices one at a time as the LP relaxation leans ("diving"), then solve what is left.
//!
//! HiGHS spends most of a small keep program's time on root cuts and sub-MIPs: on
//! Enschede (programs of ~200 rows and ~1,100 candidate columns) 0.8–1.7 s a phase, while
//! with every choice fixed the program is as easy as one without choices (0.01 s). A dive
//! takes 25–50 relaxations of ~1 ms each. Its plan is not optimal, but the first relaxation
//! bounds how far it can be from the optimum, so the caller keeps it when that distance is
//! small against the plan's tolerance (see `keep::choose`), and otherwise hands it to
//! HiGHS as the start.
//!
//! Fixing the candidate the relaxation takes most (and, when a fix leaves the relaxation
//! without a solution, forbidding it and going on) was the best of the orders tried on
//! Enschede: comparing the two or three leading candidates by their relaxation's value
//! ended in infeasible fixes more often and lost more where it did not.

use highs::{Col, HighsModelStatus, Model, RowProblem, Sense};

use super::super::solve::{configure, solve_counted};

/// What a dive found.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Dive {
    /// Per full practice, the candidate it takes.
    pub picks: Vec<usize>,
    /// The relaxation's value before any fix: a lower bound on the program's optimum.
    pub bound: f64,
}

/// Dives into `pb`, whose full practices choose one each of their candidates' binary
/// columns (`choices`). `None` if a relaxation has no solution even after undoing the fix
/// that led to it, or after about four relaxations per practice.
pub(super) fn dive(pb: &RowProblem, choices: &[Vec<Col>], seconds: f64) -> Option<Dive> {
    let mut model = pb.clone().try_optimise(Sense::Minimise).ok()?;
    configure(&mut model, seconds, false).ok()?;
    model.try_set_option("solve_relaxation", true).ok()?;
    let mut allowed: Vec<Vec<bool>> = choices.iter().map(|c| vec![true; c.len()]).collect();
    let mut fixed: Vec<Option<usize>> = vec![None; choices.len()];
    let mut last: Option<(usize, usize)> = None;
    let mut bound = None;
    for _ in 0..4 * choices.len() + 10 {
        let solved = solve_counted(model).ok()?;
        let values = (solved.status() == HighsModelStatus::Optimal)
            .then(|| solved.get_solution().columns().to_vec());
        if values.is_some() && bound.is_none() {
            bound = Some(solved.objective_value());
        }
        model = solved.into();
        let Some(values) = values else {
            // The last fix left no solution: undo it and forbid that candidate.
            let (k, b) = last.take()?;
            fixed[k] = None;
            allowed[k][b] = false;
            if !allowed[k].contains(&true) {
                return None;
            }
            allow(&mut model, &choices[k], |b| allowed[k][b]);
            continue;
        };
        // The free practice's candidate that the relaxation takes most (ties: the first).
        let values = &values;
        let next = choices
            .iter()
            .enumerate()
            .filter(|&(k, _)| fixed[k].is_none())
            .flat_map(|(k, cols)| {
                let allowed = &allowed[k];
                cols.iter()
                    .enumerate()
                    .filter(move |&(b, _)| allowed[b])
                    .map(move |(b, c)| (values[c.index()], k, b))
            })
            .max_by(|x, y| x.0.total_cmp(&y.0).then(y.1.cmp(&x.1)).then(y.2.cmp(&x.2)));
        let Some((_, k, b)) = next else {
            let picks = fixed.into_iter().map(|f| f.unwrap_or(0)).collect();
            return bound.map(|bound| Dive { picks, bound });
        };
        fixed[k] = Some(b);
        last = Some((k, b));
        allow(&mut model, &choices[k], |c| c == b);
    }
    None
}

/// Bounds each of a practice's candidate columns to 0..=1 where `open`, else to 0.
fn allow(model: &mut Model, cols: &[Col], open: impl Fn(usize) -> bool) {
    for (b, &c) in cols.iter().enumerate() {
        model.change_column_bounds(c, 0.0..=if open(b) { 1.0 } else { 0.0 });
    }
}

#[cfg(test)]
mod tests {
    use highs::RowProblem;

    use super::dive;

    /// Practices A and B choose candidate 0 or 1; candidate 1 costs 10 at A and 1 at B, and
    /// `2·a0 + 2·b0 ≤ 3.2`. The relaxation takes a0 = 1, b0 = 0.6 and b1 = 0.4 (value
    /// 0.4). The dive fixes a0 (most taken), then b0, which leaves no solution: it is undone
    /// and forbidden, and b1 taken. The optimum is (a0, b1) at 1.
    #[test]
    fn a_dive_fixes_the_most_taken_candidate_and_undoes_a_dead_end() {
        let mut pb = RowProblem::default();
        let a = [
            pb.add_integer_column(0.0, 0..=1),
            pb.add_integer_column(10.0, 0..=1),
        ];
        let b = [
            pb.add_integer_column(0.0, 0..=1),
            pb.add_integer_column(1.0, 0..=1),
        ];
        pb.add_row(1..=1, [(a[0], 1.0), (a[1], 1.0)]);
        pb.add_row(1..=1, [(b[0], 1.0), (b[1], 1.0)]);
        pb.add_row(..=3.2, [(a[0], 2.0), (b[0], 2.0)]);
        let found = dive(&pb, &[a.to_vec(), b.to_vec()], 10.0).expect("a dive");
        assert_eq!(found.picks, [0, 1]);
        assert!((found.bound - 0.4).abs() < 1e-9, "bound {}", found.bound);
        // A program whose relaxation has no solution gives no dive.
        let mut pb = RowProblem::default();
        let a = [pb.add_integer_column(0.0, 0..=1)];
        let b = [pb.add_integer_column(0.0, 0..=1)];
        pb.add_row(1..=1, [(a[0], 1.0)]);
        pb.add_row(1..=1, [(b[0], 1.0)]);
        pb.add_row(..=3, [(a[0], 2.0), (b[0], 2.0)]);
        assert_eq!(dive(&pb, &[a.to_vec(), b.to_vec()], 10.0), None);
    }
}
