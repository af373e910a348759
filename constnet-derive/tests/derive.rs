//! `#[derive(Model)]` and `#[derive(Sequential)]`: a struct behaves exactly
//! as the tuple of its fields' types, bit for bit, with its field names as
//! its state-dict names.

use constnet::prelude::*;
use constnet::state::{self, StateEntry, StateEntryMut};
use constnet::{Backprop, Layer};

#[derive(Model, Sequential, Clone, Debug, PartialEq)]
struct Mlp {
    hidden: Dense<4, 3>,
    act: Tanh,
    out: Dense<3, 2>,
}

/// The tuple of `Mlp`'s field types, the same model unnamed.
type MlpTuple = (Dense<4, 3>, Tanh, Dense<3, 2>);

fn as_tuple(mlp: &Mlp) -> MlpTuple {
    (mlp.hidden.clone(), Tanh, mlp.out.clone())
}

fn mlp(seed: u64) -> Mlp {
    Mlp::init(&mut Xoshiro256PlusPlus::seed_from_u64(seed))
}

/// Every parameter's bits, in `tensors` order.
fn bits<M: Model>(model: &M) -> Vec<u32> {
    model.tensors().flat_map(|tensor| tensor.storage.iter().map(|value| value.to_bits()).collect::<Vec<_>>()).collect()
}

/// The state-dict names, in order.
fn names<F: Float, M: Model<F>>(model: &M) -> Vec<String> {
    let mut names = Vec::new();
    state::visit(model, &mut |path, _, _| names.push(path.to_string()));
    names
}

const X: [f32; 4] = [0.5, -1.0, 0.25, 2.0];

#[test]
fn counts_zero_and_initialisation_are_the_tuples() {
    const _: () = assert!(<Mlp as Model>::PARAMS == 4 * 3 + 3 + 3 * 2 + 2);
    const _: () = assert!(<Mlp as Model>::PARAMS == <MlpTuple as Model>::PARAMS);
    const _: () = assert!(<Mlp as Model>::TENSORS == 4);
    const _: () = assert!(<Mlp as Model>::BYTES == 23 * 4);
    // `ZERO` is a constant: it can initialise a `static`.
    static ZERO: Mlp = Mlp::ZERO;
    assert_eq!(ZERO, Mlp { hidden: Dense::ZERO, act: Tanh, out: Dense::ZERO });
    assert!(bits(&ZERO).iter().all(|&b| b == 0));
    assert_eq!(bits(&ZERO).len(), 23);

    // Fields draw from the generator in declaration order, as a tuple's layers do.
    let tuple = MlpTuple::init(&mut Xoshiro256PlusPlus::seed_from_u64(3));
    assert_eq!(bits(&mlp(3)), bits(&tuple));
    let mut in_place = Mlp::ZERO;
    in_place.initialize_with(Init::HeUniform, &mut Xoshiro256PlusPlus::seed_from_u64(4));
    let tuple = MlpTuple::init_with(Init::HeUniform, &mut Xoshiro256PlusPlus::seed_from_u64(4));
    assert_eq!(bits(&in_place), bits(&tuple));

    // Tensors in order, their owners by field position as in a tuple.
    let net = mlp(1);
    let tensors: Vec<_> = net.tensors().map(|t| (t.name, t.shape.dims())).collect();
    assert_eq!(tensors, [("weight", &[3, 4][..]), ("bias", &[3][..]), ("weight", &[2, 3][..]), ("bias", &[2][..])]);
    for index in 0..5 {
        assert_eq!(Mlp::tensor_owner(index), MlpTuple::tensor_owner(index), "tensor {index}");
    }
    assert_eq!(Mlp::tensor_owner(2).map(|(position, _)| position), Some(2));
    assert_eq!(Mlp::tensor_owner(4), None);
}

