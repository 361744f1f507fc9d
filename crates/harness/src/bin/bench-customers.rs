//! Times customer validation and sync planning natively and writes the requests for
//! `bench/wasm-customers.js`, which times the same requests in the shipped wasm and prints the
//! ratios (one run, one machine: `bench/run.sh`).
//!
//! `bench-customers <out-dir>` writes `<out-dir>/customers.json`: a 5,000-customer batch (30 %
//! B2B, 1 or 2 addresses each, messy emails and formatted CPFs) and a Master Data state holding
//! half of them (with Ponte's record of its writes and some shopper edits), as the requests of
//! `validateCustomerBatch` and `planCustomerSync`, with the native timings of each through the
//! raw JSON ABI (`ponte_core::ops::call`: decode, work, encode; what one wasm call does).
//!
//! Build it optimised: `cargo run --release -p ponte-harness --no-default-features --bin bench-customers`.

use ponte_core::customers::{
    Address, CustomerBatch, CustomerItem, CustomerState, Profile, apply_customer_plan,
    plan_customers,
};
use ponte_harness::bench::{bench_main, calls_per_second};
use ponte_harness::customers_generate::cpf_from;
use serde_json::json;
use std::process::ExitCode;
use std::time::Duration;

const CUSTOMERS: usize = 5_000;

fn main() -> ExitCode {
    bench_main(
        "bench-customers <out-dir>  (writes customers.json there)",
        run,
    )
}

fn customer(i: usize) -> CustomerItem {
    let mut base = [0u32; 9];
    let mut n = 100_000_000 + i as u64 * 104_729;
    for d in base.iter_mut().rev() {
        *d = (n % 10) as u32;
        n /= 10;
    }
    let cpf = cpf_from(base);
    let b2b = i % 10 < 3;
    let addresses = (0..1 + (i % 5 < 3) as usize)
        .map(|k| Address {
            address_name: Some(if k == 0 { "casa" } else { "trabalho" }.into()),
            street: Some(["Avenida São João", "Rua Augusta", "Alameda Santos"][(i + k) % 3].into()),
            number: Some(format!("{}", 1 + i % 900 + k)),
            city: Some("São Paulo".into()),
            state: Some("SP".into()),
            country: Some("BRA".into()),
            postal_code: Some(format!("{:05}-{:03}", 1000 + i % 90_000, k)),
            ..Address::default()
        })
        .collect();
    CustomerItem {
        profile: Profile {
            email: Some(if i.is_multiple_of(7) {
                format!(" Cliente{i:05}+VIP@Example.com ")
            } else {
                format!("cliente{i:05}@example.com")
            }),
            first_name: Some(["Ana", "José", "Zoë", "Luíza"][i % 4].into()),
            last_name: Some(["Souza", "Gonçalves", "Nguyễn"][i % 3].into()),
            phone: Some(format!("+5511{:09}", i)),
            document_type: Some("CPF".into()),
            document: Some(format!(
                "{}.{}.{}-{}",
                &cpf[..3],
                &cpf[3..6],
                &cpf[6..9],
                &cpf[9..]
            )),
            is_corporate: Some(b2b),
            corporate_name: b2b.then(|| format!("Empresa {i} Ltda")),
            corporate_document: b2b.then(|| "11.222.333/0001-81".to_owned()),
            is_free_state_registration: b2b.then_some(true),
            price_tables: b2b.then(|| "b2b,tier1".to_owned()),
            ..Profile::default()
        },
        addresses,
        stale_addresses: None,
    }
}

fn run(out: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(out)?;
    let batch = CustomerBatch {
        customers: (0..CUSTOMERS).map(customer).collect(),
        ..CustomerBatch::default()
    };
    // Half of them already in Master Data (an earlier run of half the batch), a tenth of those
    // since edited by their shoppers.
    let half = CustomerBatch {
        customers: batch.customers[..CUSTOMERS / 2].to_vec(),
        ..CustomerBatch::default()
    };
    let plan = plan_customers("bench", &CustomerState::default(), &half)
        .map_err(|e| format!("the bench batch is invalid: {:?}", e.first()))?;
    let mut current = apply_customer_plan(&CustomerState::default(), &plan);
    for p in current.profiles.iter_mut().step_by(10) {
        p.profile.first_name = Some("Edited".into());
    }
    let validate = json!({"batch": batch});
    let sync = json!({"account": "bench", "current": current, "batch": batch});
    let (validate_s, sync_s) = (validate.to_string(), sync.to_string());
    let budget = Duration::from_millis(2000);
    let check = ponte_core::ops::call("planCustomerSync", &sync_s).map_err(|e| e.message)?;
    let writes = serde_json::from_str::<serde_json::Value>(&check)?["plan"]["writes"]
        .as_array()
        .map_or(0, Vec::len);
    let v_per_s = calls_per_second(1, 3, budget, || {
        let _ = std::hint::black_box(ponte_core::ops::call("validateCustomerBatch", &validate_s));
    });
    let p_per_s = calls_per_second(1, 3, budget, || {
        let _ = std::hint::black_box(ponte_core::ops::call("planCustomerSync", &sync_s));
    });
    let file = json!({
        "customers": CUSTOMERS,
        "held": current.profiles.len(),
        "writes": writes,
        "validate": validate,
        "sync": sync,
        "native": {"validatePerSecond": v_per_s, "planPerSecond": p_per_s},
    });
    std::fs::write(out.join("customers.json"), file.to_string())?;
    println!(
        "customers native (raw JSON ABI): validate {CUSTOMERS} customers {v_per_s:.1}/s ({:.0} customers/s); plan against {} held {p_per_s:.1}/s ({:.0} customers/s), {writes} writes; request {} KB",
        v_per_s * CUSTOMERS as f64,
        current.profiles.len(),
        p_per_s * CUSTOMERS as f64,
        sync_s.len() / 1024
    );
    Ok(())
}
