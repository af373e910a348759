#!/usr/bin/env bash
# Firmware CI: builds every image for both boards, runs each under QEMU with
# a timeout, and fails if QEMU exits non-zero or if any output the device
# prints differs from the host's (bit for bit); then checks that inference
# cannot panic. Run from anywhere: `firmware/ci.sh`.
#
# Needs qemu-system-arm and `rustup component add llvm-tools` (.ci/run
# installs both).
set -euo pipefail
cd "$(dirname "$0")"
source tools/lib.sh

step() { printf '\n--> %s\n' "$*"; }

# The expected outputs are the host's: this test computes them with the same
# source files as the firmware and compares them with expected/*.out.
step "host: outputs of the images' code on the host equal expected/*.out"
(cd .. && CARGO_TARGET_DIR=$HOST_CARGO_TARGET_DIR cargo test --test firmware_outputs)

mkdir -p target/logs
failures=0

# The pytorch_cnn and int8 images' weights come from model files through
# build.rs; the parser is a build dependency (host only) and must stay out
# of what the images link.
step "the images link constnet alone: no safetensors/serde in the normal dependency graph"
for target in "${TARGETS[@]}"; do
    linked=$(cargo tree -q -e normal --target "$target" --prefix none)
    if grep -Eq '^(constnet-safetensors|constnet-tflite|planus|safetensors|serde|serde_json|half) ' <<<"$linked"; then
        echo "FAIL $(board "$target"): the images' dependency graph contains a host-only crate:"
        grep -E '^(constnet-safetensors|constnet-tflite|planus|safetensors|serde|serde_json|half) ' <<<"$linked" | sort -u | sed 's/^/       /'
        failures=$((failures + 1))
    else
        echo "ok   $(board "$target"): $(awk '{ print $1 }' <<<"$linked" | sort -u | wc -l) crates in the images' graph, none of them safetensors, tflite, planus, serde or half"
    fi
done
for target in "${TARGETS[@]}"; do
    bins=$(bins_for "$target")
    step "build for $(board "$target"): cargo build --release --target $target $bins"
    # shellcheck disable=SC2086
    cargo build --release --target "$target" $bins
    for image in $(images_for "$target"); do
        log=target/logs/$target-$image.log
        status=0
        run_image "$target" "$(elf "$target" release "$image")" "$log" || status=$?
        grep -v '^out ' "$log" | sed "s/^/    $image | /"
        outputs=$(grep -c '^out ' "$log" || true)
        if ((status != 0)); then
            echo "FAIL $image on $(board "$target"): QEMU exited with status $status (log: firmware/$log)"
            failures=$((failures + 1))
        elif ! compare_outputs "$log" "$image"; then
            echo "FAIL $image on $(board "$target"): the device's outputs differ from the host's (log: firmware/$log)"
            failures=$((failures + 1))
        else
            echo "ok   $image on $(board "$target"): exit status 0, all $outputs outputs equal the host's bit for bit"
        fi
        # A model kept as `static NET` must be in flash (.rodata, nm type r/R),
        # not copied to RAM (.data, type d/D).
        net=$("$LLVM_BIN/llvm-nm" "$(elf "$target" release "$image")" |
            awk -v name="^_ZN17constnet_firmware${#image}${image}3NET17h" '$3 ~ name { print $2 }')
        case $net in
            "") ;;
            r | R) echo "ok   $image on $(board "$target"): its model NET is in flash (.rodata)" ;;
            *)
                echo "FAIL $image on $(board "$target"): its model NET is not in .rodata (nm type $net)"
                failures=$((failures + 1))
                ;;
        esac
    done

    # Positive control: a panic must make the run fail.
    log=target/logs/$target-panic_canary.log
    status=0
    run_image "$target" "$(elf "$target" release panic_canary)" "$log" || status=$?
    if ((status == 1)) && grep -q '^panic at ' "$log"; then
        echo "ok   panic_canary on $(board "$target"): the panic handler reported '$(grep '^panic at ' "$log")' and exit status 1"
    else
        echo "FAIL panic_canary on $(board "$target"): expected a reported panic and exit status 1, got status $status"
        failures=$((failures + 1))
    fi
done

step "no panics in inference (check-no-panic.sh)"
./check-no-panic.sh release || failures=$((failures + 1))
# Positive control: the check must find the canary's panic.
if canary=$(./check-no-panic.sh release panic_canary); then
    echo "FAIL check-no-panic.sh accepted panic_canary, which panics"
    failures=$((failures + 1))
elif grep -q 'links panic machinery' <<<"$canary" && grep -q 'infer reaches' <<<"$canary"; then
    echo "ok   check-no-panic.sh rejects panic_canary (panic symbols linked, and reached from its infer)"
else
    echo "FAIL check-no-panic.sh failed on panic_canary for another reason:"
    echo "$canary"
    failures=$((failures + 1))
fi

if ((failures > 0)); then
    echo "firmware CI: $failures failure(s)"
    exit 1
fi
echo "firmware CI: every image passed on both boards (M4F_ONLY images: on the Cortex-M4F)"
