//! Measurements: the stack's high-water mark, and the markers around the
//! code whose instructions `report.sh` counts.

/// What cortex-m-rt's reset handler (feature `paint-stack`) writes over the
/// whole stack before `main`.
const PAINT: u32 = cortex_m_rt::STACK_PAINT_VALUE;

unsafe extern "C" {
    /// The stack's lowest address (its limit), from cortex-m-rt's `link.x`.
    static _stack_end: u32;
    /// The stack's highest address (the initial stack pointer).
    static _stack_start: u32;
}

/// The most stack used since reset, in bytes: the distance from the top of
/// the stack to the lowest word that no longer holds the paint.
///
/// The reset handler paints from `_stack_end` up to `_stack_start`; every
/// word a call frame has touched since then has (almost surely) lost the
/// paint. The scan runs up from the bottom, in this function's own frame,
/// which sits above the deepest frame of the measured code when it is called
/// from `main`.
pub fn stack_peak() -> u32 {
    let bottom = &raw const _stack_end as usize;
    let top = &raw const _stack_start as usize;
    let mut address = bottom;
    while address < top {
        // SAFETY: the stack region [_stack_end, _stack_start) is RAM that this
        // program owns; it is read as whole aligned words (both ends are
        // aligned by link.x), and a volatile read does not assume anything
        // about the contents.
        let word = unsafe { core::ptr::read_volatile(address as *const u32) };
        if word != PAINT {
            break;
        }
        address += 4;
    }
    (top - address) as u32
}

/// Called just before the measured code: `report.sh` counts the
/// instructions executed from this function's first instruction to
/// [`mark_end`]'s (QEMU plugin `tools/qemu-insn-count`).
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn constnet_mark_start() {
    // Distinct bodies, so that the two markers are never merged into one.
    core::hint::black_box(0x5354_u32);
}

/// Called just after the measured code; see [`constnet_mark_start`].
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn constnet_mark_end() {
    core::hint::black_box(0x454e_u32);
}
