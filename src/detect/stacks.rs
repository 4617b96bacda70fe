//! Ruby, JVM and PHP projects: the tool that builds them, the language version they pin and the
//! test command they have. Texts come lowercased from the scan.

use super::projects::{Project, first_line, join, major_minor, prefix};
use crate::assess::scan::Scan;

/// Bundler: `Gemfile` (and `Gemfile.lock`), the version from `.ruby-version` or the Gemfile's
/// `ruby "x"`, and `RSpec` (a `spec/` folder) or Rails' own runner (`bin/rails test`).
pub(super) fn ruby(scan: &Scan, p: &mut Project) {
    let dir = p.path.clone();
    p.locked = scan.has(&join(&dir, "Gemfile.lock"));
    p.version = first_line(scan, &dir, ".ruby-version")
        .map(|v| v.trim_start_matches("ruby-").to_owned())
        .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
        .or_else(|| gemfile_ruby(scan.text(&join(&dir, "Gemfile"))?));
    p.test = if has_under(scan, &dir, "spec/") {
        Some("bundle exec rspec".to_owned())
    } else if scan.has(&join(&dir, "bin/rails")) {
        Some("bin/rails test".to_owned())
    } else {
        None
    };
}

/// The Ruby version a Gemfile names: `ruby "3.3.0"` as written, `ruby "~> 3.2"` as `3.2`.
fn gemfile_ruby(gemfile: &str) -> Option<String> {
    gemfile.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("ruby")?.trim_start();
        let quoted = rest.strip_prefix(['"', '\''])?;
        let value = &quoted[..quoted.find(['"', '\''])?];
        if value.starts_with(|c: char| c.is_ascii_digit()) {
            Some(value.to_owned())
        } else {
            major_minor(value)
        }
    })
}

/// Gradle or Maven, the wrapper preferred (a folder with both builds: the one whose wrapper is
/// committed, else Gradle), the Java version of the toolchain config, and the build's `test`
/// task when the project has test sources.
pub(super) fn jvm(scan: &Scan, p: &mut Project) {
    let dir = p.path.clone();
    let gradle_file = ["build.gradle.kts", "build.gradle"]
        .into_iter()
        .find(|f| scan.has(&join(&dir, f)));
    let gradle_wrapper = scan.has(&join(&dir, "gradlew"));
    let maven_wrapper = scan.has(&join(&dir, "mvnw"));
    let maven = scan.has(&join(&dir, "pom.xml"));
    let use_maven = gradle_file.is_none() || (maven && maven_wrapper && !gradle_wrapper);
    let text = if use_maven {
        p.tool = "maven";
        p.manifest = "pom.xml";
        p.wrapper = maven_wrapper;
        scan.text(&join(&dir, "pom.xml")).and_then(maven_java)
    } else {
        p.tool = "gradle";
        p.manifest = gradle_file.unwrap_or("build.gradle.kts");
        p.wrapper = gradle_wrapper;
        scan.text(&join(&dir, p.manifest)).and_then(gradle_java)
    };
    p.version = text;
    let tested = scan.files().iter().any(|f| {
        f.strip_prefix(&prefix(&dir))
            .is_some_and(|rest| rest.starts_with("src/test/") || rest.contains("/src/test/"))
    });
    if tested {
        let runner = match (use_maven, p.wrapper) {
            (true, true) => "./mvnw",
            (true, false) => "mvn",
            (false, true) => "./gradlew",
            (false, false) => "gradle",
        };
        p.test = Some(format!("{runner} test"));
    }
}

/// The Java version of a Gradle build: its toolchain (`JavaLanguageVersion.of(21)`, Kotlin's
/// `jvmToolchain(21)`), else `sourceCompatibility`.
fn gradle_java(build: &str) -> Option<String> {
    for marker in ["javalanguageversion.of(", "jvmtoolchain("] {
        if let Some(at) = build.find(marker) {
            return number(&build[at + marker.len()..]);
        }
    }
    let line = build
        .lines()
        .find(|l| l.trim_start().starts_with("sourcecompatibility"))?;
    let value = line.split_once('=').map_or(line, |(_, v)| v);
    let value = value.replace("version_1_", "").replace("1.8", "8");
    number(value.trim_start_matches(|c: char| !c.is_ascii_digit()))
}

/// The Java version of a Maven build: `<maven.compiler.release>`, `<java.version>` (Spring Boot)
/// or `<maven.compiler.source>`.
fn maven_java(pom: &str) -> Option<String> {
    [
        "maven.compiler.release",
        "java.version",
        "maven.compiler.source",
    ]
    .into_iter()
    .find_map(|tag| {
        let open = format!("<{tag}>");
        let start = pom.find(&open)? + open.len();
        let value = pom[start..].split('<').next()?.trim();
        let value = value.strip_prefix("1.").unwrap_or(value);
        number(value)
    })
}

/// The whole number a text starts with (spaces skipped).
fn number(text: &str) -> Option<String> {
    let digits: String = text
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!digits.is_empty()).then_some(digits)
}

