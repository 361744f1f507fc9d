//! Field errors the way the GraphQL specification (§6.4.4, "Handling Field Errors") and
//! graphql-js, hence the Node service, handle them; async-graphql does not by default: it
//! leaves a failed field out of its parent object, and `data` is null only when every root
//! field failed. The GraphQL differential test found the difference (`{ category(id: "999") }`
//! answered `data: null` natively and `data: {category: null}` from Node).
//!
//! This extension restores the specification's behaviour:
//! - a field of a nullable type whose resolver fails answers `null`, its error kept;
//! - a root field of a non-null type that fails makes `data` null.
//!
//! A non-null field below the root that fails still leaves its parent without the key (the
//! specification would null the nearest nullable ancestor); no field of the schema fails
//! that way except behind a root field that failed first.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextResolve, ResolveInfo,
};
use async_graphql::{Response, ServerError, ServerResult, Value};

/// Install with `Schema::build(..).extension(SpecNulls)`; [`crate::schema`] does.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpecNulls;

impl ExtensionFactory for SpecNulls {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SpecNullsExtension::default())
    }
}

/// One per request: the errors of nullable fields answered `null`.
#[derive(Debug, Default)]
struct SpecNullsExtension {
    nulled: Mutex<Vec<ServerError>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for SpecNullsExtension {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        let nulled = std::mem::take(&mut *self.nulled.lock().unwrap_or_else(|e| e.into_inner()));
        // Every root field left out failed with a non-null type (nullable ones are null now).
        let root_failed = response.errors.iter().any(|e| {
            matches!(e.path.as_slice(), [async_graphql::PathSegment::Field(key)]
                if !matches!(&response.data, Value::Object(data) if data.contains_key(key.as_str())))
        });
        if root_failed {
            response.data = Value::Null;
        }
        response.errors.extend(nulled);
        response
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let nullable = !info.return_type.ends_with('!');
        match next.run(ctx, info).await {
            Err(error) if nullable => {
                self.nulled
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(error);
                Ok(Some(Value::Null))
            }
            other => other,
        }
    }
}
