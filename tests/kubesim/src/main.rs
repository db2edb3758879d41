use std::process::ExitCode;

fn main() -> ExitCode {
    let cfg = match kubesim::config::parse(std::env::args().skip(1)) {
        Ok(kubesim::config::Parsed::Run(cfg)) => cfg,
        Ok(kubesim::config::Parsed::Help) => {
            print!("{}", kubesim::config::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("kubesim: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kubesim: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(kubesim::run(cfg)) {
        Ok(()) => {
            rt.shutdown_timeout(std::time::Duration::from_millis(200));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kubesim: {e}");
            ExitCode::FAILURE
        }
    }
}
