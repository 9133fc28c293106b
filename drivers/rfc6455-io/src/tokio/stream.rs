//! `Stream` and `Sink` of owned messages, for the whole connection and its halves.

use std::pin::Pin;
use std::task::{ready, Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite};
use futures_core::Stream;
use futures_sink::Sink;
use rfc6455::MaskKeySource;

use super::poll::{self, Access};
use super::{owned, ReadHalf, WebSocket, WriteHalf};
use crate::{Error, Message};

impl<S, K> Stream for WebSocket<S, K>
where
    S: AsyncRead + AsyncWrite + Unpin,
    K: MaskKeySource + Unpin,
{
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let found = this.poll_found(cx);
        owned(found, &this.reader)
    }
}

impl<S, K> Stream for ReadHalf<S, K>
where
    S: AsyncRead + AsyncWrite,
    K: MaskKeySource + Unpin,
{
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let found = this.poll_found(cx);
        owned(found, &this.reader)
    }
}

/// The `Sink` methods, once for the whole connection and once for its write half.
macro_rules! sink {
    () => {
        type Error = Error;

        fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
            let (core, timer, who) = self.get_mut().parts();
            poll::poll_ready(core, timer, cx, who)
        }

        fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
            let (core, _, _) = self.get_mut().parts();
            core.with(|c| c.queue(&message))
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
            let (core, timer, who) = self.get_mut().parts();
            poll::poll_flush(core, timer, cx, who)
        }

        /// Sends a Close (1000) unless one was sent or received, and flushes.
        fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
            let (core, timer, who) = self.get_mut().parts();
            core.with(|c| c.queue_close_once())?;
            ready!(poll::poll_flush(core, timer, cx, who))?;
            Poll::Ready(Ok(()))
        }
    };
}

impl<S, K> Sink<Message> for WebSocket<S, K>
where
    S: AsyncRead + AsyncWrite + Unpin,
    K: MaskKeySource + Unpin,
{
    sink!();
}

impl<S, K> Sink<Message> for WriteHalf<S, K>
where
    S: AsyncRead + AsyncWrite,
    K: MaskKeySource + Unpin,
{
    sink!();
}
