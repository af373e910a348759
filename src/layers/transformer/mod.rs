//! Transformer layers composed of the library's own layers: the
//! [`NormPlacement`]s ([`PostNorm`], [`PreNorm`]), the
//! [`TransformerEncoderLayer`] and the [`TransformerDecoderLayer`].

mod decoder;
mod encoder;
mod placement;

pub use decoder::{DecoderTape, TransformerDecoderLayer};
pub use encoder::{EncoderBlocks, FeedForwardBlock, SelfAttentionBlock, TransformerEncoderLayer};
pub use placement::{NormPlacement, PostNorm, PreNorm};
