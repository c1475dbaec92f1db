//! The OpenAPI 3.1 document of the API (`/api/v1/openapi.json`) apart from its paths: its
//! description, the bearer security scheme and the problem schema. The paths, with the schemas
//! they use, come from the handlers' annotations as [`crate::api`] routes them. The schemas that
//! a derive can't state (the wire format of cmdlet calls) are written here by hand.

use std::borrow::Cow;

use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use crate::problem::Problem;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "umpin API",
        description = "Voice-mail PIN administration in the manner of Exchange Unified Messaging: mailboxes, UM dial plans, UM mailbox policies, UM mailboxes and their PINs, every server-side cmdlet, and voice access for telephony front ends. Sign in with POST /api/v1/auth/token, then send Authorization: Bearer <token>. Every error is application/problem+json."
    ),
    components(schemas(Problem)),
    modifiers(&BearerScheme)
)]
struct ApiDoc;

/// Adds the `bearer` security scheme the operations name.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from POST /api/v1/auth/token."))
                    .build(),
            ),
        );
    }
}

/// The document without its paths: the routes of [`crate::api`] add each path with its operations
/// and the schemas they use.
pub fn base() -> Document {
    ApiDoc::openapi()
}

/// A value in the wire format of cmdlet calls: JSON for null, booleans, whole numbers, strings
/// and arrays; `{"time": ...}` for a time; `{"type": ..., "properties": [[name, value], ...]}`
/// for an object.
fn wire_value() -> ObjectBuilder {
    ObjectBuilder::new().description(Some(
        "A value: null, a boolean, a whole number, a string, an array of values, {\"time\": \"<RFC 3339>\"}, or {\"type\": \"<type name>\", \"properties\": [[\"<name>\", <value>], ...]} for an object.",
    ))
}

/// The request body of `POST /api/v1/cmdlets/{name}` (see `umpin_catalogue::wire`).
pub struct CmdletRequestDoc;

impl PartialSchema for CmdletRequestDoc {
    fn schema() -> RefOr<Schema> {
        let page = ObjectBuilder::new()
            .property("after", ObjectBuilder::new().schema_type(Type::String))
            .property("size", ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).maximum(Some(1000)))
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        ObjectBuilder::new()
            .property(
                "parameters",
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .additional_properties(Some(wire_value()))
                    .description(Some(
                        "Parameter names (case-insensitive; unambiguous prefixes allowed) and their values, such as {\"Identity\": \"tony@contoso.com\", \"Pin\": \"5643892\"}.",
                    )),
            )
            .property("page", page.description(Some("For a listing: the objects after the cursor `after`, at most `size`.")))
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .into()
    }
}

impl ToSchema for CmdletRequestDoc {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("CmdletRequest")
    }
}

/// What a cmdlet returned (see `umpin_catalogue::wire`).
pub struct CmdletResultDoc;

impl PartialSchema for CmdletResultDoc {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .property("objects", ArrayBuilder::new().items(wire_value()))
            .required("objects")
            .property("warnings", ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String)))
            .required("warnings")
            .property(
                "next",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("Present when more objects follow: send it as page.after.")),
            )
            .into()
    }
}

impl ToSchema for CmdletResultDoc {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("CmdletResult")
    }
}
