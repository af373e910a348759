//! [`Names`]: how a model's state-dict names map to a file's.

use std::collections::HashSet;

use constnet::state::{self, StatePath};
use constnet::{Float, Model};

/// How the names a model gives its tensors (see [`constnet::state`]) map to
/// the names in a file.
///
/// By default they are the same: a tuple stack is named as PyTorch names
/// an `nn.Sequential` (`0.weight`, `2.bias`) and a struct deriving `Model`
/// by its fields (`conv.weight`). A PyTorch module with named children that
/// is a tuple here needs a prefix for each position:
///
/// ```
/// use constnet_safetensors::Names;
///
/// // PyTorch: `self.rnn = nn.LSTM(8, 32)`, `self.fc = nn.Linear(32, 10)`;
/// // here: `(Lstm<8, 32>, LastStep, Dense<32, 10>)`.
/// let names = Names::new().prefix("0", "rnn").prefix("2", "fc");
/// assert_eq!(names.file_name("0.weight_ih_l0"), "rnn.weight_ih_l0");
/// assert_eq!(names.file_name("2.bias"), "fc.bias");
/// assert_eq!(names.file_name("20.bias"), "20.bias"); // whole segments only
/// ```
#[derive(Clone, Debug, Default)]
pub struct Names {
    /// (the model's prefix, the file's), longest model prefix first.
    prefixes: Vec<(String, String)>,
}

impl Names {
    /// The identity: the file uses the model's own names.
    pub fn new() -> Self {
        Names::default()
    }

    /// The same map, where the model's names starting with the segments
    /// `model` (`"0"`, `"1.2"`) start with `file` instead (`"rnn"`,
    /// `"encoder.layers.0"`; empty for none). The longest matching prefix
    /// wins.
    #[must_use]
    pub fn prefix(mut self, model: &str, file: &str) -> Self {
        self.prefixes.retain(|(ours, _)| ours != model);
        self.prefixes.push((model.to_string(), file.to_string()));
        self.prefixes.sort_by_key(|(ours, _)| std::cmp::Reverse(ours.len()));
        self
    }

    /// The file's name for the model's name `model`.
    pub fn file_name(&self, model: &str) -> String {
        for (ours, theirs) in &self.prefixes {
            let Some(rest) = model.strip_prefix(ours.as_str()) else { continue };
            if rest.is_empty() {
                return theirs.clone();
            }
            if let Some(rest) = rest.strip_prefix('.') {
                return match theirs.is_empty() {
                    true => rest.to_string(),
                    false => format!("{theirs}.{rest}"),
                };
            }
        }
        model.to_string()
    }

    /// The file's name for the tensor at `path`.
    pub(crate) fn of(&self, path: &StatePath<'_>) -> String {
        self.file_name(&path.to_string())
    }
}

/// The file's name of every entry of `model`'s state dict, in the model's
/// order; `Err(name)` with the first name that two entries share.
pub(crate) fn file_names<F: Float, M: Model<F>>(model: &M, names: &Names) -> Result<Vec<String>, String> {
    let mut all = Vec::new();
    state::visit(model, &mut |path, _, _| all.push(names.of(path)));
    let mut seen = HashSet::new();
    match all.iter().find(|name| !seen.insert(name.as_str())) {
        Some(name) => Err(name.clone()),
        None => Ok(all),
    }
}
