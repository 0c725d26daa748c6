#!/usr/bin/env bash
# Runs every test of CapacityPlanner: unit, CLI, component and end-to-end. Installs what the tests need first
# (Debian's Chromium for the browser tests, PostgreSQL for the API tests, NVIDIA's driver libraries and cuBLASLt for
# the benchmark runner's binding tests) so that a fresh Debian machine with the .NET 10 SDK needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  # apt can fail transiently: retry, and wait for the dpkg lock instead of failing on it.
  local sudo=""
  if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
  for attempt in 1 2 3 4 5; do
    if $sudo apt-get -o DPkg::Lock::Timeout=120 update -qq && \
       DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "$@"; then
      return 0
    fi
    echo "apt-get failed (attempt $attempt); retrying in $((attempt * 10)) s" >&2
    sleep $((attempt * 10))
  done
  return 1
}

if ls tests/*/*.csproj 2>/dev/null | xargs grep -l "Microsoft.Playwright" >/dev/null 2>&1; then
  if [ ! -x /usr/bin/chromium ]; then
    echo "== installing Debian chromium for the end-to-end tests"
    apt_install chromium fonts-dejavu-core
  fi
fi

# The API tests start a throwaway PostgreSQL server of their own (initdb + pg_ctl on a free loopback port) from
# Debian's package; without it those tests fail rather than skip.
if [ -d tests/CapacityPlanner.Web.ApiTests ]; then
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "== installing Debian postgresql for the API tests"
    apt_install postgresql
  fi
fi

# The CUDA backend's bindings are checked against NVIDIA's real driver libraries and cuBLASLt (no GPU needed: cuInit
# reports no device, cuBLASLt builds descriptors on the host). They are in Debian's non-free component; a GPU node
# that has its own driver keeps it. CAPPLAN_REQUIRE_NVIDIA_LIBS makes those tests fail, not skip, if they are absent.
if [ -d tests/CapacityPlanner.Runner.Tests ] || [ -d tests/CapacityPlanner.Cli.Tests ]; then
  libs=$(/sbin/ldconfig -p 2>/dev/null || true)
  if ! grep -q 'libcuda\.so\.1 ' <<<"$libs" || ! grep -q 'libcublasLt\.so\.1[123] ' <<<"$libs"; then
    echo "== installing NVIDIA's libcuda1, libnvidia-ml1 and libcublaslt11 (Debian non-free) for the native binding tests"
    sudo=""; if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n 1)
    printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: contrib non-free\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "${mirror:-http://deb.debian.org/debian}" "$codename" | $sudo tee /etc/apt/sources.list.d/capplan-nvidia-nonfree.sources >/dev/null
    apt_install libcuda1 libnvidia-ml1 libcublaslt11
  fi
  export CAPPLAN_REQUIRE_NVIDIA_LIBS=1
fi

results="$(pwd)/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

echo "== building"
dotnet build CapacityPlanner.sln -c Release -nologo -v q

echo "== running every test"
status=0
# -m:1 runs the test projects one after another: on a 2-core machine, parallel projects starve each other
# (browser, PostgreSQL, publish and timing tests) and make the measured figures meaningless.
dotnet test CapacityPlanner.sln -c Release --no-build -nologo -m:1 \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" || status=$?

# The accuracy table against published runs: capplan validate over every shipped run, then the leave-one-family-out table.
capplan=$(find src/CapacityPlanner.Cli/bin/Release -name capplan.dll | head -n 1)
if [ -n "$capplan" ]; then
  echo; dotnet "$capplan" validate || status=1
  echo; dotnet "$capplan" validate --lofo || status=1
fi
# The dashboard's end-to-end timings (first load, input change → update).
timings=$(find tests -path '*Release*' -name e2e-timings.txt | head -n 1)
if [ -n "$timings" ]; then echo; echo "Dashboard timings (end-to-end, Chromium):"; cat "$timings"; fi

# The hostile-input and durability figures (fuzz counts and server memory, kill -9 rounds), from the test results.
echo
echo "Fuzzing and durability (API tests):"
grep -ho 'fuzz: [^<&]*\|[0-9]* kill -9 rounds[^<&]*' "$results"/*.trx 2>/dev/null | sed 's/^/  /' || true

# One closing line with the totals over every test project.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  n=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters"); e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${n:-0} - ${e:-0}))
done

# The failed tests again, by name with the first lines of their messages, right above the totals: CI keeps only the
# tail of this output, and the console logger printed them long before it.
if [ "$failed" -gt 0 ]; then
  echo
  echo "Failed tests:"
  perl -0ne 'while (/<UnitTestResult [^>]*?testName="([^"]*)"[^>]*?outcome="Failed".*?<Message>(.*?)<\/Message>(?:.*?<StackTrace>(.*?)<\/StackTrace>)?/sg) {
      my ($name, $msg, $trace) = ($1, $2, $3 // "");
      for ($msg, $trace) { s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&apos;/\x27/g; s/&amp;/&/g; }
      my @m = grep { /\S/ } split /\n/, $msg; my ($at) = grep { / at CapacityPlanner\.\S+ in .*:line \d+/ } split /\n/, $trace;
      print "  $name\n", map({ "    $_\n" } @m[0 .. ($#m < 5 ? $#m : 5)]), ($at ? "    $at\n" : "");
    }' "$results"/*.trx 2>/dev/null || true
fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$passed" -eq 0 ]; then echo "no test ran" >&2; exit 1; fi
exit $status
