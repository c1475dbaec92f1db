//! The crate's tests: the wire format (`wire`), the declarations (`declarations`), the table
//! of who may run what (`permissions`) and how objects show (`views`).

mod declarations;
mod permissions;
mod views;
mod wire;
