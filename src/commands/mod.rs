//! One module per subcommand; `lay` is the pipeline `init` and `add` share.

pub(crate) mod add;
pub(crate) mod init;
pub(crate) mod lay;
pub(crate) mod list;
