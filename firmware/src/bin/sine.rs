//! Firmware image `sine`: runs the sine model over a fixed set of inputs and
//! prints each output's bits (compared with the host's by `ci.sh`).
#![no_std]
#![no_main]

use constnet::Model;
use constnet_firmware::io::{self, Out};
use constnet_firmware::{probe, sine};
use cortex_m_rt::entry;

#[entry]
fn main() -> ! {
    let mut out = Out::new();
    out.str("sine: 1-16-16-1 ReLU, ").dec(<sine::Sine as Model>::BYTES as u32).str(" parameter bytes in flash").end();

    // One inference between the markers: the instructions report.sh counts.
    probe::constnet_mark_start();
    let y = sine::infer(core::hint::black_box(sine::input(0)));
    probe::constnet_mark_end();
    core::hint::black_box(y);

    let mut finite = 0;
    for k in 0..sine::INPUTS {
        let x = sine::input(k);
        let y = sine::infer(x);
        finite += u32::from(y.is_finite());
        out.str("out ").dec(k as u32).str(" ").bits(x).str(" ").bits(y).end();
    }
    out.str("finite outputs: ").dec(finite).str(" of ").dec(sine::INPUTS as u32).end();
    out.str("stack_peak ").dec(probe::stack_peak()).end();
    // Every finite input gives a finite output; the three non-finite ones do not.
    io::exit(finite as usize == sine::INPUTS - 3)
}
