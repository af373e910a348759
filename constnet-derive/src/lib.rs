//! Derive macros for [constnet](https://docs.rs/constnet): a struct with
//! named fields as a model (`#[derive(Model)]`) and as a stack of layers
//! run in field order (`#[derive(Sequential)]`).
//!
//! Use them through constnet's `derive` feature, which re-exports them as
//! `constnet::Model` and `constnet::Sequential` (the derive macro `Model`
//! and the trait `Model` share the name, as serde's do: `use
//! constnet::Model` imports both).
//!
//! ```toml
//! [dependencies]
//! constnet = { version = "0.1", features = ["derive"] }
//! ```
//!
//! ## Why a struct
//!
//! A tuple stack is an `nn.Sequential`: its state dict is numbered,
//! `0.weight`, `2.bias`. A PyTorch model is usually a module with named
//! attributes, and its state dict is named after them: `conv.weight`,
//! `fc.bias`. A struct deriving `Model` has exactly those names — each
//! field's name is the prefix of its entries — so a model matches its
//! PyTorch counterpart's `state_dict()` with no mapping table to write or
//! keep in step:
//!
//! ```
//! use constnet::prelude::*;
//! use constnet::{Model, Sequential};
//!
//! /// A keyword spotter: what PyTorch would call `self.conv`, `self.flatten`
//! /// and `self.fc`.
//! #[derive(Model, Sequential)]
//! struct Kws {
//!     conv: (Conv1d<1, 4, 3, 6>, Relu), // an `nn.Sequential` attribute
//!     flatten: Flatten<24>,
//!     fc: Dense<24, 2>,
//! }
//!
//! const _: () = assert!(<Kws as Model>::PARAMS == 16 + 50);
//! let mut names = Vec::new();
//! constnet::state::visit(&Kws::ZERO, &mut |path, _, _| names.push(path.to_string()));
//! assert_eq!(names, ["conv.0.weight", "conv.0.bias", "fc.weight", "fc.bias"]);
//!
//! // `Sequential`: the fields run in declaration order, like a tuple.
//! let mut kws = Kws::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
//! let logits: [f32; 2] = kws.forward(&[[0.5; 8]]);
//! let (y, tape) = kws.forward_tape(&[[0.5; 8]]);
//! let mut grads = Grads::<Kws>::zeroed();
//! kws.backward(&tape, &[1.0, 0.0], &mut grads);
//! assert_eq!(y, logits);
//! ```
//!
//! ## `#[derive(Model)]`
//!
//! Implements `Module` and `Model<F>` for every float `F` for which every
//! field's type is a `Model<F>`, over the struct's own generics (a
//! `struct Block<const N: usize>` works). The struct is then a model like a
//! tuple: parameters and tensors are its fields' in declaration order
//! (which is also the order `initialize_with` draws in), `ZERO` is every
//! field's `ZERO`, and `tensor_owner` gives the field's position.
//!
//! * **State dict**: a field's entries are under its name: a `fc: Dense<…>`
//!   gives `fc.weight` and `fc.bias`, a tuple field `conv: (Conv2d<…>,
//!   Relu)` gives `conv.0.weight`, a field of a struct type deriving
//!   `Model` nests its names (`encoder.fc.weight`). A raw identifier names
//!   itself without `r#`.
//! * **`#[model(rename = "name")]`** on a field gives it another
//!   state-dict name: for a PyTorch attribute that is a Rust keyword or
//!   is spelled differently. Names must be distinct, non-empty and without
//!   `.`.
//! * **`write_rust`** writes a struct literal, `Name { field: …, … }`, with
//!   each field's own source; by default `Name` is the struct's bare name,
//!   so the type must be in scope where the source is `include!`d (its
//!   generic arguments are inferred from the `static`'s type).
//!   **`#[model(rust_path = "my_crate::models::Kws")]`** on the struct
//!   writes that path instead (generic arguments, if any, with a
//!   turbofish).
//!
//! A unit struct (`struct Swish;`) or one without fields is a model with
//! no parameters.
//!
//! ## `#[derive(Sequential)]`
//!
//! Implements `Layer<X>` and `Backprop<X, M>` for a struct of one field or
//! more, exactly as for a tuple of its fields' types: the fields run in
//! declaration order, each on its predecessor's output (`a: Layer<X,
//! Output = Y0>`, `b: Layer<Y0, Output = Y1>`, …), so the struct takes
//! whatever the first field takes, batches included; the tape is the tuple
//! of the fields' tapes and the backward pass runs in reverse, each
//! field's gradient into the same field of `grads`. As in a tuple, each
//! intermediate value lives only until the next field has read it.
//! `Sequential` is meant together with `Model`, which provides `Module`
//! (and with it `forward`, `forward_tape` and `backward`).
//!
//! ## A forward pass of your own
//!
//! For a model that is not a plain chain — a skip connection, two
//! branches, a gate — derive only `Model` (for the parameters, names,
//! initialisation, export and optimisers) and implement `Layer` yourself,
//! calling the fields (and `Backprop`, for training):
//!
//! ```
//! use constnet::prelude::*;
//! use constnet::{Layer, Model};
//!
//! #[derive(Model)]
//! struct Skip {
//!     fc: Dense<4, 4>,
//!     act: Tanh,
//! }
//!
//! impl Layer<[f32; 4]> for Skip {
//!     type Output = [f32; 4];
//!
//!     fn eval(&self, x: &[f32; 4]) -> [f32; 4] {
//!         let y = self.act.forward(&self.fc.forward(x));
//!         core::array::from_fn(|i| x[i] + y[i])
//!     }
//! }
//!
//! let skip = Skip::ZERO;
//! assert_eq!(skip.forward(&[1.0, 2.0, 3.0, 4.0]), [1.0, 2.0, 3.0, 4.0]);
//! ```
//!
//! ## The generated code
//!
//! It names `::constnet::…` and `::core::…` only, so it builds in
//! `#![no_std]` firmware, and it requires the dependency to be called
//! `constnet`. Structs with named fields only: tuple structs (use a tuple
//! type, which is already a model), enums and unions are rejected with an
//! error at the item.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod attr;
mod model;
mod sequential;

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::quote;
use syn::punctuated::Punctuated;
use syn::{Data, DeriveInput, Field, Fields, GenericParam, Generics, Ident, WhereClause, WherePredicate};

