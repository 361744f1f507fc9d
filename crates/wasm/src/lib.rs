//! ponte-wasm (placeholder, being written).
