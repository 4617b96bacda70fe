use std::process::ExitCode;

fn main() -> ExitCode {
    scaffold::run(std::env::args_os())
}