#[test]
fn state_dict_names_are_the_field_names() {
    let mut net = mlp(1);
    assert_eq!(names(&net), ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]);
    assert_eq!(state::len(&net), 4);

    let mut layers = Vec::new();
    state::visit(&net, &mut |path, layer, entry| {
        let StateEntry::Tensor(tensor) = entry else { panic!("{path}: untracked") };
        layers.push((path.to_string(), layer, tensor.storage.len()));
    });
    assert_eq!(layers[0], ("hidden.weight".to_string(), "constnet::layers::dense::Dense<4, 3>", 12));
    assert_eq!(layers[3], ("out.bias".to_string(), "constnet::layers::dense::Dense<3, 2>", 2));

    // Mutably, in the same order: set `out.bias` by name.
    let mut mutable = Vec::new();
    state::visit_mut(&mut net, &mut |path, _, entry| {
        mutable.push(path.to_string());
        if *path == *"out.bias" {
            let StateEntryMut::TensorMut(mut tensor) = entry else { panic!() };
            tensor.read_pytorch(&[1.5, -2.5]).unwrap();
        }
    });
    assert_eq!(mutable, names(&net));
    assert_eq!(*net.out.bias(), [1.5, -2.5]);
}

#[test]
fn forward_is_the_tuples_bit_for_bit() {
    let net = mlp(2);
    let tuple = as_tuple(&net);
    let y = net.forward(&X);
    assert_eq!(y.map(f32::to_bits), tuple.forward(&X).map(f32::to_bits));
    // Through the traits, named explicitly.
    assert_eq!(<Mlp as Layer<[f32; 4]>>::eval(&net, &X), y);
}

#[test]
fn backward_gives_the_tuples_gradients_and_dx() {
    let mut net = mlp(5);
    let mut tuple = as_tuple(&net);
    let dy = [0.75, -1.25];

    let (y, tape) = net.forward_tape(&X);
    let mut grads = Grads::<Mlp>::zeroed();
    let dx = net.backward(&tape, &dy, &mut grads);

    let (y_tuple, tape_tuple) = tuple.forward_tape(&X);
    let mut grads_tuple = Grads::<MlpTuple>::zeroed();
    let dx_tuple = tuple.backward(&tape_tuple, &dy, &mut grads_tuple);

    assert_eq!(y.map(f32::to_bits), y_tuple.map(f32::to_bits));
    assert_eq!(dx.map(f32::to_bits), dx_tuple.map(f32::to_bits));
    assert_eq!(bits(&grads), bits(&grads_tuple));
    assert!(bits(&grads).iter().any(|&b| b != 0));

    // The tape is the tuple of the fields' tapes, like the tuple's.
    type Tapes = (
        <Dense<4, 3> as Backprop<[f32; 4]>>::Tape,
        <Tanh as Backprop<[f32; 3]>>::Tape,
        <Dense<3, 2> as Backprop<[f32; 3]>>::Tape,
    );
    let _: &Tapes = tape.layers();

    // Evaluation mode: the same, as nothing here depends on the mode.
    let (y_eval, tape) = net.forward_tape_eval(&X);
    let mut grads_eval = Grads::<Mlp>::zeroed();
    let dx_eval = net.backward(&tape, &dy, &mut grads_eval);
    assert_eq!((y_eval, dx_eval), (y, dx));
    assert_eq!(grads_eval, grads);
}

#[test]
fn batches_run_sample_by_sample_as_in_the_tuple() {
    let mut net = mlp(6);
    let mut tuple = as_tuple(&net);
    let xs = Batch::new([X, [1.0, 0.0, -1.0, 0.5], [0.0; 4]]);
    let out: Batch<[f32; 2], 3> = net.forward(&xs);
    assert_eq!(out, tuple.forward(&xs));
    assert_eq!(out[1], net.forward(&xs[1]));

    let dy = Batch::new([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]);
    let (_, tape) = net.forward_tape(&xs);
    let mut grads = Grads::<Mlp>::zeroed();
    let dx = net.backward(&tape, &dy, &mut grads);
    let (_, tape_tuple) = tuple.forward_tape(&xs);
    let mut grads_tuple = Grads::<MlpTuple>::zeroed();
    let dx_tuple = tuple.backward(&tape_tuple, &dy, &mut grads_tuple);
    assert_eq!(dx, dx_tuple);
    assert_eq!(bits(&grads), bits(&grads_tuple));
}

