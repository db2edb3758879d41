//! End-to-end tests: each starts its own kubesim binary and drives it with the real
//! kubectl, with kube-rs, or with plain HTTP for the admin endpoints.

mod common;
mod controllers;
mod in_process;
mod kube_api;
mod kubectl;
mod load;
