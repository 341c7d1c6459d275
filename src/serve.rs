//! `skylens serve`: the UI and its API in a browser, on 127.0.0.1 only.
//!
//! - `/` serves the built UI (`ui/dist`); `/api/NAME` (POST, JSON) runs [`App::call`];
//!   `/api/import_upload?name=FILE` (POST, raw bytes) imports an uploaded file.
//! - Every API request must carry `Authorization: Bearer TOKEN`, the per-launch token printed
//!   in the URL (`#token=…`, a fragment, so it is never sent in a Referer or logged by a
//!   proxy); else 401.
//! - Every request must name this server in `Host` (`127.0.0.1:PORT` or `localhost:PORT`), and
//!   an `Origin`, when sent, must be this server's; else 403. That stops DNS-rebinding and
//!   cross-site requests from other pages in the same browser.
//! - Responses carry a strict Content-Security-Policy (no inline script, no remote origin).
//!
//! Everything goes through one handler ([`handle`]), so no route can skip the checks.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::{App, WireError};
use crate::error::{Error, Result};

/// The Content-Security-Policy of every response: same-origin only, no inline script, no
/// plugins, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Largest upload accepted by `import_upload`.
pub const MAX_UPLOAD: usize = 1 << 30;
/// Largest JSON request body.
const MAX_JSON: usize = 1 << 20;

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The built UI (`index.html` and its assets).
    pub ui_dir: PathBuf,
    /// The token; a random one when `None`.
    pub token: Option<String>,
}

struct Server {
    app: App,
    token: String,
    port: u16,
    ui_dir: PathBuf,
}

/// A fresh random token: 32 bytes from the OS, hex.
pub fn new_token() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| Error::Invalid(format!("no OS randomness: {e}")))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// The UI directory to serve when none is given: `$SKYLENS_UI_DIR`, else `ui/dist` of the
/// source tree this binary was built from.
pub fn default_ui_dir() -> PathBuf {
    std::env::var_os("SKYLENS_UI_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/dist"))
}

/// Serve `app` until the process is stopped. Prints the URL (with the token) on stdout.
pub fn serve(app: App, opts: ServeOptions) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::io("starting", "the server runtime", e))?;
    rt.block_on(async move {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, opts.port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Error::io("listening on", addr.to_string(), e))?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::io("listening on", addr.to_string(), e))?
            .port();
        let token = match opts.token {
            Some(t) => t,
            None => new_token()?,
        };
        if !opts.ui_dir.join("index.html").is_file() {
            eprintln!(
                "warning: no built UI in {} (run `npm --prefix ui ci && npm --prefix ui run build`); the API still works",
                opts.ui_dir.display()
            );
        }
        println!("Skylens is serving {}", app.dir().display());
        println!("Open http://127.0.0.1:{port}/#token={token}");
        let server = Arc::new(Server {
            app,
            token,
            port,
            ui_dir: opts.ui_dir,
        });
        let router = axum::Router::new().fallback(handle).with_state(server);
        axum::serve(listener, router)
            .await
            .map_err(|e| Error::io("serving on", format!("127.0.0.1:{port}"), e))
    })
}

/// The one handler: host/origin checks, then the token for `/api/`, then the route.
async fn handle(State(s): State<Arc<Server>>, req: Request<Body>) -> Response {
    let mut resp = route(&s, req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}

async fn route(s: &Arc<Server>, req: Request<Body>) -> Response {
    if let Err(why) = check_host_and_origin(req.headers(), s.port) {
        return error(StatusCode::FORBIDDEN, "forbidden", why);
    }
    let path = req.uri().path().to_string();
    let Some(command) = path.strip_prefix("/api/") else {
        return match *req.method() {
            Method::GET | Method::HEAD => static_file(&s.ui_dir, &path),
            _ => error(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "only GET outside /api/",
            ),
        };
    };
    if !token_ok(req.headers(), &s.token) {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong token: open the URL `skylens serve` printed",
        );
    }
    if req.method() != Method::POST {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "the API takes POST",
        );
    }
    let command = command.to_string();
    let query = req.uri().query().unwrap_or_default().to_string();
    let limit = if command == "import_upload" {
        MAX_UPLOAD
    } else {
        MAX_JSON
    };
    let body: Bytes = match axum::body::to_bytes(req.into_body(), limit).await {
        Ok(b) => b,
        Err(e) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                &format!("request body: {e}"),
            );
        }
    };
    let s = s.clone();
    let result = tokio::task::spawn_blocking(move || -> std::result::Result<_, WireError> {
        if command == "import_upload" {
            let name = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("name="))
                .map(percent_decode)
                .unwrap_or_else(|| "upload".to_string());
            return serde_json::to_value(s.app.import_bytes(&name, &body)?).map_err(|e| {
                WireError {
                    code: "internal".into(),
                    message: e.to_string(),
                }
            });
        }
        let arg = if body.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&body).map_err(|e| WireError {
                code: "invalid_input".into(),
                message: format!("the body is not JSON: {e}"),
            })?
        };
        s.app.call(&command, arg)
    })
    .await;
    match result {
        Ok(Ok(v)) => {
            let mut r = axum::Json(v).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Ok(Err(e)) => {
            let status = match e.code.as_str() {
                "invalid_input" => StatusCode::BAD_REQUEST,
                "not_found" | "unknown_name" => StatusCode::NOT_FOUND,
                "busy" => StatusCode::CONFLICT,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            (status, axum::Json(e)).into_response()
        }
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            &format!("the request failed: {e}"),
        ),
    }
}

