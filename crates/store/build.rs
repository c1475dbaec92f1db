//! The migrations are embedded by `sqlx::migrate!`, which can't tell cargo to watch their
//! folder: a migration added or changed must still rebuild the crate.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
