#!/usr/bin/env bash
# Records golden transcripts from the real qemu-io: every test/golden/scripts/*.txt (or the names
# given) runs through `qemu-io` on fresh fixtures, and test/golden/transcripts/<name>/ receives
# stdout, stderr, status and the sha256 of every fixture afterwards. The temporary directory's path
# is written as $DIR, so transcripts do not depend on where they were made.
#
# Script format (one qemu-io -c command per line, exactly as written):
#   #! options: -t none               qemu-io options before the commands ($DIR, $IMG expand);
#                                     `-f raw` always comes first (a later -f overrides it)
#   #! noformat                       do not pass `-f raw` (qemu-io then probes and warns)
#   #! image: 1M zero                 the image ($DIR/img): SIZE zero|sparse|pattern (default 1M zero)
#   #! file: NAME SIZE zero|sparse|pattern   another fixture, $DIR/NAME
#   #! nofile                         do not pass the image on the command line
#   #! stdin                          feed the commands on stdin instead of -c
#   #! spawn                          (for the test: run rawio as a process; abort, sigraise)
#   #! differs: map info ...          (for the test: the documented differences to normalise)
#   # comment
#
# Usage: scripts/golden-record.sh [name...]     (needs qemu-io 7.2: apt-get install qemu-utils)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
scripts="$root/test/golden/scripts"
out="$root/test/golden/transcripts"
qemu_io=${QEMU_IO:-qemu-io}

command -v "$qemu_io" >/dev/null || { echo "golden-record: $qemu_io not found (apt-get install qemu-utils)" >&2; exit 1; }
version=$("$qemu_io" --version | head -1)
case "$version" in
  *"version 7.2"*) ;;
  *) echo "golden-record: warning: expected qemu-io 7.2, found: $version" >&2 ;;
esac

# make_fixture PATH SIZE KIND: the same bytes test/golden/fixtures.ts makes.
make_fixture() {
  local path=$1 size kind=$3
  size=$(numfmt --from=iec "${2^^}")
  case "$kind" in
    zero) head -c "$size" /dev/zero >"$path" ;;
    sparse) rm -f "$path"; truncate -s "$size" "$path" ;;
    pattern) node -e 'const n=+process.argv[1];const b=Buffer.alloc(n);for(let i=0;i<n;i++)b[i]=i&255;process.stdout.write(b)' "$size" >"$path" ;;
    *) echo "golden-record: unknown fixture kind '$kind'" >&2; exit 1 ;;
  esac
}

record() {
  local name=$1 script="$scripts/$1.txt"
  [ -f "$script" ] || { echo "golden-record: no script $script" >&2; exit 1; }
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/rawio-golden-XXXXXX")
  trap 'rm -rf "$dir"' RETURN
  local -a opts=() cmds=() fixtures=(img)
  local image_size=1M image_kind=zero use_file=1 use_stdin=0 use_format=1 line
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      '#! options:'*) read -r -a more <<<"${line#\#! options:}"; opts+=("${more[@]}") ;;
      '#! image:'*) read -r image_size image_kind <<<"${line#\#! image:}" ;;
      '#! file:'*)
        read -r fname fsize fkind <<<"${line#\#! file:}"
        make_fixture "$dir/$fname" "$fsize" "$fkind"
        fixtures+=("$fname") ;;
      '#! nofile') use_file=0 ;;
      '#! stdin') use_stdin=1 ;;
      '#! noformat') use_format=0 ;;
      '#!'*) ;;
      '#'*) ;;
      *) cmds+=("$line") ;;
    esac
  done <"$script"
  make_fixture "$dir/img" "$image_size" "$image_kind"

  local -a args=()
  [ "$use_format" = 1 ] && args+=(-f raw)
  local a
  for a in "${opts[@]}"; do a=${a//\$DIR/$dir}; args+=("${a//\$IMG/$dir/img}"); done
  local c
  if [ "$use_stdin" = 0 ]; then
    for c in "${cmds[@]}"; do c=${c//\$DIR/$dir}; args+=(-c "${c//\$IMG/$dir/img}"); done
  fi
  [ "$use_file" = 1 ] && args+=("$dir/img")

  local dest="$out/$name" status=0
  mkdir -p "$dest"
  if [ "$use_stdin" = 1 ]; then
    printf '%s\n' "${cmds[@]}" | sed -e "s#\\\$IMG#$dir/img#g" -e "s#\\\$DIR#$dir#g" |
      (cd "$dir" && "$qemu_io" "${args[@]}" >"$dest/stdout" 2>"$dest/stderr") || status=$?
  else
    (cd "$dir" && "$qemu_io" "${args[@]}" </dev/null >"$dest/stdout" 2>"$dest/stderr") || status=$?
  fi
  echo "$status" >"$dest/status"
  sed -i "s#$dir#\$DIR#g" "$dest/stdout" "$dest/stderr"
  : >"$dest/sha256"
  local f
  for f in "${fixtures[@]}"; do
    if [ -f "$dir/$f" ]; then echo "$(sha256sum <"$dir/$f" | cut -d' ' -f1) $f" >>"$dest/sha256"; fi
  done
  echo "recorded $name (status $status)"
}

if [ $# -eq 0 ]; then
  set -- $(cd "$scripts" && ls *.txt | sed 's/\.txt$//')
fi
for name in "$@"; do record "$name"; done
