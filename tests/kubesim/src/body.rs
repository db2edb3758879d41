//! The HTTP response body kubesim answers with. No I/O of its own.

use bytes::Bytes;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

/// A response body: all at once, or streamed from a channel (watches, followed logs).
pub enum Body {
    Full(Option<Bytes>),
    Stream(mpsc::Receiver<Bytes>),
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            Body::Full(b) => Poll::Ready(b.take().map(|b| Ok(http_body::Frame::data(b)))),
            Body::Stream(rx) => rx
                .poll_recv(cx)
                .map(|o| o.map(|b| Ok(http_body::Frame::data(b)))),
        }
    }
}
