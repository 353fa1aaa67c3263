//! `sqlx::migrate!` embeds `migrations/` at compile time; a new or edited migration must
//! rebuild the server.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
