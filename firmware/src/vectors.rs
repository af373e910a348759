//! The interrupt part of the vector table.
//!
//! Without its `device` feature, cortex-m-rt links a generic table of 240
//! interrupt vectors on ARMv7-M (960 bytes of flash). Both boards have 32
//! interrupt lines (QEMU's mps2-an386 and the nRF51 of the micro:bit), so the
//! table here has 32 entries. No image enables an interrupt; every entry is
//! cortex-m-rt's `DefaultHandler`.

unsafe extern "C" {
    fn DefaultHandler();
}

/// Placed by `link.x` right after the 16 system exception vectors.
#[unsafe(link_section = ".vector_table.interrupts")]
#[unsafe(no_mangle)]
#[used]
static __INTERRUPTS: [unsafe extern "C" fn(); 32] = [DefaultHandler; 32];
