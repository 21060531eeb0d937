//! `spreiding sensitivity`: files, terminal and progress around `spreiding::sensitivity`.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use spreiding::format::SkippedFile;
use spreiding::lp::SolveOptions;
use spreiding::sensitivity::{self, Base, Scenario, ScenarioError, file_name, report};
use spreiding::validate::Problem;

use super::{Failure, is_standard_stream, read_text, write_atomically};

/// The command's arguments.
pub struct Args {
    pub instance: PathBuf,
    pub scenarios: Option<PathBuf>,
    pub sweeps: Vec<String>,
    pub output: Option<PathBuf>,
    pub csv: Option<PathBuf>,
    pub write_instances: Option<PathBuf>,
    pub options: SolveOptions,
    pub quiet: bool,
}

fn problems_message(header: String, problems: &[Problem]) -> String {
    let mut msg = header;
    for p in problems {
        let _ = writeln!(msg, "  {p}");
    }
    msg
}

/// Reads and checks everything (every problem at once), solves, writes.
pub fn run(args: &Args) -> Result<(), Failure> {
    if args.scenarios.is_none() && args.sweeps.is_empty() {
        return Err(Failure::Input(
            "error: nothing to run; give --scenarios FILE and/or --sweep SPEC (e.g. --sweep closure)\n"
                .into(),
        ));
    }
    let text = read_text(&args.instance)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Failure::Input(format!(
            "error: {}: invalid JSON: {e}\n",
            args.instance.display()
        ))
    })?;
    let base = Base::from_value(&value).map_err(|problems| {
        Failure::Input(problems_message(
            format!(
                "error: {}: the instance has {} problem(s)\n",
                args.instance.display(),
                problems.len()
            ),
            &problems,
        ))
    })?;

    // Every problem of the scenario file and the sweeps, before anything is solved.
    let mut errors = String::new();
    let mut scenarios: Vec<Scenario> = Vec::new();
    let scenario_label = args
        .scenarios
        .as_ref()
        .map_or(String::new(), |p| p.display().to_string());
    if let Some(path) = &args.scenarios {
        let text = read_text(path)?;
        match sensitivity::parse_scenarios(&text) {
            Ok(s) => scenarios.extend(s),
            Err(ScenarioError::Invalid(problems)) => errors.push_str(&problems_message(
                format!(
                    "error: {scenario_label}: the scenarios have {} problem(s)\n",
                    problems.len()
                ),
                &problems,
            )),
            Err(e) => {
                let _ = writeln!(errors, "error: {scenario_label}: {e}");
            }
        }
    }
    let mut skipped: Vec<SkippedFile> = Vec::new();
    for spec in &args.sweeps {
        match sensitivity::parse_sweep(spec) {
            Ok(sweep) => {
                let (s, k) = sensitivity::generate(&sweep, spec, &base.instance);
                scenarios.extend(s);
                skipped.extend(k);
            }
            Err(e) => {
                let _ = writeln!(errors, "error: --sweep {e} [{}]", e.code());
            }
        }
    }
    if !errors.is_empty() {
        return Err(Failure::Input(errors));
    }
    let prepared = sensitivity::prepare(&base, scenarios).map_err(|problems| {
        Failure::Input(problems_message(
            format!(
                "error: {} scenario problem(s) against {}\n",
                problems.len(),
                args.instance.display()
            ),
            &problems,
        ))
    })?;

    let started = Instant::now();
    let bar = if args.quiet || !io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(prepared.len() as u64 + 1);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} solves, {elapsed} {msg}")
        {
            bar.set_style(style);
        }
        bar
    };
    let on_done = |name: &str| {
        bar.set_message(name.to_string());
        bar.inc(1);
    };
    let result = sensitivity::run(&base, &prepared, skipped, &args.options, &on_done);
    bar.finish_and_clear();
    let report = result.map_err(|e| Failure::Internal(format!("error: planning failed: {e}\n")))?;
    let elapsed = started.elapsed();

    // Render everything first, so nothing is written if one fails.
    let json = spreiding::format::sensitivity_json(&report)
        .map_err(|e| Failure::Internal(format!("error: {e}\n")))?;
    let mut csv_bytes = Vec::new();
    if args.csv.is_some() {
        report::write_csv(&report, &mut csv_bytes)
            .map_err(|e| Failure::Internal(format!("error: csv: {e}\n")))?;
    }
    let mut instances = Vec::new();
    if args.write_instances.is_some() {
        for p in &prepared {
            let mut text = serde_json::to_string_pretty(&p.file)
                .map_err(|e| Failure::Internal(format!("error: {e}\n")))?;
            text.push('\n');
            instances.push((file_name(&p.scenario.name), text));
        }
    }
    if let Some(dir) = &args.write_instances {
        std::fs::create_dir_all(dir).map_err(|e| {
            Failure::Input(format!("error: cannot create {}: {e}\n", dir.display()))
        })?;
        for (name, text) in &instances {
            write_atomically(&dir.join(name), text.as_bytes())?;
        }
    }
    if let Some(path) = &args.csv {
        write_atomically(path, &csv_bytes)?;
    }
    let json_to_stdout = args.output.as_deref().is_some_and(is_standard_stream);
    if let Some(path) = args.output.as_deref().filter(|p| !is_standard_stream(p)) {
        write_atomically(path, json.as_bytes())?;
    }
    let write_stdout = |bytes: &[u8]| -> Result<(), Failure> {
        let mut stdout = io::stdout().lock();
        match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(Failure::Internal(format!("error: stdout: {e}\n"))),
        }
    };
    if json_to_stdout {
        write_stdout(json.as_bytes())?;
    }
    if !args.quiet {
        let table = report::table(&report);
        if json_to_stdout {
            eprint!("{table}");
        } else {
            write_stdout(table.as_bytes())?;
        }
        eprintln!(
            "{} scenario(s) and the baseline solved in {:.2} s",
            prepared.len(),
            elapsed.as_secs_f64()
        );
    }
    Ok(())
}
