//! This project's own release: the package has a name of its own on crates.io, the release
//! workflow passes the same validators as the workflows scaffold writes, and cargo-binstall's
//! metadata names exactly the archives that workflow publishes.

use std::path::Path;
use std::process::Command;

use crate::validators::tool;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn manifest() -> toml::Table {
    std::fs::read_to_string(root().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap()
}

fn workflow_text() -> String {
    std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap()
}

fn workflow() -> yaml_rust2::Yaml {
    yaml_rust2::YamlLoader::load_from_str(&workflow_text())
        .unwrap()
        .remove(0)
}

#[test]
fn the_package_has_its_own_name_and_what_a_crates_io_release_needs() {
    let manifest = manifest();
    let package = manifest["package"].as_table().unwrap();
    assert_eq!(package["name"].as_str(), Some("scaffold-foundations"));
    assert_eq!(package["rust-version"].as_str(), Some("1.95"));
    for key in [
        "description",
        "license",
        "repository",
        "readme",
        "keywords",
        "categories",
    ] {
        assert!(package.contains_key(key), "Cargo.toml lacks package.{key}");
    }
    let bins = manifest["bin"].as_array().unwrap();
    assert_eq!(
        bins[0]["name"].as_str(),
        Some("scaffold"),
        "the command stays `scaffold`"
    );
}

#[test]
fn the_published_crate_holds_no_tests_or_fixtures() {
    let out = Command::new(env!("CARGO"))
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let files = String::from_utf8(out.stdout).unwrap();
    let allowed = [
        ".cargo_vcs_info.json",
        "Cargo.lock",
        "Cargo.toml",
        "Cargo.toml.orig",
        "README.md",
        "build.rs",
    ];
    let stray: Vec<&str> = files
        .lines()
        .filter(|f| !(f.starts_with("src/") || f.starts_with("blueprints/")))
        .filter(|f| !allowed.contains(f))
        .collect();
    assert_eq!(stray, Vec::<&str>::new(), "files the crate should not ship");
    assert!(!files.contains("tests/"), "{files}");
    assert!(files.lines().any(|f| f == "blueprints/ci/blueprint.toml"));
}

#[test]
fn the_release_workflow_passes_actionlint_and_zizmor_and_pins_every_action() {
    let path = root().join(".github/workflows/release.yml");
    let lint = Command::new(tool("actionlint"))
        .arg(&path)
        .output()
        .unwrap();
    assert!(lint.status.success(), "{lint:?}");
    let audit = Command::new(tool("zizmor"))
        .args(["--offline", "--min-severity", "low"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        audit.status.success(),
        "{}",
        String::from_utf8_lossy(&audit.stdout)
    );
    let pinned = regex::Regex::new(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40} # v?[\w.]+$").unwrap();
    let shared = std::fs::read_to_string(root().join("blueprints/shared.toml")).unwrap();
    let mut uses = 0;
    for line in workflow_text().lines() {
        let Some(action) = line.trim().trim_start_matches("- ").strip_prefix("uses: ") else {
            continue;
        };
        uses += 1;
        assert!(pinned.is_match(action), "not pinned to a commit: {action}");
        if action.starts_with("actions/checkout@") {
            assert!(
                shared.contains(action),
                "checkout differs from the users' pin: {action}"
            );
        }
    }
    assert_eq!(uses, 5);
}

#[test]
fn binstall_finds_the_archive_the_workflow_publishes_for_every_target() {
    let manifest = manifest();
    let binstall = &manifest["package"]["metadata"]["binstall"];
    let url = binstall["pkg-url"].as_str().unwrap();
    let workflow = workflow();
    let jobs = &workflow["jobs"]["upload-assets"];
    let step = jobs["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("taiki-e/upload-rust-binary-action@"))
        })
        .unwrap();
    let archive = step["with"]["archive"].as_str().unwrap();
    assert_eq!(step["with"]["bin"].as_str(), Some("scaffold"));
    let version = manifest["package"]["version"].as_str().unwrap();
    let tag = format!("v{version}");
    let targets: Vec<&str> = jobs["strategy"]["matrix"]["include"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    for target in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(targets.contains(&target), "no {target} build");
    }
    for target in targets {
        let windows = target.contains("windows");
        // The action archives as .tar.gz on Unix and .zip on Windows.
        let published = format!(
            "{}{}",
            archive.replace("$tag", &tag).replace("$target", target),
            if windows { ".zip" } else { ".tar.gz" }
        );
        let format = binstall["overrides"]
            .get(target)
            .and_then(|o| o.get("pkg-fmt"))
            .or(binstall.get("pkg-fmt"))
            .and_then(|f| f.as_str())
            .unwrap();
        let suffix = match format {
            "zip" => ".zip",
            "tgz" => ".tar.gz",
            other => panic!("unexpected pkg-fmt {other}"),
        };
        let expected = url
            .replace("{ repo }", "REPO")
            .replace("{ version }", version)
            .replace("{ target }", target)
            .replace("{ archive-suffix }", suffix);
        assert_eq!(
            expected,
            format!("REPO/releases/download/{tag}/{published}"),
            "{target}"
        );
    }
}
