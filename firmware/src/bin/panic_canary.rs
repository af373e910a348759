//! Firmware image `panic_canary`: panics on purpose (an index out of
//! bounds). `ci.sh` uses it as the positive control of two checks: the panic
//! handler makes QEMU exit with a failure status, and `check-no-panic.sh`
//! does find the panic machinery in an image that has some.
#![no_std]
#![no_main]

use constnet_firmware::io::{self, Out};
use constnet_firmware::panic_canary;
use cortex_m_rt::entry;

#[entry]
fn main() -> ! {
    let table = [1_u32, 2, 3];
    let index = core::hint::black_box(3);
    Out::new().str("panic_canary: indexing a table of 3 at ").dec(index as u32).end();
    let value = panic_canary::infer(&table, index);
    Out::new().str("not reached: ").dec(value).end();
    io::exit(true)
}
