//! The OpenAPI 3.1 document and the JSON Schema of instance@1, both generated (utoipa) from
//! the Rust types the handlers read and write, so they cannot drift from the code.

use serde_json::{Map, Value};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use super::jobs::{JobKind, JobState};
use super::problem::{ApiProblem, FieldProblem};
use super::wire::{
    HealthResponse, JobRequest, JobResult, JobStatus, SensitivityRequest, ValidResponse,
    VerifyRequest, VerifyResponse, ViolationOut,
};
use super::{handlers, sensitivity};
use crate::format::{InstanceFile, PlanFile, ScenariosFile, SensitivityFile};

/// The API description; [`openapi_json`] renders it.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "spreiding",
        description = "Plans how GP patients are redistributed over a city's practices, phase \
                       by phase. JSON in and out, the same documents as the CLI \
                       (spreiding/instance@1, spreiding/plan@1, spreiding/scenarios@1, \
                       spreiding/sensitivity@1); errors are \
                       application/problem+json (RFC 9457)."
    ),
    paths(
        handlers::plan,
        handlers::validate,
        handlers::verify,
        sensitivity::sensitivity,
        handlers::create_job,
        handlers::get_job,
        handlers::get_job_result,
        handlers::delete_job,
        handlers::health,
        handlers::openapi,
        handlers::instance_schema,
    ),
    components(schemas(
        InstanceFile, PlanFile, ApiProblem, FieldProblem, ValidResponse, VerifyRequest,
        VerifyResponse, ViolationOut, HealthResponse, JobStatus, JobKind, JobState,
        SensitivityRequest, ScenariosFile, SensitivityFile, JobRequest, JobResult
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "plan", description = "Plans, checks and what-ifs"),
        (name = "jobs", description = "Long runs in the background"),
        (name = "service", description = "Health and descriptions"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Needed when the server was started with --token-file"))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI 3.1 document as JSON text.
pub fn openapi_json() -> Result<String, serde_json::Error> {
    ApiDoc::openapi().to_pretty_json()
}

/// A standalone JSON Schema (draft 2020-12) of `spreiding/instance@1`: the schema of
/// [`InstanceFile`] with every type it uses under `$defs`.
pub fn instance_schema_json() -> Result<String, serde_json::Error> {
    let mut parts = Vec::new();
    <InstanceFile as ToSchema>::schemas(&mut parts);
    let mut defs = Map::new();
    for (name, schema) in parts {
        defs.insert(name, serde_json::to_value(schema)?);
    }
    let mut root = Map::new();
    root.insert(
        "$schema".into(),
        Value::from("https://json-schema.org/draft/2020-12/schema"),
    );
    root.insert("$id".into(), Value::from("urn:spreiding:schema:instance@1"));
    root.insert("title".into(), Value::from("spreiding/instance@1"));
    if let Value::Object(body) = serde_json::to_value(<InstanceFile as PartialSchema>::schema())? {
        root.extend(body);
    }
    root.insert("$defs".into(), Value::Object(defs));
    let mut document = Value::Object(root);
    rewrite_refs(&mut document);
    serde_json::to_string_pretty(&document)
}

/// `#/components/schemas/X` → `#/$defs/X`.
fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "$ref"
                    && let Value::String(target) = v
                    && let Some(name) = target.strip_prefix("#/components/schemas/")
                {
                    *target = format!("#/$defs/{name}");
                } else {
                    rewrite_refs(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}