/// `Host` must be this server (by IP or `localhost`); `Origin`, if any, too.
pub fn check_host_and_origin(h: &HeaderMap, port: u16) -> std::result::Result<(), &'static str> {
    let ours = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !ours.iter().any(|o| o.eq_ignore_ascii_case(host)) {
        return Err("foreign Host: this server answers only to 127.0.0.1 and localhost");
    }
    if let Some(origin) = h.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        if !ours
            .iter()
            .any(|o| origin.eq_ignore_ascii_case(&format!("http://{o}")))
        {
            return Err("foreign Origin: cross-site requests are refused");
        }
    }
    Ok(())
}

/// Whether the request carries the token (compared in constant time).
fn token_ok(h: &HeaderMap, token: &str) -> bool {
    let Some(got) = h
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let (a, b) = (got.trim().as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(WireError {
            code: code.to_string(),
            message: message.to_string(),
        }),
    )
        .into_response()
}

/// A file of the built UI. Only plain path components are accepted (no `..`, no absolute
/// paths); `/` is `index.html`.
fn static_file(dir: &Path, path: &str) -> Response {
    let rel = percent_decode(path.trim_start_matches('/'));
    let rel = if rel.is_empty() {
        "index.html".to_string()
    } else {
        rel
    };
    let rel_path = Path::new(&rel);
    if !rel_path
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return error(StatusCode::NOT_FOUND, "not_found", "no such file");
    }
    let file = dir.join(rel_path);
    match std::fs::read(&file) {
        Ok(bytes) => {
            let mime = match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
                "html" => "text/html; charset=utf-8",
                "js" | "mjs" => "text/javascript; charset=utf-8",
                "css" => "text/css; charset=utf-8",
                "svg" => "image/svg+xml",
                "png" => "image/png",
                "ico" => "image/x-icon",
                "json" => "application/json",
                "woff2" => "font/woff2",
                "txt" => "text/plain; charset=utf-8",
                _ => "application/octet-stream",
            };
            let mut r = Response::new(Body::from(bytes));
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            r
        }
        Err(_) if rel == "index.html" => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "ui_not_built",
            "the UI is not built: run `npm --prefix ui ci && npm --prefix ui run build`",
        ),
        Err(_) => error(StatusCode::NOT_FOUND, "not_found", "no such file"),
    }
}

/// Decode `%XX` escapes (and `+` as space) of a URL path or query value.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_origin_checks() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(check_host_and_origin(&h, 8080).is_ok());
        assert!(check_host_and_origin(&h, 8081).is_err());
        h.insert(header::HOST, HeaderValue::from_static("evil.example:8080"));
        assert!(check_host_and_origin(&h, 8080).is_err());
        h.insert(header::HOST, HeaderValue::from_static("localhost:8080"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://localhost:8080"),
        );
        assert!(check_host_and_origin(&h, 8080).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(check_host_and_origin(&h, 8080).is_err());
    }

    #[test]
    fn tokens_and_paths() {
        let mut h = HeaderMap::new();
        assert!(!token_ok(&h, "abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abd"),
        );
        assert!(!token_ok(&h, "abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert!(token_ok(&h, "abc"));
        assert_eq!(new_token().unwrap().len(), 64);
        assert_ne!(new_token().unwrap(), new_token().unwrap());
        assert_eq!(percent_decode("a%20b+c%2"), "a b c%2");
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("index.html"), "<html>").unwrap();
        assert_eq!(static_file(d.path(), "/").status(), StatusCode::OK);
        assert_eq!(
            static_file(d.path(), "/%2e%2e/etc/passwd").status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            static_file(d.path(), "/../index.html").status(),
            StatusCode::NOT_FOUND
        );
    }
}
