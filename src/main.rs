//! The `etl` executable: parse, run, exit. Everything else lives in the library.

// Rendering allocates many small JSON values: with mimalloc, render throughput nearly doubles
// (benches/render.rs). It costs about a millisecond at start-up, which keeps a cold
// `etl render` well under its 10 ms target.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    etl::main()
}
