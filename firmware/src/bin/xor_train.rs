//! Firmware image `xor_train`: learns XOR on the device, from a seeded RNG
//! and without a heap, then checks the four cases. Exits 0 only if all four
//! are right. Prints the final loss, the predictions and every trained
//! parameter as bits (compared with the host's training by `ci.sh`).
#![no_std]
#![no_main]

use constnet::Model;
use constnet_firmware::io::{self, Out};
use constnet_firmware::{probe, xor_train};
use cortex_m_rt::entry;

#[entry]
fn main() -> ! {
    let mut out = Out::new();
    out.str("xor_train: 2-4-1 tanh/sigmoid, ").dec(xor_train::EPOCHS as u32).str(" epochs of SGD on the device").end();
    let Some((net, loss)) = xor_train::train() else {
        out.str("training stopped: non-finite loss").end();
        io::exit(false)
    };
    out.str("out loss ").bits(loss).end();

    // One inference between the markers: the instructions report.sh counts.
    probe::constnet_mark_start();
    let p = xor_train::infer(core::hint::black_box(&net), &xor_train::DATA[0].0);
    probe::constnet_mark_end();
    core::hint::black_box(p);

    let mut correct = 0;
    for (k, (x, [target])) in xor_train::DATA.iter().enumerate() {
        let p = xor_train::infer(&net, x);
        correct += u32::from((p > 0.5) == (*target > 0.5));
        out.str("out p").dec(k as u32).str(" ").bits(p).end();
    }
    let mut index = 0;
    for tensor in net.tensors() {
        for &value in tensor.storage {
            out.str("out param ").dec(index).str(" ").bits(value).end();
            index += 1;
        }
    }
    out.str("correct: ").dec(correct).str(" of 4").end();
    out.str("stack_peak ").dec(probe::stack_peak()).end();
    io::exit(correct == 4)
}
