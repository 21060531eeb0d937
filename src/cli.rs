//! Command-line interface: clap arguments → library calls → files, terminal and exit code.
//! The only place besides the HTTP layer that touches files.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};

use spreiding::format::{self, PlanFile, csv as plan_csv};
use spreiding::lp::SolveOptions;
use spreiding::serve::{self as server, ServeConfig, ServeError};
use spreiding::validate::{self, InstanceError};
use spreiding::{model::Instance, planner, verify};

mod files;
mod sensitivity;

pub(crate) use files::{is_standard_stream, read_text, write_atomically};

/// Plans how GP patients are redistributed over a city's practices, phase by phase.
#[derive(Debug, Parser)]
#[command(name = "spreiding", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// How long and how far a plan is solved; `plan` and `sensitivity` (per scenario).
#[derive(Debug, Clone, Copy, clap::Args)]
struct SolveArgs {
    /// Wall-clock budget for the solver, in seconds. A guard, not a target: a plan ends as
    /// soon as its steps are done (Enschede: ~1.5 s; a 500-area region: ~200 s).
    #[arg(long, value_name = "SECONDS", default_value_t = 300.0,
          value_parser = positive_seconds)]
    time_limit: f64,
    /// Relative gap under which a plan counts as optimal.
    #[arg(long, default_value_t = 1e-4, value_parser = gap)]
    gap: f64,
}

impl SolveArgs {
    fn options(self) -> SolveOptions {
        SolveOptions {
            time_limit: Duration::from_secs_f64(self.time_limit),
            gap: self.gap,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Solve an instance into a phased plan (plan@1 JSON, CSV tables, terminal summary).
    Plan {
        /// The instance@1 JSON file ("-" for standard input).
        instance: PathBuf,
        /// Write the plan JSON here (default, or "-": standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also write moves.csv, registrations.csv, loads.csv and waiting.csv into DIR.
        #[arg(long, value_name = "DIR")]
        csv: Option<PathBuf>,
        #[command(flatten)]
        solve: SolveArgs,
        /// No terminal summary.
        #[arg(short, long)]
        quiet: bool,
    },
    /// What-if runs: scenarios and sweeps planned beside the baseline, with shadow prices.
    Sensitivity {
        /// The base instance@1 JSON file ("-" for standard input).
        instance: PathBuf,
        /// A spreiding/scenarios@1 file of named scenarios.
        #[arg(long, value_name = "FILE")]
        scenarios: Option<PathBuf>,
        /// A built-in sweep: closure, fte=+0.5, norm_per_fte=1800:2095:50, ceiling_ratio=…,
        /// max_walk_m=…, max_moves_per_phase=…, max_intake_per_phase=…,
        /// max_outflow_per_phase=… (repeatable).
        #[arg(long, value_name = "SPEC")]
        sweep: Vec<String>,
        /// Write the sensitivity@1 JSON here ("-" for standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Write the figures of every scenario as CSV to FILE.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Write every changed instance to DIR/<scenario name>.json.
        #[arg(long, value_name = "DIR")]
        write_instances: Option<PathBuf>,
        /// The solver's budget applies to each scenario.
        #[command(flatten)]
        solve: SolveArgs,
        /// No table, no progress bar.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Check an instance: exit 0 if valid, else 2 with every problem.
    Validate {
        /// The instance@1 JSON file ("-" for standard input).
        instance: PathBuf,
    },
    /// Re-check a plan against its instance: every constraint and every objective term.
    Verify {
        /// The instance@1 JSON file.
        instance: PathBuf,
        /// The plan@1 JSON file.
        plan: PathBuf,
    },
    /// Serve the HTTP JSON API (plan, validate, verify, jobs; docs/api.md) until SIGTERM or
    /// Ctrl-C; running solves finish first.
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address and port to listen on (port 0: any free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// File holding a bearer token; then every endpoint but /v1/health needs it.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Allow a non-loopback address without a token.
    #[arg(long)]
    insecure: bool,
    /// Largest request body, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 32,
          value_parser = clap::value_parser!(u32).range(1..=4096))]
    max_body_mib: u32,
    /// Solves that run at once (default: the number of cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    solvers: Option<u32>,
    /// Plan requests that may wait for a solver; one more gets 503 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = 64)]
    queue: usize,
    /// The largest time_limit a request may ask for, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0, value_parser = positive_seconds)]
    max_time_limit: f64,
    /// Budget of a whole request (body, queue wait, solve), in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300.0,
          value_parser = positive_seconds)]
    request_timeout: f64,
    /// Jobs kept in memory (queued, running and finished).
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    max_jobs: u32,
    /// How long a finished job stays readable, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 900.0,
          value_parser = positive_seconds)]
    job_ttl: f64,
    /// Request log format on standard error: one line per request.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

