//! ponte-harness (placeholder, being written).
