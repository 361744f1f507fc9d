//! ponte-sim (placeholder, being written).
