//! The crate's tests: the wire format (`wire`) and the declarations (`declarations`).

mod declarations;
mod wire;
