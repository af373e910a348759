//! `#[derive(Model)]`: `Module` and `Model<F>` for a struct, its fields
//! being the parts of its state dict.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{DeriveInput, GenericParam, Index, WherePredicate};

use crate::attr::{self, Errors};
use crate::{Body, body, fresh, generics_with, where_with};

/// The two impls.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let body = body(input, "Model")?;
    let container = attr::container(&input.attrs);
    let fields = body.fields();

    // Each field's state-dict name, every clash and bad attribute reported.
    let mut errors = Errors::default();
    let container = errors.push(container);
    let mut seen = HashSet::new();
    let mut names = Vec::with_capacity(fields.len());
    for field in fields {
        if let Some((name, span)) = errors.push(attr::state_name(field)) {
            if !seen.insert(name.clone()) {
                errors.push::<()>(Err(syn::Error::new(
                    span,
                    format!("two fields have the state-dict name `{name}`; give one `#[model(rename = \"...\")]`"),
                )));
            }
            names.push(name);
        }
    }
    let container = errors.finish(container)?.unwrap_or_default();

    let ident = &input.ident;
    let generics = &input.generics;
    let (module_impl, ty_generics, module_where) = generics.split_for_impl();

    let f = fresh(generics, "__F");
    let rng = fresh(generics, "__R");
    let visitor = fresh(generics, "__V");
    let writer = fresh(generics, "__W");

    let float: GenericParam = syn::parse_quote!(#f: ::constnet::Float);
    let model_generics = generics_with(generics, [float]);
    let (model_impl, _, _) = model_generics.split_for_impl();
    let bounds = fields.iter().map(|field| {
        let ty = &field.ty;
        let bound: WherePredicate = syn::parse_quote_spanned!(ty.span()=> #ty: ::constnet::Model<#f>);
        bound
    });
    let model_where = where_with(generics, bounds);

    let tys: Vec<_> = fields.iter().map(|field| &field.ty).collect();
    let members: Vec<_> = fields.iter().filter_map(|field| field.ident.as_ref()).collect();
    let model = quote!(::constnet::Model<#f>);
    let as_model: Vec<_> = tys.iter().map(|ty| quote_spanned!(ty.span()=> <#ty as #model>)).collect();

    let params = sum(&as_model, quote!(PARAMS));
    let tensors = sum(&as_model, quote!(TENSORS));
    let zero = match body {
        Body::Unit => quote!(Self),
        Body::Named(_) => quote!(Self { #(#members: #as_model::ZERO,)* }),
    };

    let unused = |names: TokenStream| if fields.is_empty() { quote!(let _ = #names;) } else { quote!() };
    let unused_init = unused(quote!((init, rng)));
    let unused_index = unused(quote!(index));
    let unused_visit = unused(quote!((prefix, visit)));

    // `tensor_owner`: the position of the field that holds tensor `index`.
    let owner = as_model.iter().enumerate().map(|(k, m)| {
        let position = Index::from(k);
        let found = quote! {
            if index < #m::TENSORS {
                return ::core::option::Option::map(#m::tensor_owner(index), |(_, layer_type)| (#position, layer_type));
            }
        };
        if k + 1 < as_model.len() { quote!(#found let index = index - #m::TENSORS;) } else { found }
    });

    let chain = |each: Vec<TokenStream>, item: TokenStream| {
        let mut each = each.into_iter();
        match each.next() {
            None => quote!(::core::iter::empty::<#item>()),
            Some(first) => each.fold(first, |acc, next| quote!(::core::iter::Iterator::chain(#acc, #next))),
        }
    };
    let tensors_chain = chain(
        as_model.iter().zip(&members).map(|(m, member)| quote!(#m::tensors(&self.#member))).collect(),
        quote!(::constnet::Tensor<'_, #f>),
    );
    let tensors_mut_chain = chain(
        as_model.iter().zip(&members).map(|(m, member)| quote!(#m::tensors_mut(&mut self.#member))).collect(),
        quote!(::constnet::TensorMut<'_, #f>),
    );

    let path = |name: &String| {
        quote! {
            ::core::option::Option::Some(&::constnet::state::StatePath::new(
                prefix,
                ::constnet::state::Segment::Name(#name),
            ))
        }
    };
    let paths: Vec<_> = names.iter().map(path).collect();

    // `write_rust`: `Name {\n    field: <its source>,\n ... }`.
    let name = container.rust_path.unwrap_or_else(|| ident.to_string());
    let write_rust = match body {
        Body::Unit => quote!(::core::fmt::Write::write_str(out, #name)),
        Body::Named(_) if fields.is_empty() => {
            let text = format!("{name} {{}}");
            quote!(::core::fmt::Write::write_str(out, #text))
        }
        Body::Named(_) => {
            let before = members.iter().enumerate().map(|(k, member)| {
                if k == 0 { format!("{name} {{\n    {member}: ") } else { format!(",\n    {member}: ") }
            });
            quote! {
                #(
                    ::core::fmt::Write::write_str(out, #before)?;
                    #as_model::write_rust(&self.#members, out)?;
                )*
                ::core::fmt::Write::write_str(out, ",\n}")
            }
        }
    };

    let usize = quote!(::core::primitive::usize);
    let str = quote!(::core::primitive::str);
    let option = quote!(::core::option::Option);
    let state = quote!(::constnet::state);
    let sized = quote!(::core::marker::Sized);
    Ok(quote! {
        #[automatically_derived]
        impl #module_impl ::constnet::Module for #ident #ty_generics #module_where {}

        #[automatically_derived]
        impl #model_impl ::constnet::Model<#f> for #ident #ty_generics #model_where {
            const PARAMS: #usize = #params;
            const TENSORS: #usize = #tensors;
            const ZERO: Self = #zero;

            /// The fields draw from the RNG in declaration order.
            fn initialize_with<#rng: ::constnet::__private::Rng + ?#sized>(
                &mut self,
                init: ::constnet::Init,
                rng: &mut #rng,
            ) {
                #unused_init
                #(#as_model::initialize_with(&mut self.#members, init, rng);)*
            }

            /// The position is the field's, in declaration order; the type
            /// is the innermost layer's.
            fn tensor_owner(index: #usize) -> #option<(#usize, &'static #str)> {
                #unused_index
                #(#owner)*
                #option::None
            }

            fn tensors(&self) -> impl ::core::iter::Iterator<Item = ::constnet::Tensor<'_, #f>> {
                #tensors_chain
            }

            fn tensors_mut(&mut self) -> impl ::core::iter::Iterator<Item = ::constnet::TensorMut<'_, #f>> {
                #tensors_mut_chain
            }

            /// Each field's entries are below the field's name.
            fn visit_state<#visitor>(&self, prefix: #option<&#state::StatePath<'_>>, visit: &mut #visitor)
            where
                #visitor: ::core::ops::FnMut(&#state::StatePath<'_>, &'static #str, #state::StateEntry<'_, #f>) + ?#sized,
            {
                #unused_visit
                #(#as_model::visit_state(&self.#members, #paths, visit);)*
            }

            fn visit_state_mut<#visitor>(&mut self, prefix: #option<&#state::StatePath<'_>>, visit: &mut #visitor)
            where
                #visitor: ::core::ops::FnMut(&#state::StatePath<'_>, &'static #str, #state::StateEntryMut<'_, #f>) + ?#sized,
            {
                #unused_visit
                #(#as_model::visit_state_mut(&mut self.#members, #paths, visit);)*
            }

            fn write_rust<#writer: ::core::fmt::Write>(&self, out: &mut #writer) -> ::core::fmt::Result {
                #write_rust
            }
        }
    })
}

/// `<T0 as Model<F>>::CONST + <T1 as Model<F>>::CONST + …`, or `0`.
fn sum(as_model: &[TokenStream], constant: TokenStream) -> TokenStream {
    if as_model.is_empty() {
        quote!(0)
    } else {
        let terms = as_model.iter().map(|m| quote_spanned!(Span::call_site()=> #m::#constant));
        quote!(#(#terms)+*)
    }
}
