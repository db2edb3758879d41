//! The simulated clock controllers and timestamps use: real time plus an offset that tests
//! move forward with `POST /kubesim/clock/advance`.

use jiff::{SignedDuration, Timestamp};
use std::sync::Mutex;
use tokio::sync::Notify;

#[derive(Debug, Default)]
pub struct Clock {
    offset: Mutex<SignedDuration>,
    /// Woken on every advance, so controllers react at once.
    pub advanced: Notify,
}

impl Clock {
    /// A clock that reads `start` now and then runs at real speed.
    pub fn starting_at(start: Option<Timestamp>) -> Self {
        let offset = start
            .map(|s| s.duration_since(Timestamp::now()))
            .unwrap_or_default();
        Clock {
            offset: Mutex::new(offset),
            advanced: Notify::new(),
        }
    }

    pub fn now(&self) -> Timestamp {
        let off = *self.offset.lock().expect("clock lock");
        Timestamp::now()
            .checked_add(off)
            .unwrap_or_else(|_| Timestamp::now())
    }

    pub fn advance(&self, by: SignedDuration) -> Timestamp {
        {
            let mut off = self.offset.lock().expect("clock lock");
            *off += by;
        }
        self.advanced.notify_waiters();
        self.now()
    }
}
