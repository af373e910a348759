#!/usr/bin/env bash
# The firmware report: for each image, board and opt-level, the flash and
# static RAM (llvm-size), the peak stack (the image paints the stack at reset
# and prints the high-water mark at the end), and the instructions executed
# by one inference, counted under QEMU by the project's own plugin
# (tools/qemu-insn-count). Prints markdown tables on stdout.
#
#   firmware/report.sh            # everything (about a minute after the builds)
#
# Needs qemu-system-arm, gcc and `rustup component add llvm-tools`.
# Every run is also checked: exit status 0 and outputs equal to the host's.
set -euo pipefail
cd "$(dirname "$0")"
source tools/lib.sh

PROFILES=(release release-s)
opt_level() { case $1 in release) echo 3 ;; release-s) echo '"s"' ;; esac; }

for target in "${TARGETS[@]}"; do
    for profile in "${PROFILES[@]}"; do
        echo "building: cargo build --profile $profile --target $target" >&2
        # shellcheck disable=SC2046
        cargo build -q --profile "$profile" --target "$target" $(bins_for "$target")
    done
done
mkdir -p target/tools target/logs
plugin=target/tools/libinsncount.so
gcc -O2 -shared -fPIC -o "$plugin" tools/qemu-insn-count/insncount.c

# section_sizes ELF: "FLASH STATIC_RAM" in bytes. Flash holds the vector
# table, code, read-only data (the model) and the initial values of .data;
# static RAM is .data + .bss + .uninit.
section_sizes() {
    "$LLVM_BIN/llvm-size" -A "$1" | awk '
        $1 == ".vector_table" || $1 == ".text" || $1 == ".rodata" { flash += $2 }
        $1 == ".data" { flash += $2; ram += $2 }
        $1 == ".bss" || $1 == ".uninit" { ram += $2 }
        END { print flash + 0, ram + 0 }'
}

# window ELF TARGET START END LOG: runs the image with the instruction
# counter, its output in LOG and the counter's in LOG.plugin; fails unless
# QEMU exits 0 and the outputs equal the host's; prints the instructions
# executed in [START, END).
window() {
    run_image "$2" "$1" "$5" -plugin "$plugin,start=$3,end=$4" -d plugin -D "$5.plugin" ||
        die "$1 failed under QEMU (see firmware/$5)"
    compare_outputs "$5" "$(basename "$1")" >/dev/null || die "$1: outputs differ from the host's (see firmware/$5)"
    sed -n 's/.*insns_window=\([0-9-]*\).*/\1/p' "$5.plugin"
}

# group N: N with thousands separators (1,234).
group() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }

# measure IMAGE TARGET PROFILE: the image's row of the table, then a line
# "FLASH RAM_IN_TOTAL MARKED" for the summaries below. Two runs under the
# counter (the instruction count does not change what the image does): the
# first counts the marked window and is also the checked run, whose output
# gives the peak stack; the second counts from `infer` on.
measure() {
    local image=$1 target=$2 profile=$3 file flash ram log stack start end infer marked alone
    file=$(elf "$target" "$profile" "$image")
    read -r flash ram < <(section_sizes "$file")
    log=target/logs/report-$target-$profile-$image.log
    start=$(symbol_address "$file" constnet_mark_start)
    end=$(symbol_address "$file" constnet_mark_end)
    infer=$(function_address "$file" "$(infer_pattern "$image")")
    marked=$(window "$file" "$target" "$start" "$end" "$log")
    stack=$(sed -n 's/^stack_peak \([0-9]*\)$/\1/p' "$log")
    [[ -n $stack ]] || die "$image ($target, $profile): no stack_peak line in firmware/$log"
    # From infer's first instruction to the end marker: the call
    # itself, without the markers' bodies and the argument set-up.
    alone=$(window "$file" "$target" "$infer" "$end" "${log%.log}-infer.log")
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$image" "$(board "$target")" "$(opt_level "$profile")" \
        "$(group "$flash")" "$(group "$ram")" "$(group "$stack")" "$(group $((ram + stack)))" \
        "$(group "$marked")" "$(group "$alone")"
    echo "$flash $((ram + stack)) $marked"
}

# Every (image, board, opt-level), in the table's order; QEMU runs on one
# core, so REPORT_JOBS of them (default: the number of cores) run at once,
# each in a subshell that leaves its output, errors and exit status in
# target/logs/report-jobs/.
combos=()
for image in "${IMAGES[@]}"; do
    for target in "${TARGETS[@]}"; do
        grep -qx "$image" <(images_for "$target") || continue
        for profile in "${PROFILES[@]}"; do
            combos+=("$image $target $profile")
        done
    done
done
jobs_dir=target/logs/report-jobs
rm -rf "$jobs_dir"
mkdir -p "$jobs_dir"
for i in "${!combos[@]}"; do
    while (($(jobs -rp | wc -l) >= ${REPORT_JOBS:-$(nproc)})); do wait -n || true; done
    (
        trap 'echo $? >"$jobs_dir/$i.status"' EXIT
        # shellcheck disable=SC2086 # "image target profile"
        measure ${combos[i]} >"$jobs_dir/$i.out" 2>"$jobs_dir/$i.err"
    ) &
done
wait

