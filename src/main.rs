//! The binary: parse the command line and hand over; exit codes are decided in
//! `newsroom::commands` (0 ok, 1 failed, 2 bad usage or config).

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = newsroom::cli::parse();
    match newsroom::commands::run(cli) {
        Ok(code) => code,
        Err(newsroom::commands::Failure::Quiet(code)) => ExitCode::from(code),
        Err(e) => {
            eprintln!("newsroom: {e}");
            e.exit_code()
        }
    }
}
