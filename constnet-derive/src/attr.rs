//! The `#[model(...)]` helper attribute: `rust_path` on the struct,
//! `rename` on a field.

use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::{Attribute, ExprPath, Field, LitStr};

/// What `#[model(...)]` on the struct says.
#[derive(Default)]
pub(crate) struct Container {
    /// `rust_path = "..."`: the path that `write_rust` writes before the
    /// struct literal's braces.
    pub(crate) rust_path: Option<String>,
}

/// Parses the struct's `#[model(...)]` attributes.
pub(crate) fn container(attrs: &[Attribute]) -> syn::Result<Container> {
    let mut container = Container::default();
    let mut errors = Errors::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("model")) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rust_path") {
                let lit: LitStr = meta.value()?.parse()?;
                if container.rust_path.is_some() {
                    return Err(syn::Error::new(lit.span(), "duplicate `rust_path`"));
                }
                container.rust_path = Some(rust_path(&lit)?);
                Ok(())
            } else if meta.path.is_ident("rename") {
                Err(meta.error("`rename` goes on a field: `#[model(rename = \"name\")]`"))
            } else {
                Err(meta.error("unknown `model` attribute; on a struct: `#[model(rust_path = \"my_crate::Net\")]`"))
            }
        });
        errors.push(parsed);
    }
    errors.finish(container)
}

/// The text of `rust_path = "..."`, checked to be an expression path (with
/// a turbofish for generics: `Block::<8>`).
fn rust_path(lit: &LitStr) -> syn::Result<String> {
    let text = lit.value();
    let text = text.trim();
    match syn::parse_str::<ExprPath>(text) {
        Ok(path) if path.qself.is_none() && path.attrs.is_empty() => Ok(text.to_owned()),
        _ => Err(syn::Error::new(
            lit.span(),
            format!(
                "`rust_path` must be a path such as \"my_crate::models::Kws\" (generics with a turbofish), not {text:?}"
            ),
        )),
    }
}

/// A field's name in the state dict: its `rename`, or its identifier
/// without `r#`; and the span to report a clash at.
pub(crate) fn state_name(field: &Field) -> syn::Result<(String, Span)> {
    let ident = field.ident.as_ref().ok_or_else(|| syn::Error::new_spanned(field, "expected a named field"))?;
    let mut rename: Option<(String, Span)> = None;
    let mut errors = Errors::default();
    for attr in field.attrs.iter().filter(|attr| attr.path().is_ident("model")) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: LitStr = meta.value()?.parse()?;
                if rename.is_some() {
                    return Err(syn::Error::new(lit.span(), "duplicate `rename`"));
                }
                let name = lit.value();
                if name.is_empty() || name.contains('.') {
                    return Err(syn::Error::new(
                        lit.span(),
                        "a state-dict name must be non-empty and without `.` (the separator of its segments)",
                    ));
                }
                rename = Some((name, lit.span()));
                Ok(())
            } else if meta.path.is_ident("rust_path") {
                Err(meta.error("`rust_path` goes on the struct, not on a field"))
            } else {
                Err(meta.error("unknown `model` attribute; on a field: `#[model(rename = \"name\")]`"))
            }
        });
        errors.push(parsed);
    }
    errors.finish(rename.unwrap_or_else(|| (ident.unraw().to_string(), ident.span())))
}

/// Errors collected so that every bad attribute is reported at once.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    /// Keeps the error of `result`, if any.
    pub(crate) fn push<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                match &mut self.0 {
                    Some(first) => first.combine(error),
                    None => self.0 = Some(error),
                }
                None
            }
        }
    }

    /// `value`, or every error collected.
    pub(crate) fn finish<T>(self, value: T) -> syn::Result<T> {
        match self.0 {
            Some(error) => Err(error),
            None => Ok(value),
        }
    }
}