/// How the request log is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    /// `key=value` fields after a timestamp and level.
    Text,
    /// One JSON object per line.
    Json,
}

fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => Ok(v),
        _ => Err(format!(
            "must be a number of seconds in (0, 86400], got {s:?}"
        )),
    }
}

fn gap(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..1.0).contains(&v) => Ok(v),
        _ => Err(format!("must be a number in [0, 1), got {s:?}")),
    }
}

/// A failed command: what to print and which exit code.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Bad input or usage: exit 2.
    Input(String),
    /// Solver or internal failure, or a plan that does not verify: exit 1.
    Internal(String),
}

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Plan {
            instance,
            output,
            csv,
            solve,
            quiet,
        } => plan(
            &instance,
            output.as_deref(),
            csv.as_deref(),
            &solve.options(),
            quiet,
        ),
        Command::Sensitivity {
            instance,
            scenarios,
            sweep,
            output,
            csv,
            write_instances,
            solve,
            quiet,
        } => sensitivity::run(&sensitivity::Args {
            instance,
            scenarios,
            sweeps: sweep,
            output,
            csv,
            write_instances,
            options: solve.options(),
            quiet,
        }),
        Command::Validate { instance } => read_instance(&instance).map(|i| {
            eprintln!(
                "{}: valid ({} areas, {} practices, {} registrations, {} phases)",
                instance.display(),
                i.areas.len(),
                i.practices.len(),
                i.registrations.len(),
                i.phases()
            );
        }),
        Command::Verify { instance, plan } => verify_cmd(&instance, &plan),
        Command::Serve(args) => serve(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(msg)) => {
            eprint!("{msg}");
            ExitCode::from(2)
        }
        Err(Failure::Internal(msg)) => {
            eprint!("{msg}");
            ExitCode::from(1)
        }
    }
}

fn read_instance(path: &Path) -> Result<Instance, Failure> {
    let text = read_text(path)?;
    validate::parse_instance(&text).map_err(|e| {
        let mut msg = format!("error: {}: {e}\n", path.display());
        if let InstanceError::Invalid(problems) = &e {
            for p in problems {
                let _ = writeln!(msg, "  {p}");
            }
        }
        Failure::Input(msg)
    })
}

fn plan(
    instance_path: &Path,
    output: Option<&Path>,
    csv_dir: Option<&Path>,
    options: &SolveOptions,
    quiet: bool,
) -> Result<(), Failure> {
    let instance = read_instance(instance_path)?;
    let started = Instant::now();
    let plan = planner::plan(&instance, options)
        .map_err(|e| Failure::Internal(format!("error: planning failed: {e}\n")))?;
    let elapsed = started.elapsed();
    let json = format::plan_json(&plan).map_err(|e| Failure::Internal(format!("error: {e}\n")))?;
    if let Some(dir) = csv_dir {
        write_csv(&plan, dir)?;
    }
    match output.filter(|p| !is_standard_stream(p)) {
        Some(path) => write_atomically(path, json.as_bytes())?,
        None => {
            let mut stdout = io::stdout().lock();
            match stdout
                .write_all(json.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
                Err(e) => return Err(Failure::Internal(format!("error: stdout: {e}\n"))),
            }
        }
    }
    if !quiet {
        eprint!("{}", summary(&plan, elapsed));
    }
    Ok(())
}

fn write_csv(plan: &PlanFile, dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::Input(format!("error: cannot create {}: {e}\n", dir.display())))?;
    // Render all four tables first, so nothing is written if one fails.
    let mut tables = Vec::new();
    for name in plan_csv::TABLES {
        let mut bytes = Vec::new();
        plan_csv::write_table(plan, name, &mut bytes)
            .map_err(|e| Failure::Internal(format!("error: {name}: {e}\n")))?;
        tables.push((name, bytes));
    }
    for (name, bytes) in tables {
        write_atomically(&dir.join(name), &bytes)?;
    }
    Ok(())
}

