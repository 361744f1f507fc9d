//! ponte-graphql (placeholder, being written).
