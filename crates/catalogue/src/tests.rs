//! The crate's tests: the wire format (`wire`), the declarations (`declarations`) and the table
//! of who may run what (`permissions`).

mod declarations;
mod permissions;
mod wire;