/// `#[derive(Model)]`: `Module` and `Model<F>` (for every float `F` the
/// fields are models of), with the field names as the state-dict names.
///
/// Attributes: `#[model(rust_path = "my_crate::models::Net")]` on the
/// struct, the path `write_rust` writes (by default the bare name, which
/// must be in scope where the source is `include!`d);
/// `#[model(rename = "name")]` on a field, its state-dict name (by default
/// the field's, without `r#`). More in the `constnet-derive` crate
/// documentation.
#[proc_macro_derive(Model, attributes(model))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    expand(input, model::expand)
}

/// `#[derive(Sequential)]`: `Layer<X>` and `Backprop<X, M>` running the
/// fields in declaration order, as a tuple of their types does; derive
/// `Model` beside it. For another forward pass, derive only `Model` and
/// implement `Layer` (and `Backprop`) by hand. More in the
/// `constnet-derive` crate documentation.
#[proc_macro_derive(Sequential, attributes(model))]
pub fn derive_sequential(input: TokenStream) -> TokenStream {
    expand(input, sequential::expand)
}

/// Parses the item and runs `derive`, turning an error into
/// `compile_error!`s.
fn expand(input: TokenStream, derive: fn(&DeriveInput) -> syn::Result<proc_macro2::TokenStream>) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    derive(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// A struct's fields.
enum Body<'a> {
    /// `struct S { … }`, possibly without fields.
    Named(Vec<&'a Field>),
    /// `struct S;`.
    Unit,
}

impl<'a> Body<'a> {
    /// The named fields, none for a unit struct.
    fn fields(&self) -> &[&'a Field] {
        match self {
            Body::Named(fields) => fields,
            Body::Unit => &[],
        }
    }
}

/// The fields of a struct, or an error at the item for anything else.
fn body<'a>(input: &'a DeriveInput, derive: &str) -> syn::Result<Body<'a>> {
    let what = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => return Ok(Body::Named(fields.named.iter().collect())),
            Fields::Unit => return Ok(Body::Unit),
            Fields::Unnamed(_) => {
                "a tuple struct: its field names are the state-dict names (for unnamed layers use a tuple type, \
                 `(A, B, …)`, which is already a model)"
            }
        },
        Data::Enum(_) => "an enum",
        Data::Union(_) => "a union",
    };
    Err(syn::Error::new_spanned(
        item_span(input),
        format!("`#[derive({derive})]` takes a struct with named fields, not {what}"),
    ))
}

/// The tokens to report an error about the whole item at: its keyword,
/// name and generics.
fn item_span(input: &DeriveInput) -> proc_macro2::TokenStream {
    let keyword = match &input.data {
        Data::Struct(data) => {
            let token = data.struct_token;
            quote!(#token)
        }
        Data::Enum(data) => {
            let token = data.enum_token;
            quote!(#token)
        }
        Data::Union(data) => {
            let token = data.union_token;
            quote!(#token)
        }
    };
    let (ident, generics) = (&input.ident, &input.generics);
    quote!(#keyword #ident #generics)
}

/// `base`, or `base` with `_`s appended until it is not one of the
/// struct's generic parameters.
fn fresh(generics: &Generics, base: &str) -> Ident {
    let taken = |name: &str| {
        generics.params.iter().any(|param| match param {
            GenericParam::Type(param) => param.ident == name,
            GenericParam::Const(param) => param.ident == name,
            GenericParam::Lifetime(param) => param.lifetime.ident == name,
        })
    };
    let mut name = base.to_owned();
    while taken(&name) {
        name.push('_');
    }
    Ident::new(&name, Span::call_site())
}

/// The struct's generic parameters with `extra` after its lifetimes.
fn generics_with(generics: &Generics, extra: impl IntoIterator<Item = GenericParam>) -> Generics {
    let is_lifetime = |param: &&GenericParam| matches!(param, GenericParam::Lifetime(_));
    let mut params: Punctuated<GenericParam, syn::Token![,]> = Punctuated::new();
    params.extend(generics.params.iter().filter(is_lifetime).cloned());
    params.extend(extra);
    params.extend(generics.params.iter().filter(|param| !is_lifetime(param)).cloned());
    Generics { lt_token: Some(Default::default()), params, gt_token: Some(Default::default()), where_clause: None }
}

/// The struct's where clause with `extra` added.
fn where_with(generics: &Generics, extra: impl IntoIterator<Item = WherePredicate>) -> WhereClause {
    let mut clause = generics
        .where_clause
        .clone()
        .unwrap_or_else(|| WhereClause { where_token: Default::default(), predicates: Punctuated::new() });
    clause.predicates.extend(extra);
    clause
}
