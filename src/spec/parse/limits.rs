//! The resource limits every parser enforces, so hostile input is refused rather than obeyed.

/// Bounds that keep hostile input from hanging or exhausting the machine.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
    /// Deepest nesting of arrays and objects.
    pub max_depth: usize,
    /// Most values in one file after YAML aliases are expanded.
    pub max_nodes: usize,
    /// Most values that YAML aliases may add, beyond this many times the values written out.
    pub alias_expansion_factor: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 256 * 1024 * 1024,
            max_depth: 512,
            max_nodes: 20_000_000,
            alias_expansion_factor: 10,
        }
    }
}
