//! End-to-end tests of the `etl` binary: each test runs the real executable in a temp
//! directory and checks what a user sees: stdout, stderr and the exit code.

mod backfill_cluster;
mod cluster;
mod cluster_deploy;
mod common;
mod config_errors;
mod history;
mod init_and_render;
mod local_run;
mod meta;
mod picker;
mod scheduler;
mod workflows;
