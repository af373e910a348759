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

# window ELF TARGET START END: instructions executed in [START, END).
window() {
    local log=target/logs/plugin.log
    run_image "$2" "$1" target/logs/report-run.log -plugin "$plugin,start=$3,end=$4" -d plugin -D "$log" ||
        die "$1 failed under QEMU (see firmware/target/logs/report-run.log)"
    sed -n 's/.*insns_window=\([0-9-]*\).*/\1/p' "$log"
}

# group N: N with thousands separators (1,234).
group() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }

declare -A result
echo "| image | board | opt-level | flash (bytes) | static RAM (bytes) | peak stack (bytes) | RAM in total (bytes) | instructions per inference | of which \`infer\` |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
for image in "${IMAGES[@]}"; do
    for target in "${TARGETS[@]}"; do
        grep -qx "$image" <(images_for "$target") || continue
        for profile in "${PROFILES[@]}"; do
            file=$(elf "$target" "$profile" "$image")
            read -r flash ram < <(section_sizes "$file")
            log=target/logs/report-$target-$profile-$image.log
            run_image "$target" "$file" "$log" || die "$image ($target, $profile) exited with a failure status; see firmware/$log"
            compare_outputs "$log" "$image" >/dev/null || die "$image ($target, $profile): outputs differ from the host's"
            stack=$(sed -n 's/^stack_peak \([0-9]*\)$/\1/p' "$log")
            start=$(symbol_address "$file" constnet_mark_start)
            end=$(symbol_address "$file" constnet_mark_end)
            infer=$(function_address "$file" "$(infer_pattern "$image")")
            marked=$(window "$file" "$target" "$start" "$end")
            # From infer's first instruction to the end marker: the call
            # itself, without the markers' bodies and the argument set-up.
            alone=$(window "$file" "$target" "$infer" "$end")
            printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$image" "$(board "$target")" "$(opt_level "$profile")" \
                "$(group "$flash")" "$(group "$ram")" "$(group "$stack")" "$(group $((ram + stack)))" \
                "$(group "$marked")" "$(group "$alone")"
            result[$image,$target,$profile]="$flash $((ram + stack)) $marked"
        done
    done
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
