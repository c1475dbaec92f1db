//! The crate's tests: the wire format (`wire`), the declarations (`declarations`), the table
//! of who may run what (`permissions`), the typed views and how audit parameters show (`views`).

mod declarations;
mod permissions;
mod views;
mod wire;
