// `sqlx::migrate!` embeds the migrations at compile time; without this, adding a migration
// file leaves a stale binary that silently lacks it.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
