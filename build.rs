//! Rebuild when a blueprint changes: `include_dir!` alone does not tell Cargo (`include_dir` issue 77).

fn main() {
    println!("cargo:rerun-if-changed=blueprints");
}
