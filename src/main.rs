//! The `subsidy` binary: parse the arguments, run, map the result to an exit code ([`subsidy::domain::exit::ExitStatus`]).

use clap::Parser;

fn main() -> std::process::ExitCode {
    // A reader's panic on a malformed file is caught and reported with the file's name; the
    // default hook would print a backtrace first. Other panics still say where they happened.
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if !place.contains("calamine") {
            eprintln!(
                "subsidy: internal error{place}: {}; please report this",
                msg.unwrap_or_default()
            );
        }
    }));
    let args = subsidy::cli::Args::parse();
    subsidy::cli::main_with(args).into()
}
