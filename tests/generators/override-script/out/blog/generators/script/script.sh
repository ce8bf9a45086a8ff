#!/usr/bin/env bash
# <@ name @>: runs <@ app.name @>'s command line from the project root, built
# in debug or release mode. Made by `cargo mvc generate script <@ name @>`;
# change what `main` runs to make it this script's own job.
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: scripts/<@ name @> [OPTIONS] [--] [ARGS...]

Runs `<@ app.name @> ARGS...` (for example `migrate` or `serve`) from the
project root.

Options:
  -r, --release   Build and run the release binary
  -n, --dry-run   Print the command instead of running it
  -h, --help      Print this help
USAGE
}

release=0
dry_run=0
args=()
while (($# > 0)); do
    case "$1" in
        -r | --release) release=1 ;;
        -n | --dry-run) dry_run=1 ;;
        -h | --help)
            usage
            exit 0
            ;;
        --)
            shift
            args+=("$@")
            break
            ;;
        -*)
            echo "scripts/<@ name @>: unknown option '$1'" >&2
            usage >&2
            exit 2
            ;;
        *) args+=("$1") ;;
    esac
    shift
done

main() {
    cd "$(dirname "${BASH_SOURCE[0]}")/.."
    local command=(cargo run --quiet --bin <@ app.name @>)
    if ((release)); then
        command+=(--release)
    fi
    command+=(-- "${args[@]}")
    if ((dry_run)); then
        printf '%q ' "${command[@]}"
        printf '\n'
        return 0
    fi
    "${command[@]}"
}

main
