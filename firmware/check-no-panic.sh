#!/usr/bin/env bash
# No panics in inference: checks the machine code of the built images.
#
#   ./check-no-panic.sh [PROFILE] [IMAGE...]   (default: release, every image)
#
# For each image and target, two checks on the ELF (built beforehand by
# `cargo build --profile PROFILE --target TARGET`):
#
# 1. Whole image: the symbols that any panic needs. Every panic in Rust ends
#    in `core::panicking::panic_fmt` and the `#[panic_handler]` (symbol
#    `rust_begin_unwind`); the linker keeps a function only if something
#    refers to it. An image with no symbol matching /panic|rust_begin_unwind/
#    cannot panic. Inference-only images (INFERENCE_ONLY in tools/lib.sh)
#    must pass this.
# 2. Call graph: from `constnet_firmware::<image>::infer`, follow every
#    direct call and branch in the disassembly to a fixed point; fail if a
#    reached function matches the pattern above, or if the graph contains an
#    indirect call (`blx rN`, `bx rN` other than `bx lr`), which this check
#    could not follow.
#
# The positive control is `panic_canary`, which panics on purpose: ci.sh
# checks that this script rejects it.
set -euo pipefail
cd "$(dirname "$0")"
source tools/lib.sh

profile=${1:-release}
shift || true
images=("$@")
[[ ${#images[@]} -gt 0 ]] || images=("${IMAGES[@]}")
PANIC='panic|rust_begin_unwind'

# reachable ELF START_PATTERN: the (mangled) functions reachable from the one
# whose name matches START_PATTERN, one per line; "INDIRECT <fn>" for each
# reached function that makes an indirect call or jump.
reachable() {
    "$LLVM_BIN/llvm-objdump" -d --no-show-raw-insn "$1" | awk -F'\t' -v start="$2" '
        /^[0-9a-f]+ <.*>:$/ {
            fn = $0; sub(/^[0-9a-f]+ </, "", fn); sub(/>:$/, "", fn)
            if (root == "" && fn ~ start) root = fn
            next
        }
        fn == "" || NF < 3 { next }
        {
            op = $2; gsub(/ /, "", op); args = $3
            if (op ~ /^(b|bl|b\.w|b\.n|bl\.w|cbz|cbnz|b(eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)(\.w|\.n)?)$/) {
                if (match(args, /<[^>]*>/)) {
                    target = substr(args, RSTART + 1, RLENGTH - 2); sub(/\+0x[0-9a-f]+$/, "", target)
                    if (target != fn) edges[fn] = edges[fn] " " target
                }
            } else if (op ~ /^blx/ || (op ~ /^bx/ && args !~ /^lr/)) {
                indirect[fn] = 1
            }
        }
        END {
            if (root == "") { print "NOROOT"; exit }
            queue[0] = root; seen[root] = 1; n = 1
            for (i = 0; i < n; i++) {
                f = queue[i]; print f
                if (f in indirect) print "INDIRECT " f
                k = split(edges[f], next_fns, " ")
                for (j = 1; j <= k; j++) if (!(next_fns[j] in seen)) { seen[next_fns[j]] = 1; queue[n++] = next_fns[j] }
            }
        }'
}

failures=0
for target in "${TARGETS[@]}"; do
    for image in "${images[@]}"; do
        [[ $image == panic_canary ]] || grep -qx "$image" <(images_for "$target") || continue
        file=$(elf "$target" "$profile" "$image")
        [[ -f $file ]] || die "$file not built: cargo build --profile $profile --target $target"
        where="$image, $target, $profile"

        panic_symbols=$("$LLVM_BIN/llvm-nm" "$file" | awk '{ print $NF }' | grep -Ei "$PANIC" || true)
        inference_only=no
        for only in "${INFERENCE_ONLY[@]}"; do [[ $only == "$image" ]] && inference_only=yes; done
        if [[ -z $panic_symbols ]]; then
            echo "ok   $where: the image links no panic machinery"
        elif [[ $inference_only == yes ]]; then
            echo "FAIL $where: an inference-only image links panic machinery:"
            sed 's/^/       /' <<<"$panic_symbols"
            failures=$((failures + 1))
        else
            echo "note $where: the image links panic machinery ($(wc -l <<<"$panic_symbols") symbols); checking inference"
        fi

        graph=$(reachable "$file" "$(infer_pattern "$image")")
        if [[ $graph == NOROOT ]]; then
            echo "FAIL $where: no function constnet_firmware::$image::infer in the image"
            failures=$((failures + 1))
            continue
        fi
        bad=$(grep -Ei "$PANIC|^INDIRECT" <<<"$graph" || true)
        if [[ -n $bad ]]; then
            echo "FAIL $where: $image::infer reaches:"
            sed 's/^/       /' <<<"$bad"
            failures=$((failures + 1))
        else
            echo "ok   $where: $image::infer and the $(($(wc -l <<<"$graph") - 1)) functions it calls reach no panic"
        fi
    done
done
if ((failures > 0)); then
    echo "check-no-panic: $failures failure(s)"
    exit 1
fi
