//! Picks the board's memory map by target: `memory/mps2-an386.x` for the
//! Cortex-M4F (thumbv7em-none-eabihf), `memory/microbit.x` for the Cortex-M0
//! (thumbv6m-none-eabi), and puts it where cortex-m-rt's `link.x` finds it.

use std::{env, fs, path::PathBuf};

fn main() {
    let target = env::var("TARGET").unwrap_or_default();
    let board = if target.starts_with("thumbv6m") { "microbit" } else { "mps2-an386" };
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (from, to) in [(format!("memory/{board}.x"), "memory.x"), ("memory/device.x".to_string(), "device.x")] {
        fs::copy(&from, out.join(to)).unwrap_or_else(|e| panic!("copying {from}: {e}"));
        println!("cargo:rerun-if-changed={from}");
    }
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=build.rs");
}
