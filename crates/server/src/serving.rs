//! Serving the portal's listeners until Ctrl-C or SIGTERM, with the wait for open connections
//! bounded: requests under way may finish, but no client keeps the process from stopping.
//!
//! axum's graceful shutdown waits for every connection to close, and hyper does not close one
//! whose request head has not arrived whole: a client that sends half a head and waits would
//! hold the portal forever. So connections are counted as they open and close, and once the
//! signal has come the portal waits at most its grace (the request timeout and a little more,
//! so a change under way still ends and records its outcome), then stops, saying how many
//! connections it gave up on.

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::response::Response;
use axum::serve::{IncomingStream, Listener};
use std::convert::Infallible;
use std::future::{IntoFuture, Ready, ready};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower::Service;

/// Serves `router` on `listener` until Ctrl-C or SIGTERM; then finishes the requests under way,
/// waiting for them at most `grace`.
pub async fn serve_until_signal(
    listener: TcpListener,
    router: Router,
    grace: Duration,
) -> io::Result<()> {
    let open = Arc::new(AtomicUsize::new(0));
    // Said in its lines: the portal's own listener and the metrics' each stop so.
    let addr = listener
        .local_addr()
        .map_or_else(|_| "?".to_owned(), |a| a.to_string());
    let listener = CountingListener {
        inner: listener,
        open: open.clone(),
    };
    let (signalled, stopping) = tokio::sync::oneshot::channel();
    let signal = async move {
        shutdown_signal().await;
        tracing::info!(
            listener = %addr,
            grace_secs = grace.as_secs(),
            "shutting down: no new connections; finishing the requests under way"
        );
        let _ = signalled.send(());
    };
    let served = axum::serve(listener, WithClientAddress(router)).with_graceful_shutdown(signal);
    let given_up = async move {
        match stopping.await {
            Ok(()) => tokio::time::sleep(grace).await,
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        served = served.into_future() => served,
        () = given_up => {
            let connections = open.load(Ordering::Relaxed);
            tracing::warn!(
                connections,
                grace_secs = grace.as_secs(),
                "gave up waiting for {connections} open connections to finish; stopping"
            );
            Ok(())
        }
    }
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// A TCP listener that counts the connections it accepted that are still open.
struct CountingListener {
    inner: TcpListener,
    open: Arc<AtomicUsize>,
}

impl Listener for CountingListener {
    type Io = CountedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (CountedStream, SocketAddr) {
        let (stream, addr) = Listener::accept(&mut self.inner).await;
        self.open.fetch_add(1, Ordering::Relaxed);
        let stream = CountedStream {
            stream,
            open: self.open.clone(),
        };
        (stream, addr)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// A connection, counted as open until it is dropped.
struct CountedStream {
    stream: TcpStream,
    open: Arc<AtomicUsize>,
}

impl Drop for CountedStream {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl AsyncRead for CountedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// Makes each connection's service: the router, with the client's address where
/// `ConnectInfo<SocketAddr>` is looked for (as `into_make_service_with_connect_info` does for
/// a plain `TcpListener`).
#[derive(Clone)]
struct WithClientAddress(Router);

impl Service<IncomingStream<'_, CountingListener>> for WithClientAddress {
    type Response = ClientRouter;
    type Error = Infallible;
    type Future = Ready<Result<ClientRouter, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, stream: IncomingStream<'_, CountingListener>) -> Self::Future {
        ready(Ok(ClientRouter {
            router: self.0.clone(),
            client: *stream.remote_addr(),
        }))
    }
}

/// The router serving one connection.
#[derive(Clone)]
struct ClientRouter {
    router: Router,
    client: SocketAddr,
}

impl Service<Request> for ClientRouter {
    type Response = Response;
    type Error = Infallible;
    type Future = <Router as Service<Request>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Service::<Request>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        request.extensions_mut().insert(ConnectInfo(self.client));
        self.router.call(request)
    }
}