#[test]
fn training_steps_as_the_tuple_does() {
    const DATA: [([f32; 4], [f32; 2]); 4] = [
        ([0.0, 0.0, 1.0, 0.0], [0.0, 1.0]),
        ([0.0, 1.0, 0.0, 1.0], [1.0, 0.0]),
        ([1.0, 0.0, 0.5, 0.0], [1.0, 0.0]),
        ([1.0, 1.0, 0.0, 0.5], [0.0, 1.0]),
    ];
    let mut net = mlp(7);
    let mut tuple = as_tuple(&net);
    let (mut sgd, mut sgd_tuple) = (Sgd::new(0.5).unwrap(), Sgd::new(0.5).unwrap());
    let first = train_batch(&mut net, &mut sgd, &DATA, mse).unwrap();
    let mut last = first;
    for _ in 0..200 {
        last = train_batch(&mut net, &mut sgd, &DATA, mse).unwrap();
    }
    for _ in 0..201 {
        train_batch(&mut tuple, &mut sgd_tuple, &DATA, mse).unwrap();
    }
    assert!(last < first / 4.0, "{first} -> {last}");
    assert_eq!(bits(&net), bits(&tuple));

    // An optimiser whose state is model-shaped: Adam keeps an `Mlp` of moments.
    let mut adam: Adam<f32, Mlp> = Adam::new(0.01).unwrap();
    let mut adam_tuple: Adam<f32, MlpTuple> = Adam::new(0.01).unwrap();
    let mut grads = Mlp::zeroed();
    let (y, tape) = net.forward_tape(&X);
    net.backward(&tape, &y, &mut grads);
    let mut grads_tuple = MlpTuple::zeroed();
    let (y, tape) = tuple.forward_tape(&X);
    tuple.backward(&tape, &y, &mut grads_tuple);
    adam.step(&mut net, &grads);
    adam_tuple.step(&mut tuple, &grads_tuple);
    assert_eq!(bits(&net), bits(&tuple));
}

#[test]
fn write_rust_writes_a_struct_literal_that_builds_the_model() {
    #[derive(Model, Sequential, Clone, Debug, PartialEq)]
    struct Tiny {
        fc: Dense<2, 1>,
        act: Sigmoid,
    }
    // What `write_rust` writes, pasted: it compiles, in a `static`.
    static TINY: Tiny =
        Tiny { fc: constnet::layers::Dense::from_weights([[0.5, -0.25]], [0.125]), act: constnet::layers::Sigmoid };
    let tiny = Tiny { fc: Dense::from_weights([[0.5, -0.25]], [0.125]), act: Sigmoid };
    let mut source = String::new();
    tiny.write_rust(&mut source).unwrap();
    assert_eq!(
        source,
        "Tiny {\n    fc: constnet::layers::Dense::from_weights([[0.5, -0.25]], [0.125]),\n    act: constnet::layers::Sigmoid,\n}"
    );
    assert_eq!(TINY, tiny);

    // A larger one: the struct's name, then each field's own source.
    let net = mlp(8);
    let mut source = String::new();
    net.write_rust(&mut source).unwrap();
    let mut fields = [String::new(), String::new(), String::new()];
    net.hidden.write_rust(&mut fields[0]).unwrap();
    Model::<f32>::write_rust(&net.act, &mut fields[1]).unwrap();
    net.out.write_rust(&mut fields[2]).unwrap();
    let [hidden, act, out] = fields;
    assert_eq!(source, format!("Mlp {{\n    hidden: {hidden},\n    act: {act},\n    out: {out},\n}}"));
    let expr: syn::ExprStruct = syn::parse_str(&source).expect("a struct expression");
    assert!(expr.path.is_ident("Mlp"));
    let members: Vec<_> =
        expr.fields.iter().map(|field| quote::ToTokens::to_token_stream(&field.member).to_string()).collect();
    assert_eq!(members, ["hidden", "act", "out"]);
}

