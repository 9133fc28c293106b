//! What the tests, the fuzz targets and the benches of `rfc6455` share: owned events,
//! an in-memory client↔server pair, frames built and split by hand, and the benches'
//! u64-word baseline and workloads.

mod frames;
mod owned;
mod pair;
mod walk;
pub mod workloads;

pub use frames::{
    client_frame, client_header, close_code_in, frame_header, raw_frame, split_frames, CLIENT_KEY,
};
pub use owned::{Owned, Reassembly};
pub use pair::{drain, events_split, server_events, Inbox, Pair, NORMAL};
pub use rfc6455::DeterministicKeys;
pub use walk::{u64_unmask, u64_walk};
