//! The simulator's one deterministic generator: SplitMix64, so a seed replays the same shopper
//! orders, catalog, fault draws and feed reordering on every machine; and the random ids
//! (hex, version 4 UUIDs) of messages and change requests.

use std::sync::atomic::{AtomicU64, Ordering};

/// Advances `state` and returns the next SplitMix64 output.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A configured per-call latency with deterministic jitter (the benches' VTEX-like round trips):
/// `base_ms` plus a draw in `0..=jitter_ms` from its own SplitMix64 state.
#[derive(Debug)]
pub struct Jitter(std::sync::Mutex<u64>);

impl Jitter {
    pub fn new(seed: u64) -> Jitter {
        Jitter(std::sync::Mutex::new(seed))
    }

    /// This call's delay.
    pub fn delay(&self, base_ms: u64, jitter_ms: u64) -> std::time::Duration {
        let jitter = if jitter_ms == 0 {
            0
        } else {
            splitmix64(&mut super::lock(&self.0)) % (jitter_ms + 1)
        };
        std::time::Duration::from_millis(base_ms.saturating_add(jitter))
    }
}

/// A uniform draw in `[0, 1)` from the next output.
pub fn unit(state: &mut u64) -> f64 {
    (splitmix64(state) >> 11) as f64 / (1u64 << 53) as f64
}

/// A SplitMix64 generator with its state.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        splitmix64(&mut self.0)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && unit(&mut self.0) < p
    }
}

/// `len` random bytes as uppercase hex (the OS RNG; a counter-based fallback never repeats).
pub fn random_hex(len: usize) -> String {
    static FALLBACK: AtomicU64 = AtomicU64::new(0x5EED);
    let mut bytes = vec![0u8; len];
    if getrandom::fill(&mut bytes).is_err() {
        let mut rng = Rng::new(FALLBACK.fetch_add(1, Ordering::SeqCst) ^ now_wall_ms() as u64);
        for b in &mut bytes {
            *b = rng.next_u64() as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// A random version 4 UUID, lowercase (message ids, change request ids).
pub fn uuid_v4() -> String {
    let mut h = random_hex(16).to_ascii_lowercase().into_bytes();
    // Version 4 (the 13th digit) and the RFC 4122 variant (the 17th: 8, 9, a or b).
    h[12] = b'4';
    h[16] = b"89ab"[usize::from(h[16] % 4)];
    let h = String::from_utf8_lossy(&h).into_owned();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn now_wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_splitmix64() {
        // SplitMix64 from seed 0: the published first outputs.
        let mut s = 0u64;
        assert_eq!(splitmix64(&mut s), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(&mut s), 0x6E78_9E6A_A1B9_65F4);
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert!(!r.chance(0.0));
    }
}
