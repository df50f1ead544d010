//! The HTTP server: accepts connections itself (hyper) so a fault can drop a connection
//! without any response, and hands every request to the axum router.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::sim::Sim;

/// Lets a request handler close its own connection without replying.
#[derive(Clone, Debug)]
pub(crate) struct ConnectionKill(pub(crate) Arc<Notify>);

/// Serves the simulator on `listener` until `shutdown` completes (mini-redis style).
///
/// Open connections are closed when `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    sim: Sim,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = Router::new()
        .fallback(crate::api::handle)
        .layer(DefaultBodyLimit::disable())
        .with_state(sim);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone()));
                }
                Err(e) => {
                    // Transient (e.g. too many open files): back off instead of spinning.
                    tracing::warn!(error = %e, "athoc-sim: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
    Ok(())
}

async fn serve_connection(stream: TcpStream, router: Router) {
    let kill = Arc::new(Notify::new());
    let app = router.layer(Extension(ConnectionKill(kill.clone())));
    let conn = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    tokio::select! {
        result = conn => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "athoc-sim: connection ended with an error");
            }
        }
        // Dropping `conn` closes the socket with no response written.
        () = kill.notified() => {}
    }
}

/// A JSON reply with the given status.
pub(crate) fn json_reply(status: u16, body: &serde_json::Value) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (code, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// An ASP.NET-style error reply `{"Message": ...}`.
pub(crate) fn message_reply(status: u16, message: &str) -> Response {
    json_reply(status, &serde_json::json!({ "Message": message }))
}