declare -A result
echo "| image | board | opt-level | flash (bytes) | static RAM (bytes) | peak stack (bytes) | RAM in total (bytes) | instructions per inference | of which \`infer\` |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
for i in "${!combos[@]}"; do
    if [[ $(cat "$jobs_dir/$i.status" 2>/dev/null) != 0 ]]; then
        cat "$jobs_dir/$i.err" >&2
        die "${combos[i]}: the measurement failed"
    fi
    head -1 "$jobs_dir/$i.out"
    read -r image target profile <<<"${combos[i]}"
    result[$image,$target,$profile]=$(tail -1 "$jobs_dir/$i.out")
done

# The targets of issue #4 for the sine image on the Cortex-M4F.
if [[ -n ${result[sine,thumbv7em-none-eabihf,release]:-} ]]; then
    echo
    echo "| sine on the Cortex-M4F | opt-level 3 | target | opt-level \"s\" | target |"
    echo "|---|---:|---|---:|---|"
    read -r flash3 ram3 insns3 <<<"${result[sine,thumbv7em-none-eabihf,release]}"
    read -r flashs rams insnss <<<"${result[sine,thumbv7em-none-eabihf,release-s]}"
    verdict() { if (($1 < $2)); then echo "< $(group "$2"): met"; else echo "< $(group "$2"): **missed, $(group $(($1 - $2))) over**"; fi; }
    echo "| flash (bytes) | $(group "$flash3") | $(verdict "$flash3" 4096) | $(group "$flashs") | $(verdict "$flashs" 4096) |"
    echo "| RAM in total, stack included (bytes) | $(group "$ram3") | $(verdict "$ram3" 1024) | $(group "$rams") | $(verdict "$rams" 1024) |"
    echo "| instructions per inference vs MicroFlow 0.1.3 (int8) | $(group "$insns3") | $(verdict "$insns3" 2430) | $(group "$insnss") | $(verdict "$insnss" 8911) |"
    echo "| instructions per inference vs a naive f32 loop | $(group "$insns3") | $(verdict "$insns3" 890) | $(group "$insnss") | $(verdict "$insnss" 2734) |"
fi

# The int8 images against their f32 counterparts and MicroFlow (issue #11):
# the int8 sine model's instructions on the Cortex-M4F against MicroFlow
# 0.1.3's int8 sine (measured here under QEMU), the instruction ratio
# f32 / int8 on the Cortex-M0, and flash, int8 against f32.
if [[ -n ${result[int8_sine,thumbv7em-none-eabihf,release]:-} && -n ${result[sine,thumbv6m-none-eabi,release]:-} ]]; then
    echo
    echo "| int8 against f32 | board | opt-level | flash f32 → int8 (bytes) | instructions f32 → int8 | f32 / int8 |"
    echo "|---|---|---|---:|---:|---:|"
    for pair in "sine int8_sine" "digits int8_digits" "cnn_digits int8_cnn_digits"; do
        read -r f32 int8 <<<"$pair"
        for target in "${TARGETS[@]}"; do
            for profile in "${PROFILES[@]}"; do
                read -r flash_f _ insns_f <<<"${result[$f32,$target,$profile]}"
                read -r flash_q _ insns_q <<<"${result[$int8,$target,$profile]}"
                ratio=$(awk -v f="$insns_f" -v q="$insns_q" 'BEGIN { printf "%.2f", f / q }')
                echo "| $f32 → $int8 | $(board "$target") | $(opt_level "$profile") | $(group "$flash_f") → $(group "$flash_q") | $(group "$insns_f") → $(group "$insns_q") | $ratio× |"
            done
        done
    done
    read -r _ _ q3 <<<"${result[int8_sine,thumbv7em-none-eabihf,release]}"
    read -r _ _ qs <<<"${result[int8_sine,thumbv7em-none-eabihf,release-s]}"
    verdict() { if (($1 < $2)); then echo "< $(group "$2"): met"; else echo "< $(group "$2"): **missed, $(group $(($1 - $2))) over**"; fi; }
    echo
    echo "| int8_sine on the Cortex-M4F | opt-level 3 | target | opt-level \"s\" | target |"
    echo "|---|---:|---|---:|---|"
    echo "| instructions per inference vs MicroFlow 0.1.3 (int8) | $(group "$q3") | $(verdict "$q3" 2430) | $(group "$qs") | $(verdict "$qs" 8911) |"
fi

# tiny_gpt's marked "inference" is its whole generation (the image prints
# `characters N, model steps S, window restarts R`): per generated
# character, and per step of the model through the key/value cache.
if [[ -n ${result[tiny_gpt,thumbv7em-none-eabihf,release]:-} ]]; then
    log=target/logs/report-thumbv7em-none-eabihf-release-tiny_gpt.log
    chars=$(sed -n 's/^characters \([0-9]*\), model steps \([0-9]*\),.*/\1/p' "$log")
    steps=$(sed -n 's/^characters \([0-9]*\), model steps \([0-9]*\),.*/\2/p' "$log")
    [[ -n $chars && -n $steps ]] || die "no 'characters N, model steps S' line in firmware/$log"
    read -r _ _ insns3 <<<"${result[tiny_gpt,thumbv7em-none-eabihf,release]}"
    read -r _ _ insnss <<<"${result[tiny_gpt,thumbv7em-none-eabihf,release-s]}"
    echo
    echo "| tiny_gpt on the Cortex-M4F | opt-level 3 | opt-level \"s\" |"
    echo "|---|---:|---:|"
    echo "| instructions per generated character (the generation / $chars) | $(group $((insns3 / chars))) | $(group $((insnss / chars))) |"
    echo "| instructions per model step (the generation / $steps steps: prompt, characters, re-fed windows) | $(group $((insns3 / steps))) | $(group $((insnss / steps))) |"
fi
