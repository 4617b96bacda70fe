//! Ruby, JVM and PHP projects for the toolchain tests, without third-party dependencies from
//! rubygems, Maven Central or Packagist (out of reach here): `RSpec` and `JUnit` come from Debian's
//! packages (`ruby-rspec`; `junit4` in `/usr/share/maven-repo`, with the Maven plugins), and the
//! PHP project's tests are a plain script run by `composer test`. Each test leaves a marker.

use std::path::Path;

use super::fixtures::MARKERS;
use crate::support::Repo;

/// A bundler project with one `RSpec` example (`bundle exec rspec`).
pub(crate) fn ruby_project(repo: &Repo) {
    repo.write(
        "Gemfile",
        "source \"https://rubygems.org\"\n\ngem \"rspec\"\n",
    );
    repo.write(
        "lib/pricing.rb",
        "module Pricing\n  def self.total(lines) = lines.sum { |price, qty| price * qty }\nend\n",
    );
    repo.write(
        "spec/pricing_spec.rb",
        &format!(
            "require_relative \"../lib/pricing\"\n\n\
             RSpec.describe Pricing do\n  it \"adds the lines\" do\n    \
             expect(Pricing.total([[250, 2], [100, 1]])).to eq(600)\n    \
             # The toolchain tests check that this test really ran.\n    \
             File.write(File.join(ENV[\"{MARKERS}\"], \"ruby\"), \"ran\\n\") if ENV[\"{MARKERS}\"]\n  \
             end\nend\n"
        ),
    );
}

/// A Maven project (no wrapper: it downloads Maven) with one `JUnit` 4 test. Its plugin versions are
/// the ones Debian packages, so Maven resolves them from `/usr/share/maven-repo`.
pub(crate) fn maven_project(repo: &Repo) {
    repo.write(
        "pom.xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  <modelVersion>4.0.0</modelVersion>\n  \
         <groupId>com.example</groupId>\n  <artifactId>demo</artifactId>\n  <version>0.1.0</version>\n  \
         <properties>\n    <maven.compiler.release>17</maven.compiler.release>\n    \
         <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>\n  </properties>\n  \
         <dependencies>\n    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13.2</version><scope>test</scope></dependency>\n  </dependencies>\n  \
         <build><plugins>\n    \
         <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.0</version></plugin>\n    \
         <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.10.1</version></plugin>\n    \
         <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-surefire-plugin</artifactId><version>2.22.3</version></plugin>\n  \
         </plugins></build>\n</project>\n",
    );
    repo.write(
        "src/main/java/demo/Pricing.java",
        "package demo;\n\npublic final class Pricing {\n  public static int total(int price, int qty) { return price * qty; }\n}\n",
    );
    repo.write(
        "src/test/java/demo/PricingTest.java",
        &format!(
            "package demo;\n\nimport static org.junit.Assert.assertEquals;\n\n\
             import java.nio.file.Files;\nimport java.nio.file.Path;\nimport org.junit.Test;\n\n\
             public class PricingTest {{\n  @Test\n  public void multiplies() throws Exception {{\n    \
             assertEquals(500, Pricing.total(250, 2));\n    \
             // The toolchain tests check that this test really ran.\n    \
             String markers = System.getenv(\"{MARKERS}\");\n    \
             if (markers != null) Files.writeString(Path.of(markers, \"jvm\"), \"ran\\n\");\n  }}\n}}\n"
        ),
    );
}

/// A Composer project (`PHP` `require`d, nothing else) whose `test` script runs a plain PHP test.
pub(crate) fn php_project(repo: &Repo) {
    repo.write(
        "composer.json",
        "{\n    \"name\": \"acme/pricing\",\n    \"description\": \"Prices\",\n    \"license\": \"MIT\",\n    \
         \"require\": { \"php\": \">=8.2\" },\n    \"autoload\": { \"psr-4\": { \"Acme\\\\\": \"src/\" } },\n    \
         \"scripts\": { \"test\": \"php tests/run.php\" }\n}\n",
    );
    repo.write(
        "src/Pricing.php",
        "<?php\n\nnamespace Acme;\n\nfinal class Pricing\n{\n    public static function total(int $price, int $qty): int\n    {\n        return $price * $qty;\n    }\n}\n",
    );
    repo.write(
        "tests/run.php",
        &format!(
            "<?php\n\nrequire __DIR__ . '/../vendor/autoload.php';\n\n\
             if (\\Acme\\Pricing::total(250, 2) !== 500) {{\n    fwrite(STDERR, \"total is wrong\\n\");\n    exit(1);\n}}\n\
             // The toolchain tests check that this test really ran.\n\
             if (getenv('{MARKERS}')) {{\n    file_put_contents(getenv('{MARKERS}') . '/php', \"ran\\n\");\n}}\n"
        ),
    );
}

/// A `mvn` that resolves from Debian's Maven repository instead of Maven Central, in `bin`
/// (put on PATH before the host's): the one change to the generated steps' environment.
pub(crate) fn offline_maven(bin: &Path) {
    let settings = bin.join("maven-settings.xml");
    std::fs::write(
        &settings,
        "<settings><mirrors><mirror><id>debian</id><mirrorOf>*</mirrorOf>\
         <url>file:///usr/share/maven-repo</url></mirror></mirrors></settings>\n",
    )
    .unwrap();
    let local = bin.join("maven-local");
    let mvn = bin.join("mvn");
    std::fs::write(
        &mvn,
        format!(
            "#!/bin/sh\nexec /usr/bin/mvn -s '{}' -Dmaven.repo.local=\"${{MAVEN_LOCAL:-{}}}\" \"$@\"\n",
            settings.display(),
            local.display()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&mvn).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&mvn, perms).unwrap();
}
