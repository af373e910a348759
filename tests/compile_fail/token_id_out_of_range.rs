//! A token id known when the program is written is checked against the
//! vocabulary by the compiler.
use constnet::prelude::*;

const END_OF_TEXT: TokenId<256> = TokenId::constant::<256>();

fn main() {
    let _ = END_OF_TEXT;
}
