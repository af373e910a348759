//! Output and exit status through semihosting, without `core::fmt`.
//!
//! Numbers are printed as decimal integers or as the
//! hexadecimal bits of an `f32`, which is also what the host/device
//! comparison needs: the bits, not a rounded decimal.

use cortex_m_semihosting::{debug, hio};

/// A writer to the host's standard output. Every piece is written with its
/// own semihosting call: no line buffer on the stack, no `memset`.
pub struct Out {
    stream: Option<hio::HostStream>,
}

impl Default for Out {
    fn default() -> Self {
        Self::new()
    }
}

impl Out {
    /// Opens the host's standard output.
    pub fn new() -> Self {
        Out { stream: hio::hstdout().ok() }
    }

    fn write(&mut self, bytes: &[u8]) {
        if let Some(stream) = self.stream.as_mut() {
            // Nothing useful can be done if the host refuses the write.
            let _ = stream.write_all(bytes);
        }
    }

    /// Writes a string.
    #[inline(never)]
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.write(s.as_bytes());
        self
    }

    /// Writes `value` in decimal.
    #[inline(never)]
    pub fn dec(&mut self, mut value: u32) -> &mut Self {
        let mut digits = [b'0'; 10];
        let mut first = digits.len();
        while first > 0 {
            first -= 1;
            if let Some(digit) = digits.get_mut(first) {
                *digit = b'0' + (value % 10) as u8;
            }
            value /= 10;
            if value == 0 {
                break;
            }
        }
        self.write(digits.get(first..).unwrap_or(&[]));
        self
    }

    /// Writes `value` in decimal, with a minus sign if negative.
    pub fn int(&mut self, value: i32) -> &mut Self {
        if value < 0 {
            self.str("-");
        }
        self.dec(value.unsigned_abs())
    }

    /// Writes `value` as eight hexadecimal digits.
    #[inline(never)]
    pub fn hex(&mut self, value: u32) -> &mut Self {
        let mut digits = [0; 8];
        for (k, digit) in digits.iter_mut().enumerate() {
            let nibble = (value >> (28 - 4 * k)) as u8 & 0xf;
            *digit = if nibble < 10 { b'0' + nibble } else { b'a' + nibble - 10 };
        }
        self.write(&digits);
        self
    }

    /// Writes the bits of `x` in hexadecimal, or `nan` for any NaN: IEEE
    /// 754 fixes every other result bit for bit, but not a NaN's payload,
    /// which differs between x86-64, the FPU and soft float.
    #[inline(never)]
    pub fn bits(&mut self, x: f32) -> &mut Self {
        if x.is_nan() { self.str("nan") } else { self.hex(x.to_bits()) }
    }

    /// Ends the line.
    pub fn end(&mut self) {
        self.write(b"\n");
    }
}

/// Ends the program: QEMU exits with status 0 if `success`, else 1.
pub fn exit(success: bool) -> ! {
    debug::exit(if success { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    // Only reached without a semihosting host.
    loop {
        core::hint::spin_loop();
    }
}
