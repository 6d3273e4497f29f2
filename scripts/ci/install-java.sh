#!/usr/bin/env bash
# Installs what the Java suite (test/lang/java, run by test/e2e/lang.java.test.ts) needs: a JDK 17 and Maven from
# Debian, then every dependency and plugin of the suite's pom in the local Maven repository (~/.m2), so the test
# run works offline (`mvn -o`). Idempotent: quick when everything is there. Run from the repository root.
set -euo pipefail

POM=test/lang/java/pom.xml
# Surefire resolves its JUnit provider when it runs tests, and Maven adds plexus-utils to its plugin class path when
# it runs the plugin; go-offline fetches neither. So the script also runs surefire (on no test: the suite needs a
# running Kyanite) and fetches the provider by name.
SUREFIRE_PROVIDER=org.apache.maven.surefire:surefire-junit-platform:3.5.4
NO_TEST=(-Dtest=NoTestHere -Dsurefire.failIfNoSpecifiedTests=false)

if ! command -v javac >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless maven >/dev/null
fi

if mvn -q -o -B -f "$POM" dependency:resolve dependency:resolve-plugins >/dev/null 2>&1 \
  && mvn -q -o -B -f "$POM" test "${NO_TEST[@]}" >/dev/null 2>&1 \
  && mvn -q -o -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get -Dartifact="$SUREFIRE_PROVIDER" >/dev/null 2>&1; then
  echo "install-java: JDK, Maven and the suite's dependencies are present"
  exit 0
fi

mvn -q -B -f "$POM" dependency:go-offline test-compile
mvn -q -B -f "$POM" test "${NO_TEST[@]}"
mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get -Dartifact="$SUREFIRE_PROVIDER"
echo "install-java: resolved the suite's dependencies into the local Maven repository"
