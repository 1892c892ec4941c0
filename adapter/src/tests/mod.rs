//! Tests of the crate-private plumbing (routing, automatic acks, message
//! conversion, error text of internal types): they need what users cannot
//! reach, so they live inside the crate.

mod ack_order;
mod error_text;
mod plumbing;
mod routing;
mod topic_alias;
