//! Reads a 50,000-item emulated store (filled in below).

fn main() {}
