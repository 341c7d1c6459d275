//! The `skylens` binary: see `skylens --help`.

use clap::Parser;

/// mimalloc instead of glibc malloc: parsing makes many small short-lived allocations, and
/// glibc's malloc/free (with `malloc_consolidate` on large frees) was 10–15% of an import.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 2's `mi_option_e` (`libmimalloc-sys` does not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// mimalloc 2's default purge delay, ms.
const MI_DEFAULT_PURGE_DELAY_MS: std::ffi::c_long = 10;
/// The purge delay Skylens uses, ms.
const PURGE_DELAY_MS: std::ffi::c_long = 100;

/// Return freed memory to the OS 100 ms after it is freed instead of mimalloc 2's 10 ms.
///
/// An import frees each file's column buffers and allocates the next file's at once; with
/// 10 ms most of those pages had gone back to the OS and were faulted in and zeroed again
/// (a fifth of a one-thread parse was system time). 100 ms keeps them for the next file:
/// system time halved, at the cost of a higher peak (10M-event import 2.4–2.5 → 2.7–2.9
/// GB; see BENCHMARKS.md, Ingest). Left alone when `MIMALLOC_PURGE_DELAY` is set, and when
/// the option does not hold mimalloc 2's default (another mimalloc, whose index may differ).
fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: plain calls into the allocator's option table, made before any other thread
    // exists (the options are not synchronised).
    unsafe {
        if libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) == MI_DEFAULT_PURGE_DELAY_MS {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS);
        }
    }
}

fn main() {
    tune_allocator();
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
