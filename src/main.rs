//! The `spreiding` binary: parse arguments, run, map errors to exit codes
//! (0 ok, 1 solver or internal failure or a plan that fails verification, 2 bad input or usage).

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
