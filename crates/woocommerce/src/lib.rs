//! skusync's WooCommerce REST API v3 adapter.
#![warn(missing_docs)]

pub mod config;
pub mod oauth;
pub mod url;
pub mod wire;
