//! Firmware image `int8_sine`: the int8 sine model of `sine.tflite` on every
//! int8 input, each output printed (compared with the host's by `ci.sh`).
#![no_std]
#![no_main]

use constnet_firmware::io::{self, Out};
use constnet_firmware::{int8_sine, probe};
use cortex_m_rt::entry;

#[entry]
fn main() -> ! {
    let mut out = Out::new();
    out.str("int8_sine: 1-16-16-1 ReLU from sine.tflite, int8").end();

    // One inference between the markers: the instructions report.sh counts.
    probe::constnet_mark_start();
    let y = int8_sine::infer(&int8_sine::NET, core::hint::black_box(0));
    probe::constnet_mark_end();
    core::hint::black_box(y);

    for x in i8::MIN..=i8::MAX {
        out.str("out ").int(i32::from(x)).str(" ").int(i32::from(int8_sine::infer(&int8_sine::NET, x))).end();
    }
    out.str("stack_peak ").dec(probe::stack_peak()).end();
    io::exit(true)
}
