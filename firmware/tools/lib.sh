# Shared by ci.sh, check-no-panic.sh and report.sh (sourced from firmware/).

# The firmware images: one `src/bin/<image>.rs` each, with its shared part
# (model, `infer`) in `src/<image>.rs` and its expected outputs in
# `expected/<image>.out`. Adding an image means adding its name here.
IMAGES=(sine int8_sine digits int8_digits cnn_digits int8_cnn_digits lstm_digits transformer_digits keyword_spotting tiny_gpt pytorch_cnn xor_train)
# Inference-only images: their whole ELF must link no panic machinery.
# (For every image, nothing reachable from `<image>::infer` may panic.)
INFERENCE_ONLY=(sine int8_sine digits int8_digits cnn_digits int8_cnn_digits lstm_digits transformer_digits keyword_spotting tiny_gpt pytorch_cnn)
TARGETS=(thumbv7em-none-eabihf thumbv6m-none-eabi)
# Images that do not fit the Cortex-M0's 16 KiB of RAM: built, run, checked
# and reported on the Cortex-M4F only (README.md says why for each).
M4F_ONLY=(tiny_gpt)

# images_for TARGET: the images built and run for TARGET, in IMAGES' order.
images_for() {
    local image only
    for image in "${IMAGES[@]}"; do
        if [[ $1 == thumbv6m-none-eabi ]]; then
            for only in "${M4F_ONLY[@]}"; do [[ $only == "$image" ]] && continue 2; done
        fi
        echo "$image"
    done
}

# bins_for TARGET: cargo's `--bin` arguments for TARGET's images and the
# panic canary.
bins_for() {
    local image
    for image in $(images_for "$1") panic_canary; do printf -- '--bin %s ' "$image"; done
}

# The firmware's build directory, whatever the caller's CARGO_TARGET_DIR
# (which host-side cargo commands keep using).
HOST_CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/../target}
export CARGO_TARGET_DIR="$PWD/target"

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

board() {
    case $1 in
        thumbv7em-none-eabihf) echo "mps2-an386 (Cortex-M4F)" ;;
        thumbv6m-none-eabi) echo "micro:bit (Cortex-M0)" ;;
        *) die "unknown target $1" ;;
    esac
}

qemu_machine() {
    case $1 in
        thumbv7em-none-eabihf) echo "-machine mps2-an386 -cpu cortex-m4" ;;
        thumbv6m-none-eabi) echo "-machine microbit -cpu cortex-m0" ;;
        *) die "unknown target $1" ;;
    esac
}

# llvm-nm, llvm-size, llvm-objdump from `rustup component add llvm-tools`.
LLVM_BIN="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"
for tool in llvm-nm llvm-size llvm-objdump; do
    [[ -x "$LLVM_BIN/$tool" ]] || die "$tool not found in $LLVM_BIN: run 'rustup component add llvm-tools'"
done
command -v qemu-system-arm >/dev/null || die "qemu-system-arm not found: apt-get install qemu-system-arm"

# elf TARGET PROFILE IMAGE
elf() { echo "$CARGO_TARGET_DIR/$1/$2/$3"; }

# run_image TARGET ELF LOG [QEMU ARGS...]: runs the image under QEMU with a
# timeout, its output in LOG; returns QEMU's exit status (the firmware's).
run_image() {
    local target=$1 elf=$2 log=$3
    shift 3
    # shellcheck disable=SC2046
    timeout "${FIRMWARE_TIMEOUT:-120}" qemu-system-arm $(qemu_machine "$target") -nographic -monitor none \
        -semihosting-config enable=on,target=native "$@" -kernel "$elf" </dev/null >"$log" 2>&1
}

# symbol_address ELF NAME: the address of an unmangled symbol, as 0x...
symbol_address() {
    local address
    address=$("$LLVM_BIN/llvm-nm" "$1" | awk -v name="$2" '$3 == name { print $1 }')
    [[ -n $address ]] || die "no symbol $2 in $1"
    echo "0x$address"
}

# function_address ELF PATTERN: the address of the function whose (mangled)
# name matches the extended regex PATTERN, as 0x...
function_address() {
    local address
    address=$("$LLVM_BIN/llvm-nm" "$1" | awk -v pattern="$2" '$2 ~ /^[tT]$/ && $3 ~ pattern { print $1; exit }')
    [[ -n $address ]] || die "no function matching $2 in $1"
    echo "0x$address"
}

# infer_pattern IMAGE: the legacy-mangled name of constnet_firmware::IMAGE::infer.
infer_pattern() { echo "^_ZN17constnet_firmware${#1}${1}5infer17h"; }

# compare_outputs LOG IMAGE: the device's `out` lines against the expected
# (host) ones; prints the first differences and fails if any.
compare_outputs() {
    local log=$1 image=$2
    [[ -f expected/$image.out ]] || die "expected/$image.out missing: FIRMWARE_EXPECTED=overwrite cargo test --test firmware_outputs"
    local differences
    if differences=$(diff -u --label "host: expected/$image.out" --label "device" expected/"$image".out <(grep '^out ' "$log")); then
        return 0
    fi
    head -20 <<<"$differences"
    return 1
}
