//! The platform every simulated API stands on, knowing none of them: the HTTP front that
//! routes proxied requests by host and path ([`http`]), the embedded redb store ([`store`]),
//! the error types and bodies ([`error`]), fault injection and request statistics
//! ([`faults`]), the simulated clock ([`clock`]), the seeded generator ([`rng`]) and the order
//! bus between the OMS and what consumes its changes ([`bus`]).

pub mod bus;
pub mod clock;
pub mod error;
pub mod faults;
pub mod http;
pub mod rng;
pub mod store;

/// Locks `m`, taking the data of a poisoned lock as it is (a panicked handler leaves the
/// simulator's state readable; its tests, not the lock, catch the panic).
pub fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
