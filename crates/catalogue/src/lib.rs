//! The cmdlet catalogue: every server cmdlet declared once, between the service and the
//! interfaces (the management shell, the HTTP API's cmdlet endpoint, and what comes after them).
//!
//! - [`declare`]: what a declaration says ([`CmdletInfo`]: parameters, kinds, positions, pipeline
//!   binding, defaults from the domain's constants, help text, examples) and the [`cmdlet!`]
//!   macro that makes a cmdlet's typed struct, its registry entry, its binding and its audit
//!   parameters from one declaration.
//! - [`permissions`]: who may run each cmdlet and make each restricted use of it, one table
//!   keyed by [`CmdletId`]; every cmdlet's `operation()` carries them to the service.
//! - [`cmdlets`]: the declarations, one module per kind of object, and [`Cmdlet`], the enum of
//!   them all, whose `run` calls the service as the given principal and returns the cmdlet's
//!   objects in their [`views`].
//! - [`binding`]: arguments bound by parameter name, checked against a parameter's kind with one
//!   set of rules and messages for every interface.
//! - [`body`]: a cmdlet's parameters as the JSON body of a REST request, with its OpenAPI schema.
//! - [`value`]: the objects that flow through a pipeline; [`wire`]: how a bound invocation and
//!   its result travel between a remote shell and the server.
//!
//! The catalogue knows neither PowerShell syntax nor HTTP: the shell parses and displays, the
//! server routes and encodes, and both ask the catalogue what a cmdlet takes and does. The one
//! piece of PowerShell it writes is an audit record's parameters as a command line
//! ([`views::cmdlet_parameters`]), which the shell and the web admin center both show.
//!
//! [`cmdlet!`]: declare::cmdlet

pub mod binding;
pub mod body;
pub mod cmdlets;
pub mod declare;
pub mod permissions;
pub mod value;
pub mod views;
pub mod wire;

#[cfg(feature = "testing")]
pub mod testing;

pub use binding::{Argument, Arguments, Batch, Invocation, PageRequest};
pub use cmdlets::{CMDLETS, Cmdlet, CmdletId, find};
pub use declare::CmdletInfo;
pub use value::{Object, Value};

#[cfg(test)]
mod tests;
