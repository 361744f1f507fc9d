//! The order intake fields (`orderIntake`, `configureOrderIntake`): they read and write VTEX's
//! Hook, Feed v3 and vtex.scheduler configurations, which only the VTEX IO service reaches
//! (node/orders/setup.ts). Natively they check the admin session and answer NOT_SUPPORTED.

use crate::import::NOT_SUPPORTED;
use crate::{coded_error, sso};
use async_graphql::{Context, Object, SimpleObject};
use ponte_core::sso::Audience;

// The schema's descriptions are the doc comments (tests/sdl.rs compares them).

/// The order intake of this workspace as VTEX holds it, compared with what Ponte would configure. Secrets are never shown.
#[derive(Debug, Clone, SimpleObject)]
pub struct OrderIntake {
    /// The hook's URL in VTEX, or null when no hook is configured.
    pub hook_url: Option<String>,
    /// The hook has this workspace's route, the intake statuses and the hook secret.
    pub hook_ok: bool,
    /// Feed v3 is configured with the intake statuses.
    pub feed_ok: bool,
    /// The feed tick schedule's Quartz expression, or null when there is none.
    pub tick_expression: Option<String>,
    /// When vtex.scheduler calls the feed tick next (ISO 8601), when it says.
    pub tick_next_execution: Option<String>,
    /// The schedules call this workspace's feed tick route and customer changes tick route with the tick secret.
    pub tick_ok: bool,
    /// The statuses the hook and the feed pass on.
    pub statuses: Vec<String>,
    /// hookOk, feedOk and tickOk.
    pub ok: bool,
}

fn not_supported(field: &str) -> async_graphql::Error {
    coded_error(
        NOT_SUPPORTED,
        format!(
            "{field} needs VTEX's Hook, Feed v3 and scheduler APIs: the VTEX IO service sets up the intake"
        ),
    )
}

/// Which workspace does background work and writes.
#[derive(Debug, Clone, SimpleObject)]
pub struct WorkspaceRole {
    /// The workspace that answered.
    pub workspace: String,
    /// The workspace that owns background work and writes (setting backgroundWorkspace).
    pub background_workspace: String,
    /// workspace is backgroundWorkspace.
    pub owns_background_work: bool,
}

/// `Query.workspaceRole`: the setting lives in the VTEX IO app settings.
pub(crate) fn workspace_role(ctx: &Context<'_>) -> async_graphql::Result<WorkspaceRole> {
    sso::session(ctx, Audience::Admin)?;
    Err(not_supported("workspaceRole"))
}

/// `Query.orderIntake`.
pub(crate) fn order_intake(ctx: &Context<'_>) -> async_graphql::Result<OrderIntake> {
    sso::session(ctx, Audience::Admin)?;
    Err(not_supported("orderIntake"))
}

/// The intake part of the root mutation (after the orders fields, in the schema file's order).
#[derive(Debug, Clone, Copy, Default)]
pub struct IntakeMutation;

#[Object]
impl IntakeMutation {
    /// Sets up this workspace's order intake in VTEX: the Hook (this app's hook route on the account's host, the intake statuses, the hookSecret setting as a header; VTEX pings the route before it accepts), Feed v3 (the same filter) and vtex.scheduler schedules that call the feed tick route and the customer changes tick route (customers changed in VTEX, to the ERP) with the tickSecret setting, on tickExpression (Quartz cron, UTC; default every minute). Then reads each back and compares. Idempotent: each is VTEX's create-or-replace. Settings missing: INTAKE_SETTINGS_MISSING; VTEX refusing one: INTAKE_CONFIG_REFUSED (extensions.status, extensions.what); an expression that is not Quartz cron: TICK_EXPRESSION_INVALID. Admin only.
    async fn configure_order_intake(
        &self,
        ctx: &Context<'_>,
        tick_expression: Option<String>,
    ) -> async_graphql::Result<OrderIntake> {
        sso::session(ctx, Audience::Admin)?;
        let _ = tick_expression;
        Err(not_supported("configureOrderIntake"))
    }
}
