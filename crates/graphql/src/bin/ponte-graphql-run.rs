//! Runs GraphQL requests through ponte-graphql natively against a live VTEX (ponte-sim), the
//! native side of the GraphQL differential test (`tests/graphql.differential.e2e.test.ts`).
//!
//! Reads one JSON object on stdin:
//! `{"proxy": "http://127.0.0.1:PORT", "account": "...", "appToken": "...", "workspace": "master",
//!   "app": "ponte.ponte",
//!   "requests": [{"query": "...", "variables": {...}, "headers": {"cookie": "..."}}]}`
//! and writes the JSON array of the responses (`{data, errors}`) on stdout, in order.
//! Every request gets the account's VTEX through the proxy ([`ponte_graphql::Vtex`]) and the
//! credentials its headers carry, confirmed online with VTEX ID as the Node service does.

use std::io::Read;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use async_graphql::{Request, Variables};
use ponte_graphql::{SsoData, Vtex};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    proxy: String,
    account: String,
    app_token: String,
    /// The workspace and app (`vendor.name`) whose VBase is read; default master, ponte.ponte.
    #[serde(default)]
    workspace: Option<String>,
    #[serde(default)]
    app: Option<String>,
    requests: Vec<GraphQLRequest>,
}

#[derive(Debug, Deserialize)]
struct GraphQLRequest {
    query: String,
    #[serde(default)]
    variables: Option<serde_json::Value>,
    #[serde(default)]
    headers: std::collections::BTreeMap<String, String>,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ponte-graphql-run: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| format!("reading stdin: {e}"))?;
    let input: Input = serde_json::from_str(&text).map_err(|e| format!("the input: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio: {e}"))?;
    let vtex = Vtex::new(&input.proxy, &input.account, &input.app_token)
        .map_err(|e| format!("the proxy: {e}"))?
        .with_app(
            input.workspace.as_deref().unwrap_or("master"),
            input.app.as_deref().unwrap_or("ponte.ponte"),
        );
    let schema = ponte_graphql::schema();
    let mut answers = Vec::with_capacity(input.requests.len());
    for request in input.requests {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|e| format!("the clock: {e}"))?
            .as_secs();
        let now = i64::try_from(now).map_err(|e| format!("the clock: {e}"))?;
        let response = runtime.block_on(async {
            let sso = SsoData::from_headers(&input.account, now, &request.headers)
                .confirm_online(&vtex)
                .await;
            let mut gql = Request::new(request.query).data(vtex.clone()).data(sso);
            if let Some(variables) = request.variables {
                gql = gql.variables(Variables::from_json(variables));
            }
            schema.execute(gql).await
        });
        answers.push(serde_json::to_value(&response).map_err(|e| format!("an answer: {e}"))?);
    }
    let out = serde_json::to_string(&answers).map_err(|e| format!("the answers: {e}"))?;
    println!("{out}");
    Ok(())
}
