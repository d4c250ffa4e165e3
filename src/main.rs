//! The `subsidy` binary: parse the arguments, run, map the result to an exit code.

use clap::Parser;

fn main() {
    let args = subsidy::cli::Args::parse();
    std::process::exit(subsidy::cli::main_with(args));
}