fn summary(plan: &PlanFile, elapsed: Duration) -> String {
    let o = &plan.objective;
    let method = plan.solver.as_ref().map_or("?", |s| s.method.as_str());
    let mut s = format!(
        "{}: {} — objective {:.1} (bound {:.1}, gap {:.4}%), {} in {:.2} s\n",
        plan.instance,
        plan.status,
        o.value,
        o.lp_bound,
        o.gap * 100.0,
        method,
        elapsed.as_secs_f64()
    );
    for (ph, counts) in plan.phases.iter().zip(&plan.metrics.per_phase) {
        let _ = writeln!(
            s,
            "  phase {} {:<10} {:>6} moves {:>6} registrations {:>6} orphaned {:>6} waiting",
            ph.phase, ph.label, counts.moves, counts.registrations, counts.orphaned, counts.waiting
        );
    }
    let (b, a) = (&plan.metrics.before, &plan.metrics.after);
    let _ = writeln!(
        s,
        "  without a GP {} → {}; out of district {:.1}% → {:.1}%; mean walk {:.0} m → {:.0} m; \
         p90 walk {:.0} m → {:.0} m; above ceiling {} ({:.0}) → {} ({:.0})",
        b.residents_without_gp,
        a.residents_without_gp,
        b.out_of_district_share * 100.0,
        a.out_of_district_share * 100.0,
        b.mean_walk_m,
        a.mean_walk_m,
        b.p90_walk_m,
        a.p90_walk_m,
        b.practices_above_ceiling,
        b.excess_total,
        a.practices_above_ceiling,
        a.excess_total
    );
    for d in &plan.diagnostics {
        let _ = writeln!(
            s,
            "  {} waiting in {}: {} — {}",
            d.waiting, d.area, d.reason, d.message
        );
    }
    s
}

fn verify_cmd(instance_path: &Path, plan_path: &Path) -> Result<(), Failure> {
    let instance = read_instance(instance_path)?;
    let text = read_text(plan_path)?;
    let plan = verify::parse_plan(&text)
        .map_err(|e| Failure::Input(format!("error: {}: {e}\n", plan_path.display())))?;
    let report = verify::verify(&instance, &plan);
    if report.is_ok() {
        eprintln!(
            "{}: ok — every constraint holds; objective {:.6} recomputed",
            plan_path.display(),
            report.value
        );
        Ok(())
    } else {
        let mut msg = format!(
            "{}: {} violation(s)\n",
            plan_path.display(),
            report.violations.len()
        );
        for v in &report.violations {
            let _ = writeln!(msg, "  [{}] {}", v.code, v.message);
        }
        Err(Failure::Internal(msg))
    }
}

fn serve(args: ServeArgs) -> Result<(), Failure> {
    let token = match &args.token_file {
        Some(path) => {
            let text = read_text(path)?;
            let token = text.trim();
            if token.is_empty() || token.chars().any(char::is_whitespace) {
                return Err(Failure::Input(format!(
                    "error: {}: the token file must hold one token without spaces\n",
                    path.display()
                )));
            }
            Some(token.to_string())
        }
        None => None,
    };
    if !args.listen.ip().is_loopback() && token.is_none() && !args.insecure {
        return Err(Failure::Input(format!(
            "error: refusing to listen on {} without a token: it is not a loopback address; \
             give --token-file FILE, or --insecure to serve without one\n",
            args.listen
        )));
    }
    init_log(args.log_format);
    let solvers = args.solvers.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |n| n as usize,
    );
    let config = ServeConfig {
        listen: args.listen,
        token,
        body_limit: args.max_body_mib as usize * 1024 * 1024,
        solvers,
        queue: args.queue,
        default_solve: SolveOptions::default(),
        max_time_limit: Duration::from_secs_f64(args.max_time_limit),
        request_timeout: Duration::from_secs_f64(args.request_timeout),
        max_jobs: args.max_jobs as usize,
        job_ttl: Duration::from_secs_f64(args.job_ttl),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Internal(format!("error: cannot start the runtime: {e}\n")))?;
    runtime
        .block_on(async move {
            let running = server::start(config).await?;
            tracing::info!(addr = %running.local_addr(), solvers, "listening");
            stop_signal().await;
            tracing::info!(
                "stop signal: finishing requests and solves in flight (again to stop at once)"
            );
            running.shutdown();
            tokio::spawn(async {
                stop_signal().await;
                tracing::warn!("second stop signal: stopping at once");
                std::process::exit(130);
            });
            running.wait().await
        })
        .map_err(|e| match e {
            ServeError::Bind { .. } => Failure::Input(format!("error: {e}\n")),
            other => Failure::Internal(format!("error: {other}\n")),
        })
}

/// Ctrl-C, or SIGTERM on Unix.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn init_log(format: LogFormat) {
    let builder = tracing_subscriber::fmt()
        .with_writer(io::stderr)
        .with_ansi(false)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