mod models {
    use constnet::prelude::*;

    /// PyTorch's attribute names that Rust spells otherwise.
    #[derive(Model, Sequential, Clone, Debug, PartialEq)]
    #[model(rust_path = "crate::models::Renamed")]
    pub struct Renamed {
        #[model(rename = "in_proj")]
        pub input: Dense<2, 2>,
        pub r#type: Relu,
        pub r#loop: Dense<2, 1>,
    }
}

#[test]
fn rename_and_rust_path() {
    use models::Renamed;

    let net = Renamed::init(&mut Xoshiro256PlusPlus::seed_from_u64(9));
    assert_eq!(names(&net), ["in_proj.weight", "in_proj.bias", "loop.weight", "loop.bias"]);
    let mut source = String::new();
    net.write_rust(&mut source).unwrap();
    assert!(
        source.starts_with("crate::models::Renamed {\n    input: constnet::layers::Dense::from_weights("),
        "{source}"
    );
    assert!(source.contains(",\n    r#type: constnet::layers::Relu,\n    r#loop: "), "{source}");
    let expr: syn::ExprStruct = syn::parse_str(&source).expect("a struct expression");
    assert_eq!(quote::ToTokens::to_token_stream(&expr.path).to_string(), "crate :: models :: Renamed");
}

/// A nested model struct, as a field.
#[derive(Model, Sequential, Clone, Debug, PartialEq)]
struct Encoder {
    fc: Dense<8, 4>,
    act: Relu,
}

/// A convolution (a tuple field: an `nn.Sequential` attribute), then a
/// nested struct, then a head.
#[derive(Model, Sequential, Clone, Debug, PartialEq)]
struct Cnn {
    conv: (Conv2d<1, 2, 3, 2, 2>, Relu),
    flatten: Flatten<8>,
    encoder: Encoder,
    head: Dense<4, 2>,
}

type CnnTuple = ((Conv2d<1, 2, 3, 2, 2>, Relu), Flatten<8>, (Dense<8, 4>, Relu), Dense<4, 2>);

fn cnn_as_tuple(cnn: &Cnn) -> CnnTuple {
    (cnn.conv.clone(), Flatten, (cnn.encoder.fc.clone(), Relu), cnn.head.clone())
}

