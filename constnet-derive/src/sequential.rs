//! `#[derive(Sequential)]`: `Layer` and `Backprop` for a struct whose fields
//! run in declaration order, as a tuple stack's layers do.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{DeriveInput, GenericParam, Ident, Index, Type, WherePredicate};

use crate::{body, fresh, generics_with, where_with};

/// The most fields a derived stack takes: its tape is a tuple of the
/// fields' tapes, and `constnet::Zeroed` is implemented for tuples of up to
/// this many.
const MAX_FIELDS: usize = 32;

/// The two impls.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let body = body(input, "Sequential")?;
    let fields = body.fields();
    if fields.is_empty() {
        return Err(syn::Error::new_spanned(
            crate::item_span(input),
            "`#[derive(Sequential)]` needs at least one field: the layers it runs, in declaration order",
        ));
    }
    let n = fields.len();
    if n > MAX_FIELDS {
        return Err(syn::Error::new_spanned(
            crate::item_span(input),
            format!(
                "`#[derive(Sequential)]` takes at most {MAX_FIELDS} fields (its tape is a tuple of theirs, and constnet gives \
                 tuples of up to {MAX_FIELDS} a zeroed value); this struct has {n}: group some fields into a nested stack"
            ),
        ));
    }
    let ident = &input.ident;
    let generics = &input.generics;
    let (_, ty_generics, _) = generics.split_for_impl();

    let x = fresh(generics, "__X");
    let mode = fresh(generics, "__M");
    // `ys[k]` is the output of field `k`, the input of field `k + 1`, and
    // `ts[k]` its tape. They are parameters of the impls, bound by the
    // fields' impls, so that the associated types name no field type (a
    // private one could not appear there).
    let ys: Vec<Ident> = (0..n).map(|k| fresh(generics, &format!("__Y{k}"))).collect();
    let ts: Vec<Ident> = (0..n).map(|k| fresh(generics, &format!("__T{k}"))).collect();
    let inputs: Vec<&Ident> = core::iter::once(&x).chain(&ys[..n - 1]).collect();
    let tys: Vec<&Type> = fields.iter().map(|field| &field.ty).collect();
    let members: Vec<&Ident> = fields.iter().filter_map(|field| field.ident.as_ref()).collect();

    let as_layer: Vec<_> =
        tys.iter().zip(&inputs).map(|(ty, i)| quote_spanned!(ty.span()=> <#ty as ::constnet::Layer<#i>>)).collect();
    let as_backprop: Vec<_> = tys
        .iter()
        .zip(&inputs)
        .map(|(ty, i)| quote_spanned!(ty.span()=> <#ty as ::constnet::Backprop<#i, #mode>>))
        .collect();

    // `A: Layer<X, Output = Y0>, B: Layer<Y0, Output = Y1>, …`, and
    // `A: Backprop<X, M, Output = Y0, Tape = T0>, …`.
    let mut layer_bounds: Vec<WherePredicate> = Vec::with_capacity(n);
    let mut backprop_bounds: Vec<WherePredicate> = Vec::with_capacity(n);
    for (((ty, input), y), t) in tys.iter().zip(&inputs).zip(&ys).zip(&ts) {
        layer_bounds.push(syn::parse_quote_spanned!(ty.span()=> #ty: ::constnet::Layer<#input, Output = #y>));
        backprop_bounds.push(
            syn::parse_quote_spanned!(ty.span()=> #ty: ::constnet::Backprop<#input, #mode, Output = #y, Tape = #t>),
        );
        // Implied by the one above, but a type parameter's bounds are not
        // elaborated from an associated type's.
        backprop_bounds.push(syn::parse_quote_spanned!(ty.span()=> #t: ::constnet::Zeroed));
    }

    let type_params = |extra: &[TokenStream], tapes: &[Ident]| -> Vec<GenericParam> {
        let params = extra.iter().map(|p| syn::parse_quote!(#p));
        params.chain(ys.iter().chain(tapes).map(|y| syn::parse_quote!(#y))).collect()
    };
    let layer_generics = generics_with(generics, type_params(&[quote!(#x)], &[]));
    let (layer_impl, _, _) = layer_generics.split_for_impl();
    let layer_where = where_with(generics, layer_bounds);
    let backprop_generics = generics_with(generics, type_params(&[quote!(#x), quote!(#mode: ::constnet::Mode)], &ts));
    let (backprop_impl, _, _) = backprop_generics.split_for_impl();
    let backprop_where = where_with(generics, backprop_bounds);

    let last = n - 1;
    let output = &ys[last];

    // As in the tuple stacks, the passes nest one block per layer, `{ let y
    // = <the previous layers>; <this layer>(&y) }`: a value's storage ends
    // with the block that holds it, so each intermediate output is dead as
    // soon as the next layer has read it.
    let first = &as_layer[0];
    let first_member = members[0];
    let eval = (1..n).fold(quote!(#first::eval(&self.#first_member, __x)), |acc, k| {
        let (layer, member) = (&as_layer[k], members[k]);
        quote!({ let __y = #acc; #layer::eval(&self.#member, &__y) })
    });

    let tapes: Vec<Ident> = (0..n).map(|k| format_ident!("__t{}", k)).collect();
    let first = &as_backprop[0];
    let first_tape = &tapes[0];
    let eval_tape = (1..n).fold(
        quote!({ let __y; (__y, #first_tape) = #first::eval_tape(&mut self.#first_member, __x); __y }),
        |acc, k| {
            let (layer, member, tape) = (&as_backprop[k], members[k], &tapes[k]);
            quote!({ let __x = #acc; let __y; (__y, #tape) = #layer::eval_tape(&mut self.#member, &__x); __y })
        },
    );

    let first_index = Index::from(0);
    let eval_tape_into = (1..n).fold(
        quote!(#first::eval_tape_into(&mut self.#first_member, __x, &mut __tape.#first_index)),
        |acc, k| {
            let (layer, member, index) = (&as_backprop[k], members[k], Index::from(k));
            quote!({ let __x = #acc; #layer::eval_tape_into(&mut self.#member, &__x, &mut __tape.#index) })
        },
    );

    let (layer, member, index) = (&as_backprop[last], members[last], Index::from(last));
    let backprop = (0..last).rev().fold(
        quote!(#layer::backprop(&self.#member, &__tape.#index, __dy, &mut __grads.#member)),
        |acc, k| {
            let (layer, member, index) = (&as_backprop[k], members[k], Index::from(k));
            quote!({ let __d = #acc; #layer::backprop(&self.#member, &__tape.#index, &__d, &mut __grads.#member) })
        },
    );

    Ok(quote! {
        #[automatically_derived]
        impl #layer_impl ::constnet::Layer<#x> for #ident #ty_generics #layer_where {
            type Output = #output;

            /// The fields in declaration order, each on its predecessor's
            /// output.
            #[inline]
            fn eval(&self, __x: &#x) -> Self::Output {
                #eval
            }
        }

        #[automatically_derived]
        impl #backprop_impl ::constnet::Backprop<#x, #mode> for #ident #ty_generics #backprop_where {
            /// The fields' tapes, in declaration order.
            type Tape = (#(#ts,)*);

            fn eval_tape(&mut self, __x: &#x) -> (Self::Output, Self::Tape) {
                // Assigned as the fields run; only the tapes outlive a field.
                #(let #tapes;)*
                let __y = #eval_tape;
                (__y, (#(#tapes,)*))
            }

            /// Each field writes into its own part of `tape`.
            fn eval_tape_into(&mut self, __x: &#x, __tape: &mut Self::Tape) -> Self::Output {
                #eval_tape_into
            }

            /// The fields in reverse order, each gradient into the same
            /// field of `grads`.
            fn backprop(&self, __tape: &Self::Tape, __dy: &Self::Output, __grads: &mut Self) -> #x {
                #backprop
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{MAX_FIELDS, expand};

    fn with_fields(n: usize) -> syn::DeriveInput {
        let fields: String = (0..n).map(|k| format!("f{k}: Relu, ")).collect();
        syn::parse_str(&format!("struct Wide {{ {fields} }}")).expect("a struct")
    }

    #[test]
    fn more_fields_than_tapes_have_zeroed_tuples_is_an_error_saying_so() {
        assert!(expand(&with_fields(MAX_FIELDS)).is_ok());
        let error = expand(&with_fields(MAX_FIELDS + 1)).expect_err("too many fields").to_string();
        assert!(error.contains("at most 32 fields") && error.contains("this struct has 33"), "{error}");
    }
}
