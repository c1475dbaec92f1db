//! The crate's tests: REST bodies (`body`), the wire format (`wire`), the declarations (`declarations`), the table
//! of who may run what (`permissions`), the typed views and how audit parameters show (`views`).

mod body;
mod declarations;
mod permissions;
mod views;
mod wire;