#[test]
fn nested_structs_and_tuple_fields() {
    let mut cnn = Cnn::init(&mut Xoshiro256PlusPlus::seed_from_u64(10));
    assert_eq!(
        names(&cnn),
        ["conv.0.weight", "conv.0.bias", "encoder.fc.weight", "encoder.fc.bias", "head.weight", "head.bias"]
    );
    // The owner's position is the field's; the type, the innermost layer's.
    assert_eq!(Cnn::tensor_owner(3), Some((2, "constnet::layers::dense::Dense<8, 4>")));
    assert_eq!(Cnn::tensor_owner(5), Some((3, "constnet::layers::dense::Dense<4, 2>")));
    assert_eq!(Cnn::tensor_owner(6), None);

    let mut tuple = cnn_as_tuple(&cnn);
    assert_eq!(bits(&cnn), bits(&tuple));
    let image = [[[0.5, -1.0, 0.25, 1.0], [1.0, 0.0, -0.5, 0.5], [0.25, 0.75, -1.0, 0.0], [1.0, 1.0, 0.5, -0.25]]];
    assert_eq!(cnn.forward(&image), tuple.forward(&image));

    let (y, tape) = cnn.forward_tape(&image);
    let mut grads = Grads::<Cnn>::zeroed();
    let dx = cnn.backward(&tape, &[1.0, -1.0], &mut grads);
    let (y_tuple, tape) = tuple.forward_tape(&image);
    let mut grads_tuple = Grads::<CnnTuple>::zeroed();
    let dx_tuple = tuple.backward(&tape, &[1.0, -1.0], &mut grads_tuple);
    assert_eq!((y, dx), (y_tuple, dx_tuple));
    assert_eq!(bits(&grads), bits(&grads_tuple));

    // Into a tape kept elsewhere (holding another image's pass): each field,
    // nested struct and tuple alike, writes its own part, to the same bits.
    let mut kept: TapeOf<Cnn, _> = Zeroed::ZEROED;
    cnn.forward_tape_into(&[[[1.0; 4]; 4]], &mut kept);
    let y_kept = cnn.forward_tape_into(&image, &mut kept);
    let mut grads_kept = Grads::<Cnn>::zeroed();
    let dx_kept = cnn.backward(&kept, &[1.0, -1.0], &mut grads_kept);
    assert_eq!((y_kept, dx_kept), (y, dx));
    assert_eq!(bits(&grads_kept), bits(&grads));
    assert_eq!(format!("{:?}", kept.layers()), format!("{:?}", cnn.forward_tape(&image).1.layers()));

    let mut source = String::new();
    cnn.write_rust(&mut source).unwrap();
    assert!(source.starts_with("Cnn {\n    conv: (\n    constnet::layers::Conv::from_weights("), "{source}");
    assert!(source.contains("encoder: Encoder {\n    fc: constnet::layers::Dense::from_weights("), "{source}");
    syn::parse_str::<syn::ExprStruct>(&source).expect("a struct expression");
}

/// A struct with buffers (batch normalisation's running statistics), which
/// trains on batches and in both modes.
#[derive(Model, Sequential, Clone, Debug, PartialEq)]
struct Normed {
    fc: Dense<3, 2>,
    norm: BatchNorm1d<2>,
}

#[test]
fn buffers_and_modes() {
    let mut net = Normed::init(&mut Xoshiro256PlusPlus::seed_from_u64(11));
    let mut tuple = (net.fc.clone(), net.norm.clone());
    let mut entries = Vec::new();
    state::visit(&net, &mut |path, _, entry| {
        let kind = match entry {
            StateEntry::Tensor(tensor) => format!("{:?}", tensor.kind),
            StateEntry::Untracked { .. } => "Untracked".to_string(),
        };
        entries.push(format!("{path} {kind}"));
    });
    assert_eq!(
        entries,
        [
            "fc.weight Weight",
            "fc.bias Bias",
            "norm.weight Weight",
            "norm.bias Bias",
            "norm.running_mean Buffer",
            "norm.running_var Buffer",
            "norm.num_batches_tracked Untracked",
        ]
    );

    let xs = Batch::new([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5], [-1.0, 2.0, 0.0]]);
    let dy = Batch::new([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]);
    let (y, tape) = net.forward_tape(&xs);
    let mut grads = Grads::<Normed>::zeroed();
    let dx = net.backward(&tape, &dy, &mut grads);
    let (y_tuple, tape) = tuple.forward_tape(&xs);
    let mut grads_tuple = Grads::<(Dense<3, 2>, BatchNorm1d<2>)>::zeroed();
    let dx_tuple = tuple.backward(&tape, &dy, &mut grads_tuple);
    assert_eq!((y, dx), (y_tuple, dx_tuple));
    assert_eq!(bits(&grads), bits(&grads_tuple));
    assert_eq!((&net.fc, &net.norm), (&tuple.0, &tuple.1)); // running statistics updated alike

    // Evaluation mode, one sample: running statistics untouched.
    let before = net.clone();
    let (_, tape) = net.forward_tape_eval(&[1.0, 2.0, 3.0]);
    net.backward(&tape, &[1.0, 1.0], &mut grads);
    assert_eq!(net, before);
}

/// A generic block: const generics, the same type in two fields.
#[derive(Model, Sequential, Clone, Debug, PartialEq)]
struct Block<const N: usize> {
    a: Dense<N, N>,
    relu: Relu,
    b: Dense<N, N>,
    relu2: Relu,
}

