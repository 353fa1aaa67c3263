//! The log of API requests received, for tests that check what a client sent. It keeps the
//! request line only: headers and bodies carry API keys and service keys.

use crate::routes::Route;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// One API request as received.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedRequest {
    pub method: String,
    /// The path as it arrived, before any percent-decoding.
    pub path: String,
    pub query: Option<String>,
    /// The API route it matched, if any.
    pub route: Option<Route>,
    /// Whether it carried a known API key.
    pub authorized: bool,
}

/// Oldest requests are dropped past this, so a long-running sandbox does not grow without end.
const MAX_RECORDED: usize = 10_000;

#[derive(Debug, Default)]
pub(crate) struct RequestLog(VecDeque<RecordedRequest>);

impl RequestLog {
    pub(crate) fn push(&mut self, request: RecordedRequest) {
        if self.0.len() == MAX_RECORDED {
            self.0.pop_front();
        }
        self.0.push_back(request);
    }

    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.0.iter().cloned().collect()
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }
}