/// Composer: the PHP version of `require.php`, and `composer test` (a `test` script) or
/// `vendor/bin/phpunit` (`PHPUnit` configured or required).
pub(super) fn php(scan: &Scan, p: &mut Project) {
    let dir = p.path.clone();
    p.locked = scan.has(&join(&dir, "composer.lock"));
    let manifest: serde_json::Value = scan
        .text(&join(&dir, "composer.json"))
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    p.version = manifest["require"]["php"].as_str().and_then(major_minor);
    let phpunit = scan.has(&join(&dir, "phpunit.xml"))
        || scan.has(&join(&dir, "phpunit.xml.dist"))
        || !manifest["require-dev"]["phpunit/phpunit"].is_null();
    p.test = if !manifest["scripts"]["test"].is_null() {
        Some("composer test".to_owned())
    } else if phpunit {
        Some("vendor/bin/phpunit".to_owned())
    } else {
        None
    };
}

/// Whether any file lies under `folder` of the project in `dir`.
fn has_under(scan: &Scan, dir: &str, folder: &str) -> bool {
    let base = format!("{}{folder}", prefix(dir));
    scan.files().iter().any(|f| f.starts_with(&base))
}

#[cfg(test)]
mod tests {
    use super::super::projects::find;
    use crate::assess::scan::Scan;

    /// (tool, version, test, locked, wrapper) of the one project in `files`.
    fn one(files: &[(&str, &str)]) -> (&'static str, Option<String>, Option<String>, bool, bool) {
        let mut all = find(&Scan::from_files(files));
        assert_eq!(all.len(), 1, "{all:?}");
        let p = all.remove(0);
        (p.tool, p.version, p.test, p.locked, p.wrapper)
    }

    #[allow(clippy::unnecessary_wraps)]
    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn ruby_projects_use_bundler_with_the_version_and_test_runner_they_have() {
        assert_eq!(
            one(&[
                (
                    "Gemfile",
                    "source \"https://rubygems.org\"\nruby \"3.3.4\"\ngem \"rails\"\n"
                ),
                ("Gemfile.lock", "GEM\n"),
                ("bin/rails", "#!/usr/bin/env ruby\n"),
                ("test/models/user_test.rb", ""),
            ]),
            ("bundler", s("3.3.4"), s("bin/rails test"), true, false)
        );
        assert_eq!(
            one(&[
                ("Gemfile", "ruby '~> 3.2'\ngem 'rspec'\n"),
                (".ruby-version", "ruby-3.2.2\n"),
                ("spec/app_spec.rb", ""),
                ("bin/rails", ""),
            ]),
            ("bundler", s("3.2.2"), s("bundle exec rspec"), false, false),
            ".ruby-version first; RSpec before Rails' runner"
        );
        assert_eq!(
            one(&[("Gemfile", "ruby '~> 3.2'\n")]),
            ("bundler", s("3.2"), None, false, false)
        );
    }

    #[test]
    fn jvm_projects_prefer_the_wrapper_and_read_the_toolchain() {
        assert_eq!(
            one(&[
                (
                    "build.gradle.kts",
                    "java {\n    toolchain {\n        languageVersion = JavaLanguageVersion.of(21)\n    }\n}\n",
                ),
                ("gradlew", ""),
                ("settings.gradle.kts", ""),
                ("app/build.gradle.kts", ""),
                ("app/src/test/kotlin/AppTest.kt", ""),
            ]),
            ("gradle", s("21"), s("./gradlew test"), false, true),
            "a multi-project build is one project at its root"
        );
        assert_eq!(
            one(&[
                (
                    "pom.xml",
                    "<project><properties><java.version>17</java.version></properties></project>"
                ),
                ("mvnw", ""),
                ("src/test/java/AppTest.java", ""),
            ]),
            ("maven", s("17"), s("./mvnw test"), false, true)
        );
        assert_eq!(
            one(&[
                (
                    "pom.xml",
                    "<maven.compiler.release>21</maven.compiler.release>"
                ),
                (
                    "build.gradle",
                    "sourcecompatibility = javaversion.version_1_8\n"
                ),
                ("mvnw", ""),
            ]),
            ("maven", s("21"), None, false, true),
            "both builds: the one with a wrapper; no test sources, no test command"
        );
        assert_eq!(
            one(&[
                ("build.gradle", "kotlin { jvmtoolchain(17) }\n"),
                ("src/test/kotlin/t.kt", "")
            ]),
            ("gradle", s("17"), s("gradle test"), false, false)
        );
    }

    #[test]
    fn php_projects_use_composer_with_require_php_and_their_test_script() {
        assert_eq!(
            one(&[
                (
                    "composer.json",
                    r#"{"require": {"php": "^8.2"}, "scripts": {"test": "phpunit"}}"#
                ),
                ("composer.lock", "{}"),
            ]),
            ("composer", s("8.2"), s("composer test"), true, false)
        );
        assert_eq!(
            one(&[
                ("composer.json", r#"{"require": {"php": ">=8.1.0"}}"#),
                ("phpunit.xml.dist", ""),
            ]),
            ("composer", s("8.1"), s("vendor/bin/phpunit"), false, false)
        );
        assert_eq!(
            one(&[("composer.json", "{}")]),
            ("composer", None, None, false, false)
        );
    }
}