/// Generic over the float and over a layer, with a parameter that the
/// derive's own `__F` must not clash with.
#[derive(Model, Sequential, Clone, Debug, PartialEq)]
struct Wrap<__F: Float, L> {
    inner: L,
    fc: Dense<2, 2, __F>,
}

#[test]
fn generic_structs() {
    const _: () = assert!(<Block<3> as Model>::PARAMS == 2 * (9 + 3));
    let block = Block::<3>::init(&mut Xoshiro256PlusPlus::seed_from_u64(12));
    let tuple = (block.a.clone(), Relu, block.b.clone(), Relu);
    assert_eq!(block.forward(&[1.0, -2.0, 0.5]), tuple.forward(&[1.0, -2.0, 0.5]));
    assert_eq!(names(&block), ["a.weight", "a.bias", "b.weight", "b.bias"]);

    // Blocks in a stack, in a tuple and in a struct.
    type Deep = (Dense<2, 3>, Block<3>, Block<3>, Dense<3, 1>);
    let mut deep = Deep::init(&mut Xoshiro256PlusPlus::seed_from_u64(13));
    assert_eq!(names(&deep)[2..4], ["1.a.weight".to_string(), "1.a.bias".to_string()]);
    let (y, tape) = deep.forward_tape(&[0.5, 0.5]);
    let mut grads = Grads::<Deep>::zeroed();
    deep.backward(&tape, &[1.0], &mut grads);
    assert_eq!(y, deep.forward(&[0.5, 0.5]));

    // In f64, with a layer as a type parameter.
    type Wide = Wrap<f64, Dense<3, 2, f64>>;
    const _: () = assert!(<Wide as Model<f64>>::PARAMS == 8 + 6);
    let mut wide: Wide = Wide::init(&mut Xoshiro256PlusPlus::seed_from_u64(14));
    let tuple = (wide.inner.clone(), wide.fc.clone());
    let y = wide.forward(&[1.0_f64, 2.0, 3.0]);
    assert_eq!(y, tuple.forward(&[1.0, 2.0, 3.0]));
    let (_, tape) = wide.forward_tape(&[1.0_f64, 2.0, 3.0]);
    let mut grads = Grads::<Wide>::zeroed();
    let dx = wide.backward(&tape, &[1.0, 0.0], &mut grads);
    assert!(dx.iter().all(|d| d.is_finite()));
    assert_eq!(names(&wide), ["inner.weight", "inner.bias", "fc.weight", "fc.bias"]);
}

/// Models without parameters: no fields, or a unit struct whose forward
/// pass is written by hand.
#[derive(Model, Debug, PartialEq)]
struct Empty {}

#[derive(Model, Debug, PartialEq)]
struct Double;

impl<const N: usize> Layer<[f32; N]> for Double {
    type Output = [f32; N];

    fn eval(&self, x: &[f32; N]) -> [f32; N] {
        x.map(|v| 2.0 * v)
    }
}

#[test]
fn models_without_fields() {
    const _: () = assert!(<Empty as Model>::PARAMS == 0 && <Empty as Model>::TENSORS == 0);
    const _: () = assert!(<Double as Model>::PARAMS == 0);
    assert_eq!(<Empty as Model>::ZERO, Empty {});
    // Parameter-free, they are models in every float type (as an
    // activation is), so the float is named.
    let mut empty = <Empty as Model>::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
    assert_eq!(Model::<f32>::tensors(&empty).count() + Model::<f32>::tensors_mut(&mut empty).count(), 0);
    assert!(names::<f32, _>(&empty).is_empty() && names::<f64, _>(&Double).is_empty());
    assert_eq!(<Empty as Model>::tensor_owner(0), None);
    let (mut a, mut b) = (String::new(), String::new());
    Model::<f32>::write_rust(&empty, &mut a).unwrap();
    Model::<f64>::write_rust(&Double, &mut b).unwrap();
    assert_eq!((a.as_str(), b.as_str()), ("Empty {}", "Double"));
    assert_eq!(Double.forward(&[1.0, -2.0]), [2.0, -4.0]);
    // In a stack, a parameter-free model is a position like an activation.
    let net = (Dense::<2, 2>::ZERO, Empty {}, Dense::<2, 1>::ZERO);
    assert_eq!(names(&net), ["0.weight", "0.bias", "2.weight", "2.bias"]);
}

