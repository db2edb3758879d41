//! The `etl` executable: parse, run, exit. Everything else lives in the library.

fn main() -> std::process::ExitCode {
    etl::main()
}
