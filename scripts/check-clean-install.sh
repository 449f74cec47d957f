#!/usr/bin/env bash
# README's install section, checked as a new user meets it (issue 20's "done when"):
#  1. clone this repository into an empty folder with no ../shared beside it, run README's two
#     set-up commands there and pass README's test command (`npm test`);
#  2. pack the package, install the tarball into another empty folder without its optional
#     packages and with no compiler, make or python on the PATH (a folder, not `-g --prefix`:
#     npm ignores --omit for a global install of a tarball, npm/cli#8284);
#  3. from that install, start `natter --serve --headless` and two `--json` clients, and pass one
#     message between them.
# Run by .ci/run after npm test. Usage: scripts/check-clean-install.sh [--skip-clone-test | --package-only]
# (--skip-clone-test clones and sets up but leaves out the clone's npm test; --package-only skips
# the clone and packs this tree: quicker checks while working on this script).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:-full}"

work="$(mktemp -d "${TMPDIR:-/tmp}/natter-clean-install.XXXXXX")"
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
say() { printf 'check-clean-install: %s\n' "$*"; }
started=$SECONDS

if [ "$mode" = --package-only ]; then
	cd "$repo"
else
# 1. A clone with nothing beside it: the seed's reference server is not found (its tests skip
# loudly), and nothing is taken from this tree but what git holds.
git clone -q "$repo" "$work/clone/natter"
cd "$work/clone/natter"
[ ! -e ../shared ] || { say "../shared exists beside the clone"; exit 1; }
unset NATTER_SEED_PEER
# README's set-up commands, word for word, taken from README itself.
setup="$(grep -m1 -E '^npm install && npm run build' README.md | sed 's/ *#.*//')"
[ -n "$setup" ] || { say "README has no 'npm install && npm run build' line"; exit 1; }
say "set up: $setup"
bash -c "$setup" >"$work/setup.log" 2>&1 || { tail -40 "$work/setup.log"; say "set-up failed"; exit 1; }
say "set up in $((SECONDS - started)) s"
if [ "$mode" != --skip-clone-test ]; then
	test_started=$SECONDS
	npm test
	say "npm test in the clone passed in $((SECONDS - test_started)) s"
fi
fi

# 2. The package as a user gets it: packed (prepack builds dist/), installed without the
# optional packages by a PATH that holds node, npm and the basic tools only.
npm pack --pack-destination "$work" >"$work/pack.log" 2>&1 || { tail -20 "$work/pack.log"; exit 1; }
tarball="$(ls "$work"/natter-*.tgz)"
tools="$work/tools"
mkdir "$tools"
for tool in node npm npx sh bash env cat grep sed head tail sleep seq mkdir mkfifo rm ls kill printf true mktemp dirname basename uname; do
	found="$(command -v "$tool" || true)"
	[ -n "$found" ] && ln -s "$found" "$tools/$tool"
done
for tool in g++ gcc cc c++ make python3 python; do
	if PATH="$tools" command -v "$tool" >/dev/null 2>&1; then say "$tool is still on the tool-less PATH"; exit 1; fi
done
prefix="$work/prefix"
mkdir "$prefix"
install_started=$SECONDS
PATH="$tools" npm install --prefix "$prefix" --omit=optional --no-audit --no-fund "$tarball" >"$work/install.log" 2>&1 \
	|| { tail -40 "$work/install.log"; say "npm install of the tarball failed without build tools"; exit 1; }
say "installed $(basename "$tarball") without optional packages in $((SECONDS - install_started)) s"
natter="$prefix/node_modules/.bin/natter"
for name in better-sqlite3 ioredis prom-client; do
	[ ! -e "$prefix/node_modules/$name" ] || { say "$name was installed despite --omit=optional"; exit 1; }
done

# 3. From that install: a broker, a listener and a sender, over loopback.
export PATH="$tools"
cd "$work"
set +e
"$natter" --serve --headless --data rooms.db --port 0 2>data.err
code=$?
set -e
[ "$code" = 2 ] && grep -q -- '--data needs better-sqlite3: npm install better-sqlite3@12' data.err \
	|| { cat data.err; say "--data without better-sqlite3 did not say what to install (exit $code)"; exit 1; }

"$natter" --serve --headless --host 127.0.0.1 --port 0 >broker.out 2>broker.err &
pids+=($!)
url=""
for _ in $(seq 1 100); do
	url="$(sed -n 's/^natter broker listening on \(ws:[^ ]*\)$/\1/p' broker.out)"
	[ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ] || { cat broker.out broker.err; say "the broker did not start"; exit 1; }
say "broker from the install listening on $url"

mkfifo listener.in
"$natter" --url "$url" --name ana --room lobby --json <listener.in >listener.out 2>listener.err &
pids+=($!)
exec 3>listener.in
for _ in $(seq 1 100); do grep -q '"type":"joined"' listener.out && break; sleep 0.1; done
grep -q '"type":"joined"' listener.out || { cat listener.out listener.err; say "the listener did not join"; exit 1; }
printf 'hello from a clean install\n' | "$natter" --url "$url" --name bo --room lobby --json >sender.out 2>sender.err \
	|| { cat sender.out sender.err; say "the sender failed"; exit 1; }
for _ in $(seq 1 100); do grep -q '"content":"hello from a clean install"' listener.out && break; sleep 0.1; done
grep -q '"sender":"bo".*"content":"hello from a clean install"\|"content":"hello from a clean install".*"sender":"bo"' listener.out \
	|| { cat listener.out listener.err; say "the message did not arrive"; exit 1; }
exec 3>&-
say "one message passed between two clients of the install; all done in $((SECONDS - started)) s"
