//! The crate's tests: the wire format (`wire`), the declarations (`declarations`), the table
//! of who may run what (`permissions`) and the typed views (`views`).

mod declarations;
mod permissions;
mod views;
mod wire;
