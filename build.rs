//! Embeds the built-in generators' templates (everything under
//! `generators/`) as `(name, text)` pairs; the engine renders them at run
//! time, or a project's override in their place. The templates of earlier
//! releases (`bases/`) are embedded the same way, for `cargo mvc update`.

use std::fmt::Write as _;
use std::path::Path;

fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("the templates folder is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            // A file added to the folder changes the folder.
            println!("cargo:rerun-if-changed={}", path.display());
            walk(&path, base, out);
        } else {
            let rel = path.strip_prefix(base).expect("under the folder walked");
            out.push(
                rel.to_str()
                    .expect("UTF-8 template names")
                    .replace('\\', "/"),
            );
        }
    }
}

/// `pub static STATIC: &[(&str, &str)]`: every file under `dir` (of the
/// package), named by its path in `dir`.
fn table(code: &mut String, manifest: &str, dir: &str, name: &str) {
    let base = Path::new(manifest).join(dir);
    println!("cargo:rerun-if-changed={dir}");
    let mut names = Vec::new();
    walk(&base, &base, &mut names);
    writeln!(code, "pub static {name}: &[(&str, &str)] = &[").expect("writing to a String");
    for file in &names {
        println!("cargo:rerun-if-changed={dir}/{file}");
        writeln!(
            code,
            "    ({file:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{dir}/{file}\"))),"
        )
        .expect("writing to a String");
    }
    code.push_str("];\n");
}

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rerun-if-changed=build.rs");
    let mut code = String::new();
    table(&mut code, &manifest, "generators", "BUILTIN");
    // The templates of earlier releases, which `cargo mvc update` renders
    // to know what those releases wrote (bases/templates-N/GENERATOR/...).
    table(&mut code, &manifest, "bases", "BASES");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("builtin_templates.rs"), code)
        .expect("OUT_DIR is writable");
}
