//! Rebuilds when a migration is added or changed: `sqlx::migrate!()` embeds
//! the `migrations/` folder in the binary.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
