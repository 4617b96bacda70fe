//! The leak scan's test corpus: files that hold a credential (each must be found, with its kind)
//! and files with placeholders, references, fixtures and settings about secrets (none may be).
//! Every credential-shaped value is built here at run time from a prefix and a repeated alphabet,
//! so the repository holds none and secret scanners in CI have nothing to flag. None is real.

use super::read::Contents;
use super::{assign, is_candidate, kube, leaks_in, patterns};

/// One file: its path, its bytes and the kind it must be reported as (`None`: nothing).
struct Case {
    path: &'static str,
    bytes: Vec<u8>,
    kind: Option<&'static str>,
}

fn leak(path: &'static str, text: String, kind: &'static str) -> Case {
    Case {
        path,
        bytes: text.into_bytes(),
        kind: Some(kind),
    }
}

fn clean(path: &'static str, text: impl Into<String>) -> Case {
    Case {
        path,
        bytes: text.into().into_bytes(),
        kind: None,
    }
}

/// `prefix` followed by `len` characters cycling through an alphabet (no runs, no words).
pub(super) fn fake(prefix: &str, len: usize) -> String {
    cycle(prefix, len, "Q7wErT9yUiOpA3sDfGhJkLzXcVbNm1")
}

fn cycle(prefix: &str, len: usize, alphabet: &str) -> String {
    let alphabet = alphabet.as_bytes();
    let tail: String = (0..len)
        .map(|i| char::from(alphabet[(i * 7 + 3) % alphabet.len()]))
        .collect();
    format!("{prefix}{tail}")
}

