//! Embeds the built-in generators' templates (everything under
//! `generators/`) as `(name, text)` pairs; the engine renders them at run
//! time, or a project's override in their place.

use std::fmt::Write as _;
use std::path::Path;

fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("generators/ is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            // A file added to the folder changes the folder.
            println!("cargo:rerun-if-changed={}", path.display());
            walk(&path, base, out);
        } else {
            let rel = path.strip_prefix(base).expect("under generators/");
            out.push(
                rel.to_str()
                    .expect("UTF-8 template names")
                    .replace('\\', "/"),
            );
        }
    }
}

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let base = Path::new(&manifest).join("generators");
    println!("cargo:rerun-if-changed=generators");
    let mut names = Vec::new();
    walk(&base, &base, &mut names);
    let mut code = String::from("pub static BUILTIN: &[(&str, &str)] = &[\n");
    for name in &names {
        println!("cargo:rerun-if-changed=generators/{name}");
        writeln!(
            code,
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/generators/{name}\"))),"
        )
        .expect("writing to a String");
    }
    code.push_str("];\n");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("builtin_templates.rs"), code)
        .expect("OUT_DIR is writable");
}
