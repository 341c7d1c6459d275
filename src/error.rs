//! Typed errors with context.

use std::path::PathBuf;

/// Errors of the Skylens core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done (`reading`, `writing`, …).
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A Polars operation failed.
    #[error("{context}: {source}")]
    Polars {
        /// What was being done.
        context: String,
        /// The Polars error.
        #[source]
        source: polars::error::PolarsError,
    },
    /// The workspace is not usable (wrong schema version, unreadable manifest, …).
    #[error("workspace {path}: {message}")]
    Workspace {
        /// The workspace directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A report, query or chart name that does not exist.
    #[error("unknown {kind} `{name}`; known: {known}")]
    Unknown {
        /// `report`, `chart`, …
        kind: &'static str,
        /// The name asked for.
        name: String,
        /// The names that exist.
        known: String,
    },
    /// Bad user input (an option value, a time).
    #[error("{0}")]
    Invalid(String),
    /// An ID that matches nothing in the workspace.
    #[error("no data for ID `{0}` in this workspace")]
    NotFound(String),
    /// A chart could not be drawn or encoded.
    #[error("{0}")]
    Render(String),
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error with its action and path.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// A Polars error with context.
    pub fn polars(context: impl Into<String>, source: polars::error::PolarsError) -> Self {
        Error::Polars {
            context: context.into(),
            source,
        }
    }

    /// The same error, a Polars error's context replaced by `context` (what was being done
    /// when a step below it failed); other errors unchanged.
    pub fn in_context(self, context: &str) -> Self {
        match self {
            Error::Polars { source, .. } => Error::polars(context, source),
            e => e,
        }
    }

    /// A stable machine-readable code, for the wire (`{code, message}`) and exit codes.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::Polars { .. } => "query",
            Error::Workspace { .. } => "workspace",
            Error::Unknown { .. } => "unknown_name",
            Error::Invalid(_) => "invalid_input",
            Error::NotFound(_) => "not_found",
            Error::Render(_) => "render",
        }
    }
}

/// Attach context to a Polars result.
pub trait PolarsContext<T> {
    /// Map a Polars error to [`Error::Polars`] with `context`.
    fn ctx(self, context: &str) -> Result<T>;
}

impl<T> PolarsContext<T> for polars::error::PolarsResult<T> {
    fn ctx(self, context: &str) -> Result<T> {
        self.map_err(|e| Error::polars(context, e))
    }
}
