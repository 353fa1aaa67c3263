//! Serving the portal's listeners until Ctrl-C or SIGTERM, with the wait for open connections
//! bounded: requests under way may finish, but no client keeps the process from stopping.
//!
//! axum's graceful shutdown waits for every connection to close, and hyper does not close one
//! whose request head has not arrived whole: a client that sends half a head and waits would
//! hold the portal forever. So connections are counted as they open and close, and once the
//! signal has come the portal waits at most its grace (the request timeout and a little more,
//! so a change under way still ends and records its outcome), then stops, saying how many
//! connections it gave up on.
//!
//! For the same reason a connection has a time to send each request's head in (see
//! [`HeadWatch`]): otherwise a client could hold connections open for ever, a byte at a time,
//! until the portal has no more to give.

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::response::Response;
use axum::serve::{IncomingStream, Listener};
use std::convert::Infallible;
use std::future::{Future, IntoFuture, Ready, ready};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tower::Service;

/// Serves `router` on `listener` until Ctrl-C or SIGTERM; then finishes the requests under way,
/// waiting for them at most `grace`. A connection must send each request's head whole within
/// `head_wait` of being accepted or answered, or it is closed.
pub async fn serve_until_signal(
    listener: TcpListener,
    router: Router,
    grace: Duration,
    head_wait: Duration,
) -> io::Result<()> {
    let open = Arc::new(AtomicUsize::new(0));
    // Said in its lines: the portal's own listener and the metrics' each stop so.
    let addr = listener
        .local_addr()
        .map_or_else(|_| "?".to_owned(), |a| a.to_string());
    let listener = CountingListener {
        inner: listener,
        open: open.clone(),
        head_wait,
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
    head_wait: Duration,
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
            head: HeadWatch::new(self.head_wait, Instant::now()),
            deadline: Box::pin(tokio::time::sleep(self.head_wait)),
        };
        (stream, addr)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// A connection, counted as open until it is dropped, and closed when a request's head does
/// not come whole in time.
struct CountedStream {
    stream: TcpStream,
    open: Arc<AtomicUsize>,
    head: HeadWatch,
    /// When the head waited for is due, as [`HeadWatch::due`] last said.
    deadline: Pin<Box<tokio::time::Sleep>>,
}

/// Whether a connection is waiting for a request's head, and until when. It waits from the
/// moment it is accepted, and again from each answer the portal writes, until the blank line
/// that ends a head has been read; between the two (a request's body, the request being
/// answered) it has no limit here, the request timeout has. HTTP/1.1 only, as the portal serves.
#[derive(Debug, Clone, PartialEq)]
struct HeadWatch {
    wait: Duration,
    /// When the head now waited for is due; `None` while none is.
    due: Option<Instant>,
    /// The last bytes read, for a blank line split across reads.
    tail: Vec<u8>,
}

impl HeadWatch {
    fn new(wait: Duration, now: Instant) -> Self {
        HeadWatch {
            wait,
            due: Some(now + wait),
            tail: Vec::new(),
        }
    }

    /// `read` has been read: a head waited for ends at its blank line.
    fn read(&mut self, read: &[u8]) {
        if self.due.is_none() || read.is_empty() {
            return;
        }
        let mut seen = std::mem::take(&mut self.tail);
        seen.extend_from_slice(read);
        if seen.windows(4).any(|w| w == b"\r\n\r\n") {
            self.due = None;
        } else {
            let keep = seen.len().saturating_sub(3);
            self.tail = seen.split_off(keep);
        }
    }

    /// An answer is being written: the next request's head is waited for from `now`.
    fn answering(&mut self, now: Instant) {
        if self.due.is_none() {
            self.due = Some(now + self.wait);
            self.tail.clear();
        }
    }
}

impl CountedStream {
    /// Sets the deadline to what the watch says is due.
    fn follow_watch(&mut self) {
        if let Some(due) = self.head.due
            && self.deadline.deadline() != due
        {
            self.deadline.as_mut().reset(due);
        }
    }
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
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                this.head.read(&buf.filled()[before..]);
                Poll::Ready(Ok(()))
            }
            Poll::Pending if this.head.due.is_some() => {
                this.follow_watch();
                match this.deadline.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "no request head within the time a connection has to send one",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
            other => other,
        }
    }
}

impl AsyncWrite for CountedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.head.answering(Instant::now());
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.head.answering(Instant::now());
        Pin::new(&mut this.stream).poll_write_vectored(cx, bufs)
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

#[cfg(test)]
mod tests {
    use super::HeadWatch;
    use std::time::Duration;
    use tokio::time::Instant;

    const WAIT: Duration = Duration::from_secs(60);

    #[test]
    fn a_head_is_waited_for_from_the_accept_and_from_each_answer() {
        let start = Instant::now();
        let mut watch = HeadWatch::new(WAIT, start);
        assert_eq!(watch.due, Some(start + WAIT));
        // Its bytes come in pieces, the blank line that ends it split between two reads.
        watch.read(b"GET /healthz HTTP/1.1\r\nHost: x\r");
        assert_eq!(
            watch.due,
            Some(start + WAIT),
            "still waiting: the clock goes on"
        );
        watch.read(b"\n\r");
        assert!(watch.due.is_some());
        watch.read(b"\n");
        assert_eq!(watch.due, None, "the head is whole");
        // Its body, whatever it holds, is not a head.
        watch.read(b"{}\r\n\r\n");
        assert_eq!(watch.due, None);
        // Answered: the next head is waited for from then, and the first answer's later
        // writes do not move it on.
        let answered = start + Duration::from_secs(5);
        watch.answering(answered);
        assert_eq!(watch.due, Some(answered + WAIT));
        watch.answering(answered + Duration::from_secs(1));
        assert_eq!(watch.due, Some(answered + WAIT));
        watch.read(b"GET / HTTP/1.1\r\n");
        watch.read(b"\r\n");
        assert_eq!(watch.due, None, "a blank line split after the request line");
    }

    #[test]
    fn bytes_that_never_end_a_head_keep_it_waited_for() {
        let start = Instant::now();
        let mut watch = HeadWatch::new(WAIT, start);
        for _ in 0..1_000 {
            watch.read(b"X-a: b\r\n");
        }
        assert_eq!(watch.due, Some(start + WAIT));
        assert!(watch.tail.len() <= 3, "only the last bytes are kept");
        watch.read(b"");
        assert_eq!(
            watch.due,
            Some(start + WAIT),
            "nothing read changes nothing"
        );
    }
}
