//! The `skylens` binary: see `skylens --help`.

use clap::Parser;

/// mimalloc (3, with its default options) instead of glibc malloc: parsing makes many small
/// short-lived allocations, and glibc's malloc/free (with `malloc_consolidate` on large frees)
/// was 10–15% of an import. Reports give their memory back through
/// `skylens::analysis::memory::release`, except in a batch (`memory::KeepPages`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SKYLENS_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = skylens::cli::Cli::parse();
    let code = match skylens::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            match e {
                skylens::Error::NotFound(_)
                | skylens::Error::Invalid(_)
                | skylens::Error::Unknown { .. } => 1,
                _ => 2,
            }
        }
    };
    std::process::exit(code);
}