fn hex(len: usize) -> String {
    cycle("", len, "0123456789abcdef")
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

fn base64url(text: &str) -> String {
    base64(text.as_bytes())
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

fn jwt(payload: &str) -> String {
    format!(
        "{}.{}.{}",
        base64url(r#"{"alg":"HS256","typ":"JWT"}"#),
        base64url(payload),
        fake("", 43)
    )
}

fn pem(label: &str, headers: &str) -> String {
    let body = (0..4).map(|i| fake(&format!("MII{i}"), 60) + "\n");
    format!(
        "-----BEGIN {label}-----\n{headers}{}-----END {label}-----\n",
        body.collect::<String>()
    )
}

fn putty(version: u8) -> String {
    format!(
        "PuTTY-User-Key-File-{version}: ssh-ed25519\nEncryption: none\nComment: deploy\nPublic-Lines: 2\n{}\n{}\nPrivate-Lines: 1\n{}\nPrivate-MAC: {}\n",
        fake("AAAAC3", 58),
        fake("", 12),
        fake("AAAAI", 44),
        hex(64)
    )
}

fn kube_secret(name: &str, map: &str, entries: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\ntype: Opaque\n{map}:\n{entries}"
    )
}

/// A log over the read cap, with `line` at its start or end.
fn big_log(line: &str, at_end: bool) -> String {
    let filler = "INFO request served in 12 ms\n".repeat(50_000);
    if at_end {
        format!("{filler}{line}\nINFO done\n")
    } else {
        format!("{line}\n{filler}")
    }
}

/// Private keys, AWS keys and a GCP service-account key.
fn key_file_cases() -> Vec<Case> {
    let upper = |s: String| s.to_uppercase();
    vec![
        leak(
            "config/app.yml",
            format!("aws:\n  id: {}\n", upper(fake("AKIA", 16))),
            "aws-access-key-id",
        ),
        leak(
            ".env",
            format!("AWS_SECRET_ACCESS_KEY={}\n", fake("", 40)),
            "aws-secret-access-key",
        ),
        leak("deploy/id_rsa", pem("RSA PRIVATE KEY", ""), "private-key"),
        leak(
            "deploy/id_ed25519",
            pem("OPENSSH PRIVATE KEY", ""),
            "private-key",
        ),
        leak(
            "deploy/legacy.pem",
            pem(
                "RSA PRIVATE KEY",
                "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0A1B2C3D4E5F6789\n\n",
            ),
            "private-key",
        ),
        leak(
            "deploy/pkcs8.pem",
            pem("ENCRYPTED PRIVATE KEY", ""),
            "private-key",
        ),
        leak(
            "keys/release.asc",
            pem(
                "PGP PRIVATE KEY BLOCK",
                "Version: GnuPG v2\nComment: release signing\n\n",
            ),
            "private-key",
        ),
        leak("keys/deploy.ppk", putty(3), "putty-private-key"),
        leak("keys/old.ppk", putty(2), "putty-private-key"),
        leak(
            "secrets/age.txt",
            format!("# created\n{}\n", upper(fake("AGE-SECRET-KEY-1", 58))),
            "age-secret-key",
        ),
        leak(
            "gcp/sa.json",
            format!(
                "{{\n  \"type\": \"service_account\",\n  \"private_key_id\": \"{}\"\n}}\n",
                hex(40)
            ),
            "gcp-service-account-key",
        ),
    ]
}

/// Tokens with an issuer's prefix, and JWTs.
fn token_cases() -> Vec<Case> {
    let upper = |s: String| s.to_uppercase();
    vec![
        leak(
            "scripts/release.sh",
            format!("curl -H 'Authorization: token {}' api\n", fake("ghp_", 36)),
            "github-token",
        ),
        leak(
            "config/gh.toml",
            format!("pat = \"{}\"\n", fake("github_pat_", 82)),
            "github-token",
        ),
        leak(
            ".gitlab-ci.yml",
            format!("variables:\n  TOKEN: {}\n", fake("glpat-", 20)),
            "gitlab-token",
        ),
        leak(
            "bot/config.py",
            format!("SLACK = \"{}\"\n", fake("xoxb-", 40)),
            "slack-token",
        ),
        leak(
            "alerts/notify.json",
            format!(
                "{{\"url\": \"https://hooks.slack.com/services/T{}/B{}/{}\"}}\n",
                upper(fake("", 8)),
                upper(fake("", 10)),
                fake("", 24)
            ),
            "slack-webhook",
        ),
        leak(
            "billing/stripe.rb",
            format!("Stripe.api_key = '{}'\n", fake("sk_live_", 24)),
            "stripe-secret-key",
        ),
        leak(
            "web/src/maps.js",
            format!("const key = \"{}\";\n", fake("AIza", 35)),
            "google-api-key",
        ),
        leak(
            ".npmrc",
            format!("//registry.npmjs.org/:_authToken={}\n", fake("npm_", 36)),
            "npm-token",
        ),
        leak(
            "web/.npmrc",
            format!(
                "//registry.npmjs.org/:_authToken=npm_{}todo{}\n",
                fake("", 14),
                fake("", 18)
            ),
            "npm-token",
        ),
        leak(
            "mail/send.go",
            format!("key := \"SG.{}.{}\"\n", fake("", 22), fake("", 43)),
            "sendgrid-api-key",
        ),
        leak(
            "web/src/api.ts",
            format!(
                "const auth = \"{}\";\n",
                jwt(r#"{"sub":"42","role":"admin"}"#)
            ),
            "jwt",
        ),
        leak(
            ".env.production",
            format!("AUTH_HEADER=Bearer {}\n", jwt(r#"{"sub":"ci"}"#)),
            "jwt",
        ),
    ]
}

/// Passwords in URLs, dotenv files, `.netrc`, Docker and Kubernetes.
fn password_cases() -> Vec<Case> {
    vec![
        leak(
            "ops/migrate.sh",
            format!(
                "psql postgres://app:{}/{}@db.prod.internal/app\n",
                fake("", 8),
                fake("", 8)
            ),
            "database-url-password",
        ),
        leak(
            "config/database.yml",
            format!(
                "production:\n  url: mysql://app:{}@mysql.prod.internal:3306/app\n",
                fake("", 16)
            ),
            "database-url-password",
        ),
        leak(
            ".env",
            format!(
                "DB_PASSWORD={}/{}+{}\n",
                fake("", 6),
                fake("", 6),
                fake("", 8)
            ),
            "env-secret",
        ),
        leak(
            ".envrc",
            format!("export API_TOKEN={}\n", fake("", 32)),
            "env-secret",
        ),
        leak(
            ".env.production",
            format!("STRIPE_KEY={}\n", fake("", 32)),
            "env-secret",
        ),
        leak(
            ".netrc",
            format!(
                "machine api.github.com\n  login bot\n  password {}\n",
                fake("", 40)
            ),
            "netrc-password",
        ),
        leak(
            ".docker/config.json",
            format!(
                "{{\n  \"auths\": {{\n    \"registry.corp.io\": {{\n      \"auth\": \"{}\"\n    }}\n  }}\n}}\n",
                base64(format!("deploy:{}", fake("", 24)).as_bytes())
            ),
            "docker-registry-auth",
        ),
        leak(
            "k8s/db-secret.yaml",
            kube_secret(
                "db",
                "data",
                &format!(
                    "  username: {}\n  password: {}\n",
                    base64(b"app"),
                    base64(fake("", 24).as_bytes())
                ),
            ),
            "kubernetes-secret",
        ),
        leak(
            "k8s/api-secret.yml",
            kube_secret(
                "api",
                "stringData",
                &format!("  API_TOKEN: \"{}\"\n", fake("", 32)),
            ),
            "kubernetes-secret",
        ),
    ]
}

/// Secret-named keys in config files, scripts and modules.
fn config_cases() -> Vec<Case> {
    vec![
        leak(
            "app/settings.py",
            format!(
                "DEBUG = False\nSECRET_KEY = 'django-insecure-{}'\n",
                cycle("", 50, "abcdefghijklmnopqrstuvwxyz0123456789!@#^&*(-_=+)")
            ),
            "config-secret",
        ),
        leak(
            "deploy/env.sh",
            format!("#!/bin/sh\nSECRET_KEY={}\n", fake("", 40)),
            "config-secret",
        ),
        leak(
            "infra/main.tf",
            format!(
                "provider \"aws\" {{\n  secret_key = \"{}\"\n}}\n",
                fake("", 40)
            ),
            "config-secret",
        ),
        leak(
            "infra/prod.tfvars",
            format!("db_password = \"{}\"\n", fake("", 20)),
            "config-secret",
        ),
        leak(
            "src/main/resources/application.properties",
            format!(
                "server.port=8080\njwt.secret={}\n",
                cycle(
                    "",
                    86,
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                )
            ),
            "config-secret",
        ),
        leak(
            "src/main/resources/application.yml",
            format!("oauth:\n  client-secret: {}\n", fake("", 32)),
            "config-secret",
        ),
        leak(
            "config/secrets.yml",
            format!("production:\n  secret_key_base: {}\n", hex(128)),
            "config-secret",
        ),
        leak(
            "config/settings.json",
            format!("{{\n  \"clientSecret\": \"{}\"\n}}\n", fake("", 32)),
            "config-secret",
        ),
    ]
}

/// UTF-16, lockfiles, a workflow `uses:` line, files over the read cap.
fn encoding_and_size_cases() -> Vec<Case> {
    vec![
        Case {
            path: ".env",
            bytes: super::read::utf16(&format!("API_TOKEN={}\r\n", fake("", 32)), false),
            kind: Some("env-secret"),
        },
        Case {
            path: "deploy/.env.local",
            bytes: super::read::utf16(&format!("DB_PASSWORD={}\r\n", fake("", 24)), true),
            kind: Some("env-secret"),
        },
        leak(
            "package-lock.json",
            format!(
                "{{\n  \"resolved\": \"git+https://{}@github.com/o/r.git\",\n  \"integrity\": \"sha512-{}==\"\n}}\n",
                fake("ghp_", 36),
                fake("", 86)
            ),
            "github-token",
        ),
        leak(
            "yarn.lock",
            format!(
                "pkg@^1:\n  resolved \"https://npm.corp.io/pkg/-/pkg-1.0.0.tgz?token={}#{}\"\n",
                fake("npm_", 36),
                hex(40)
            ),
            "npm-token",
        ),
        leak(
            ".github/workflows/ci.yml",
            format!(
                "on: push\njobs:\n  a:\n    steps:\n      - uses: some/action@{}\n",
                fake("ghp_", 36)
            ),
            "github-token",
        ),
        leak(
            "logs/big.log",
            big_log(&format!("token={}", fake("ghp_", 36)), true),
            "github-token",
        ),
        leak(
            "logs/huge.txt",
            big_log(&format!("slack {}", fake("xoxp-", 30)), false),
            "slack-token",
        ),
    ]
}

/// Files with a credential in them (at least 40).
fn true_cases() -> Vec<Case> {
    [
        key_file_cases(),
        token_cases(),
        password_cases(),
        config_cases(),
        encoding_and_size_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Settings about a secret, and references to secrets kept elsewhere.
fn reference_cases() -> Vec<Case> {
    vec![
        clean(".env", "TOKEN_URL=https://auth.corp.io/oauth/token\n"),
        clean(".env", "SECRET_MANAGER_REGION=eu-west-1\n"),
        clean(".env", "PASSWORD_MIN_LENGTH=12\n"),
        clean(".env", "DB_PASSWORD_FILE=/run/secrets/db\n"),
        clean(".env", "TOKEN_EXPIRY_SECONDS=3600\n"),
        clean(".env", "API_KEY=vault:secret/data/x#y\n"),
        clean(
            ".env",
            "DB_PASSWORD=arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf\n",
        ),
        clean(".env", "DB_PASSWORD=projects/x/secrets/y/versions/latest\n"),
        clean(".env", "DB_PASSWORD=op://vault/item/password\n"),
        clean(".env", "API_TOKEN=${VAR}\n"),
        clean(".env", "SESSION_SECRET=${SESSION_SECRET:-}\n"),
        clean(".env", "DB_PASSWORD=$(cat /run/secrets/db)\n"),
        clean(
            ".github/workflows/deploy.yml",
            "env:\n  API_TOKEN: ${{ secrets.API_TOKEN }}\n",
        ),
        clean(
            ".github/workflows/ci.yml",
            "      key: ${{ runner.os }}-cargo-${{ hashFiles('**/Cargo.lock') }}\n",
        ),
    ]
}

/// Test fixtures, test and example files.
fn fixture_and_example_cases() -> Vec<Case> {
    let random = fake("", 32);
    vec![
        clean(
            "tests/fixtures/.env",
            format!("GITHUB_TOKEN={}\n", fake("ghp_", 36)),
        ),
        clean("test/fixtures/keys/id_rsa", pem("RSA PRIVATE KEY", "")),
        clean(
            "src/__fixtures__/stripe.json",
            format!("{{\"key\": \"{}\"}}\n", fake("sk_live_", 24)),
        ),
        clean(
            "internal/parse/testdata/creds.env",
            format!("API_TOKEN={random}\n"),
        ),
        clean(".env.test", format!("SECRET_KEY={random}\n")),
        clean(
            ".env.example",
            format!("SESSION_SECRET={random}\nSTRIPE_SECRET=sk_test_123\n"),
        ),
        clean(".env.sample", format!("API_KEY={random}\n")),
        clean(".env.template", format!("DB_PASSWORD={random}\n")),
    ]
}

/// Placeholder values, documentation keys and local databases.
fn placeholder_value_cases() -> Vec<Case> {
    vec![
        clean(".env", "SECRET_KEY=changethis\n"),
        clean(".env", "ADMIN_PASSWORD=changeme\n"),
        clean(".env", "DB_PASSWORD=[password]\n"),
        clean(".env", "API_KEY=xxxxxxxxxxxxxxxxxxxxxxxx\n"),
        clean(".env", "API_KEY=your-api-key-here\n"),
        clean(".env", "AUTH_TOKEN=dummy-token-value\n"),
        clean(".env", "JWT_SECRET=super_secret_password\n"),
        clean(
            "docs/setup.md",
            "DATABASE_URL=postgres://app:[PASSWORD]@db.prod.corp.io/app\n",
        ),
        clean(
            "config/database.yml",
            "url: postgres://app:<password>@db.prod.internal/app\n",
        ),
        clean("docs/db.md", "postgres://app:example@db.prod.corp.io/app\n"),
        clean("docs/db2.md", "mysql://app:dummy@db.prod.corp.io/app\n"),
        clean("docs/db3.md", "postgres://app:secret@db.prod.corp.io/app\n"),
        clean(
            "docs/db4.md",
            "postgres://app:password@db.prod.corp.io/app\n",
        ),
        clean(
            "docs/db5.md",
            "postgres://app:changeme@db.prod.corp.io/app\n",
        ),
        clean(
            "docker-compose.yml",
            "    DATABASE_URL: postgres://postgres:postgres@localhost:5432/app\n",
        ),
        clean(
            ".env",
            "DATABASE_URL=postgres://app:s3cr3t-Pa55@db:5432/app\n",
        ),
        clean(
            "src/main/resources/application.properties",
            "jwt.secret=${JWT_SECRET}\n",
        ),
        clean(
            "docs/aws.md",
            "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        ),
        clean(
            "docs/ssh.md",
            "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n",
        ),
        clean(
            "README.md",
            format!("export GITHUB_TOKEN=ghp_{}\n", "x".repeat(36)),
        ),
        clean(
            "docs/slack.md",
            "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\n",
        ),
    ]
}

/// Lockfile hashes and Kubernetes manifests without a real secret.
fn lockfile_and_manifest_cases() -> Vec<Case> {
    vec![
        clean(
            "package-lock.json",
            format!(
                "{{\n  \"integrity\": \"sha512-{}/{}/{}==\"\n}}\n",
                fake("", 30),
                fake("AKIA", 16).to_uppercase(),
                fake("", 30)
            ),
        ),
        clean(
            "go.sum",
            format!("github.com/x/y v1.0.0 h1:{}=\n", fake("AIza", 35)),
        ),
        clean(
            "k8s/secret.yaml",
            kube_secret(
                "db",
                "data",
                &format!(
                    "  username: {}\n  password: {}\n",
                    base64(b"admin"),
                    base64(b"changeme")
                ),
            ),
        ),
        clean(
            "k8s/sealed.yaml",
            format!(
                "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\nspec:\n  encryptedData:\n    password: AgB{}\n",
                fake("", 120)
            ),
        ),
        clean(
            "chart/templates/secret.yaml",
            kube_secret(
                "db",
                "data",
                "  password: {{ .Values.db.password | b64enc | quote }}\n",
            ),
        ),
    ]
}

/// Expressions, public keys, empty credentials, encrypted values and demo tokens.
fn config_false_alarm_cases() -> Vec<Case> {
    vec![
        clean(
            "app/settings.py",
            "SECRET_KEY = os.environ[\"SECRET_KEY\"]\n",
        ),
        clean(
            "infra/main.tf",
            "provider \"aws\" {\n  secret_key = var.secret_key\n}\n",
        ),
        clean(
            "infra/backend.tf",
            "terraform {\n  backend \"s3\" {\n    key = \"envs/prod/terraform.tfstate\"\n  }\n}\n",
        ),
        clean(
            "deploy/users.yml",
            format!("public_key: ssh-ed25519 AAAAC3{}\n", fake("", 40)),
        ),
        clean(
            ".netrc",
            "machine github.com login bot password ${GITHUB_TOKEN}\n",
        ),
        clean(
            ".docker/config.json",
            "{\n  \"auths\": {\n    \"ghcr.io\": {}\n  },\n  \"credsStore\": \"desktop\"\n}\n",
        ),
        clean(
            "secrets.enc.yaml",
            format!(
                "db_password: ENC[AES256_GCM,data:{},iv:{},tag:{},type:str]\n",
                fake("", 24),
                fake("", 24),
                fake("", 24)
            ),
        ),
        clean(
            "web/.env.production",
            format!("NEXT_PUBLIC_STRIPE_KEY={}\n", fake("pk_live_", 24)),
        ),
        clean(
            "supabase/.env",
            format!(
                "SUPABASE_ANON_KEY={}\n",
                jwt(r#"{"iss":"supabase-demo","role":"anon","exp":1983812996}"#)
            ),
        ),
        clean(
            "web/src/i18n/en.json",
            "{\n  \"passwordLabel\": \"Password\",\n  \"resetToken\": \"Reset token\"\n}\n",
        ),
    ]
}

/// Files that hold no credential: placeholders, references, fixtures, settings about secrets
/// (at least 40).
fn placeholder_cases() -> Vec<Case> {
    [
        reference_cases(),
        fixture_and_example_cases(),
        placeholder_value_cases(),
        lockfile_and_manifest_cases(),
        config_false_alarm_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// What the scan reports for one case: the kinds found, as `find` would.
fn scan(case: &Case) -> Vec<&'static str> {
    if !is_candidate(case.path) {
        return Vec::new();
    }
    Contents::of(&case.bytes)
        .map(|contents| leaks_in(case.path, &contents))
        .unwrap_or_default()
        .into_iter()
        .map(|l| l.kind)
        .collect()
}

fn ratio(part: usize, whole: usize) -> f64 {
    let as_f64 = |n: usize| f64::from(u32::try_from(n).expect("a small count"));
    if whole == 0 {
        1.0
    } else {
        as_f64(part) / as_f64(whole)
    }
}

#[test]
fn the_corpus_is_found_with_full_precision_and_recall() {
    let truths = true_cases();
    let placeholders = placeholder_cases();
    assert!(truths.len() >= 40 && placeholders.len() >= 40);
    let mut misses = Vec::new();
    for case in &truths {
        let found = scan(case);
        if found != [case.kind.expect("a kind")] {
            misses.push(format!(
                "{}: expected {:?}, found {found:?}",
                case.path, case.kind
            ));
        }
    }
    let mut false_alarms = Vec::new();
    for case in &placeholders {
        let found = scan(case);
        if !found.is_empty() {
            false_alarms.push(format!("{}: found {found:?}", case.path));
        }
    }
    let found = truths.len() - misses.len();
    let precision = ratio(found, found + false_alarms.len());
    let recall = ratio(found, truths.len());
    println!(
        "leak scan: precision {precision:.2}, recall {recall:.2} over {} true and {} placeholder cases",
        truths.len(),
        placeholders.len()
    );
    assert!(misses.is_empty(), "missed:\n{}", misses.join("\n"));
    assert!(
        false_alarms.is_empty(),
        "false alarms:\n{}",
        false_alarms.join("\n")
    );
}

#[test]
fn every_kind_has_a_true_case() {
    let covered: Vec<&str> = true_cases().iter().filter_map(|c| c.kind).collect();
    let kinds = patterns::kinds().chain([
        assign::ENV_SECRET,
        assign::CONFIG_SECRET,
        assign::NETRC_PASSWORD,
        assign::DOCKER_AUTH,
        kube::KIND,
    ]);
    for kind in kinds {
        assert!(covered.contains(&kind), "no true case of {kind}");
    }
}

#[test]
fn the_prefilters_pass_every_text_a_pattern_matches() {
    let cases: Vec<Case> = true_cases()
        .into_iter()
        .chain(placeholder_cases())
        .collect();
    let mut shaped = 0;
    for case in &cases {
        let text = String::from_utf8_lossy(&case.bytes);
        // `ſ` and the Kelvin sign read as `s` and `k` to a case-insensitive pattern.
        let folded = text.replace('s', "\u{17F}").replace('k', "\u{212A}");
        for text in [
            text.as_ref(),
            &text.to_uppercase(),
            &text.replace("  ", " é "),
            &folded,
        ] {
            let set = patterns::set_matches(text);
            assert!(
                !set || patterns::may_match(text),
                "{}: needles miss it",
                case.path
            );
            assert_eq!(patterns::has_shape(text), set, "{}", case.path);
            assert!(
                patterns::candidates_cover(text),
                "{}: a pattern's own needles miss it",
                case.path
            );
            shaped += usize::from(set);
        }
    }
    assert!(
        shaped >= 3 * true_cases().len() / 2,
        "the corpus exercises the patterns"
    );
}
