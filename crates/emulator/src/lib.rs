//! A faithful, stateful emulator of the WooCommerce REST API v3.
//!
//! Shares no code with the WooCommerce adapter: its behaviour comes from
//! `woocommerce-api.md` and the captured samples, so a misunderstanding in
//! the adapter cannot be mirrored here.
#![warn(missing_docs)]

pub mod auth;
pub mod tls;
