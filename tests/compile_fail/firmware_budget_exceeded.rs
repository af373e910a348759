// A firmware image states how many bytes its model's parameters may take and
// checks it at compile time, as every image in firmware/ does. The sine model
// (1-16-16-1, 321 parameters, 1284 bytes) does not fit a 1 KiB budget: the
// build fails and says so.
use constnet::prelude::*;

type Sine = (Dense<1, 16>, Relu, Dense<16, 16>, Relu, Dense<16, 1>);

const BUDGET: usize = 1024;
const _: () = assert!(<Sine as Model>::BYTES <= BUDGET, "the sine model's parameters do not fit the image's budget");

fn main() {}