/// A hand-written forward pass: a skip connection around a derived model.
#[derive(Model, Clone, Debug, PartialEq)]
struct Skip {
    body: Block<2>,
}

impl Layer<[f32; 2]> for Skip {
    type Output = [f32; 2];

    fn eval(&self, x: &[f32; 2]) -> [f32; 2] {
        let y = self.body.forward(x);
        [x[0] + y[0], x[1] + y[1]]
    }
}

#[test]
fn a_forward_pass_of_ones_own() {
    let skip = Skip::init(&mut Xoshiro256PlusPlus::seed_from_u64(15));
    let y = skip.body.forward(&[1.0, -1.0]);
    assert_eq!(skip.forward(&[1.0, -1.0]), [1.0 + y[0], -1.0 + y[1]]);
    assert_eq!(names(&skip), ["body.a.weight", "body.a.bias", "body.b.weight", "body.b.bias"]);
}

/// A public model whose fields' types are private: the impls' associated
/// types name no field type, so this compiles (without warnings).
pub mod visibility {
    use constnet::prelude::*;

    #[derive(Model, Sequential, Clone)]
    struct Private {
        fc: Dense<2, 2>,
    }

    /// A public model of private blocks.
    #[derive(Model, Sequential, Clone)]
    pub struct Public {
        first: Private,
        /// A public field beside them.
        pub relu: Relu,
        last: Private,
    }

    #[test]
    fn private_field_types() {
        let mut net = Public::init(&mut Xoshiro256PlusPlus::seed_from_u64(16));
        let tuple = (net.first.fc.clone(), Relu, net.last.fc.clone());
        assert_eq!(net.forward(&[1.0, -1.0]), tuple.forward(&[1.0, -1.0]));
        let (_, tape) = net.forward_tape(&[1.0, -1.0]);
        let mut grads = Public::zeroed();
        net.backward(&tape, &[1.0, 1.0], &mut grads);
    }
}

/// The widest derived stack, 32 fields: its tape (a tuple of 32) still has
/// a zeroed value, so it can be kept outside the stack.
#[derive(Model, Sequential, Clone, Debug, PartialEq)]
struct Widest {
    f0: Relu,
    f1: Relu,
    f2: Relu,
    f3: Relu,
    f4: Relu,
    f5: Relu,
    f6: Relu,
    f7: Relu,
    f8: Relu,
    f9: Relu,
    f10: Relu,
    f11: Relu,
    f12: Relu,
    f13: Relu,
    f14: Relu,
    f15: Relu,
    f16: Relu,
    f17: Relu,
    f18: Relu,
    f19: Relu,
    f20: Relu,
    f21: Relu,
    f22: Relu,
    f23: Relu,
    f24: Relu,
    f25: Relu,
    f26: Relu,
    f27: Relu,
    f28: Relu,
    f29: Relu,
    f30: Relu,
    f31: Relu,
}

#[test]
fn the_widest_derived_stack_trains_into_a_kept_tape() {
    let mut net = <Widest as Model<f32>>::ZERO;
    let mut kept: TapeOf<Widest, [f32; 3]> = Zeroed::ZEROED;
    let y = net.forward_tape_into(&[-1.0, 0.5, 2.0], &mut kept);
    let mut grads = <Widest as Model<f32>>::ZERO;
    let dx = net.backward(&kept, &[1.0, 1.0, 1.0], &mut grads);
    assert_eq!((y, dx), ([0.0, 0.5, 2.0], [0.0, 1.0, 1.0]));
}
